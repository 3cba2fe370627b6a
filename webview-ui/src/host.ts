/**
 * The webview's side of the message contract: requests matched to responses by requestId (with a
 * timeout), and the VS Code API wrapped in types. No DOM here beyond `acquireVsCodeApi`'s shape.
 */
import type {
  RequestKind,
  RequestParams,
  RequestResult,
  ToExtension,
  ToWebview,
} from '../../src/shared/webview-contract';

export interface VsCodeApi<S> {
  postMessage(message: ToExtension): void;
  getState(): S | undefined;
  setState(state: S): void;
}

export class RequestError extends Error {
  constructor(
    readonly kind: RequestKind,
    message: string,
    readonly timedOut = false,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

interface Pending {
  kind: RequestKind;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

type ResponsePayload = Extract<ToWebview, { type: 'response' }>['payload'];

export interface RequestClientOptions {
  timeoutMs?: number;
  setTimer?: (fn: () => void, ms: number) => ReturnType<typeof setTimeout>;
  clearTimer?: (t: ReturnType<typeof setTimeout>) => void;
}

export class RequestClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly timeoutMs: number;
  private readonly setTimer: NonNullable<RequestClientOptions['setTimer']>;
  private readonly clearTimer: NonNullable<RequestClientOptions['clearTimer']>;

  constructor(
    private readonly post: (message: ToExtension) => void,
    options: RequestClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((t) => clearTimeout(t));
  }

  get inFlight(): number {
    return this.pending.size;
  }

  request<K extends RequestKind>(kind: K, params: RequestParams<K>): Promise<RequestResult<K>> {
    const requestId = this.nextId++;
    return new Promise<RequestResult<K>>((resolve, reject) => {
      const timer = this.setTimer(() => {
        if (!this.pending.delete(requestId)) return;
        const secs = Math.round(this.timeoutMs / 1000);
        reject(
          new RequestError(
            kind,
            `The extension did not answer the '${kind}' request within ${secs} s.`,
            true,
          ),
        );
      }, this.timeoutMs);
      this.pending.set(requestId, { kind, resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.post({ type: 'request', requestId, kind, params } as ToExtension);
      } catch (e) {
        this.pending.delete(requestId);
        this.clearTimer(timer);
        reject(new RequestError(kind, `Could not send the '${kind}' request: ${String(e)}`));
      }
    });
  }

  /** Settles the matching request; returns false for an unknown (late or duplicate) id. */
  handleResponse(payload: ResponsePayload): boolean {
    const p = this.pending.get(payload.requestId);
    if (!p) return false;
    this.pending.delete(payload.requestId);
    this.clearTimer(p.timer);
    if (payload.ok) p.resolve(payload.result);
    else p.reject(new RequestError(p.kind, payload.error || `The '${p.kind}' request failed.`));
    return true;
  }

  /** Rejects everything in flight (the panel is going away). */
  dispose(reason = 'The dashboard was closed.'): void {
    for (const [id, p] of this.pending) {
      this.clearTimer(p.timer);
      p.reject(new RequestError(p.kind, reason));
      this.pending.delete(id);
    }
  }
}

/** Messages from the extension, checked for a known `type` (anything else is ignored). */
export function asToWebview(data: unknown): ToWebview | null {
  if (typeof data !== 'object' || data === null) return null;
  const t = (data as { type?: unknown }).type;
  if (t === 'init' || t === 'runs' || t === 'metricLines' || t === 'analysisAdded' || t === 'response') {
    return data as ToWebview;
  }
  return null;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
