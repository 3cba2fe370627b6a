/**
 * The few `vscode` APIs the dashboard panel and manager call, recorded, so that their message flow
 * runs under mocha. Import this module before anything that imports `vscode`: it makes
 * `require('vscode')` return {@link fakeVscode}.
 */
import Module from 'node:module';
import * as path from 'node:path';

export class Uri {
  constructor(readonly fsPath: string) {}
  static file(p: string): Uri {
    return new Uri(p);
  }
  static joinPath(u: Uri, ...parts: string[]): Uri {
    return new Uri(path.join(u.fsPath, ...parts));
  }
  toString(): string {
    return `https://file+.vscode-resource.test${this.fsPath}`;
  }
}

export class Disposable {
  constructor(private readonly fn: () => void) {}
  dispose(): void {
    this.fn();
  }
}

type Listener<T> = (e: T) => void;

function emitter<T>() {
  const listeners = new Set<Listener<T>>();
  return {
    event: (l: Listener<T>) => {
      listeners.add(l);
      return new Disposable(() => listeners.delete(l));
    },
    fire: (e: T) => {
      for (const l of [...listeners]) l(e);
    },
    get size() {
      return listeners.size;
    },
  };
}

export class FakePanel {
  readonly posted: unknown[] = [];
  title: string;
  visible = true;
  revealed = 0;
  disposed = false;
  iconPath: unknown;
  private readonly received = emitter<unknown>();
  private readonly disposedEvent = emitter<void>();
  private readonly viewState = emitter<{ webviewPanel: FakePanel }>();
  readonly webview = {
    options: {} as Record<string, unknown>,
    html: '',
    cspSource: 'https://file+.vscode-resource.test',
    asWebviewUri: (u: Uri) => u,
    postMessage: async (m: unknown) => {
      this.posted.push(JSON.parse(JSON.stringify(m)));
      return true;
    },
    onDidReceiveMessage: this.received.event,
  };
  readonly onDidDispose = this.disposedEvent.event;
  readonly onDidChangeViewState = this.viewState.event;

  constructor(
    readonly viewType: string,
    title: string,
    readonly options: Record<string, unknown> = {},
  ) {
    this.title = title;
  }

  /** The webview posts `m` to the extension. */
  send(m: unknown): void {
    this.received.fire(m);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.viewState.fire({ webviewPanel: this });
  }

  reveal(): void {
    this.revealed++;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposedEvent.fire();
  }

  get listeners(): number {
    return this.received.size;
  }
}

export const calls = {
  panels: [] as FakePanel[],
  serializers: new Map<string, { deserializeWebviewPanel(p: FakePanel, state: unknown): Promise<void> }>(),
  saveDialogs: [] as Record<string, unknown>[],
  saveTo: undefined as Uri | undefined,
  written: new Map<string, Uint8Array>(),
  messages: [] as string[],
  opened: [] as string[],
};

export const fakeVscode = {
  Uri,
  Disposable,
  ViewColumn: { Active: -1 },
  window: {
    createWebviewPanel: (
      viewType: string,
      title: string,
      _column: unknown,
      options: Record<string, unknown>,
    ) => {
      const p = new FakePanel(viewType, title, options);
      calls.panels.push(p);
      return p;
    },
    registerWebviewPanelSerializer: (
      viewType: string,
      s: { deserializeWebviewPanel(p: FakePanel, state: unknown): Promise<void> },
    ) => {
      calls.serializers.set(viewType, s);
      return new Disposable(() => calls.serializers.delete(viewType));
    },
    showSaveDialog: async (o: Record<string, unknown>) => {
      calls.saveDialogs.push(o);
      return calls.saveTo;
    },
    showInformationMessage: async (m: string) => {
      calls.messages.push(m);
      return undefined;
    },
    showWarningMessage: async (m: string) => {
      calls.messages.push(m);
      return undefined;
    },
    showErrorMessage: async (m: string) => {
      calls.messages.push(m);
      return undefined;
    },
    showTextDocument: async (u: Uri) => {
      calls.opened.push(u.fsPath);
    },
  },
  workspace: {
    fs: {
      writeFile: async (u: Uri, bytes: Uint8Array) => {
        calls.written.set(u.fsPath, bytes);
      },
    },
  },
};

const KEY = path.join(__dirname, '__fake_vscode__.js');
const M = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = M._resolveFilename;
M._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
  return request === 'vscode' ? KEY : resolve.call(this, request, ...rest);
};
require.cache[KEY] = { id: KEY, filename: KEY, loaded: true, exports: fakeVscode } as unknown as NodeModule;
