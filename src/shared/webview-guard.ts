/**
 * Validates every message the dashboard webview posts before the extension acts on it: the type,
 * each request kind and its parameters (integers where the contract has integers, a run folder
 * string), export payloads (allowed MIME types, a bare file name, a size cap, base64 for PNG) and
 * log messages. Returns a fresh object holding only the contract's fields, or `{error}`. Pure: no
 * `vscode`, no Node, no DOM.
 */
import type { ExportPayload, RequestKind, ToExtension } from './webview-contract';

/** The largest export the extension writes (characters of `data`). */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;
/** Longer log messages are cut to this. */
export const MAX_LOG_CHARS = 8192;
const MAX_PATH_CHARS = 4096;
const MAX_INDEX = 1_000_000;

export const EXPORT_MIMES: readonly ExportPayload['mime'][] = ['image/png', 'image/svg+xml', 'text/csv'];

const REQUEST_PARAMS: { [K in RequestKind]: readonly string[] } = {
  metrics: [],
  analysisIndex: [],
  prototypeMap: ['epoch', 'layer'],
  attention: ['epoch', 'layer'],
  probeImages: ['epoch'],
  promptSource: ['set', 'index'],
};

type Result = ToExtension | { error: string };

class Invalid extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const has = (o: object, k: string) => Object.hasOwn(o, k);

function obj(v: unknown, what: string): Record<string, unknown> {
  if (!isObj(v)) throw new Invalid(`${what} must be an object`);
  return v;
}

function index(v: unknown, what: string, max = MAX_INDEX): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max)
    throw new Invalid(`${what} must be an integer in [0, ${max}]`);
  return v;
}

function runDir(v: unknown): string {
  if (typeof v !== 'string' || !v || v.length > MAX_PATH_CHARS || v.includes('\0'))
    throw new Invalid(`runDir must be a non-empty path of at most ${MAX_PATH_CHARS} characters`);
  return v;
}

function fileName(v: unknown): string {
  if (typeof v !== 'string' || !v || v.length > 200)
    throw new Invalid('fileName must be 1 to 200 characters');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\\/:*?"<>|\u0000-\u001f]/.test(v) || v === '.' || v === '..' || v.startsWith('.'))
    throw new Invalid('fileName must be a bare file name: no folders, no leading dot, no \\ / : * ? " < > |');
  return v;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function exportPayload(v: unknown): ExportPayload {
  const p = obj(v, 'export payload');
  const mime = p.mime as ExportPayload['mime'];
  if (!EXPORT_MIMES.includes(mime)) throw new Invalid(`mime must be one of ${EXPORT_MIMES.join(', ')}`);
  if (typeof p.data !== 'string') throw new Invalid('data must be a string');
  if (p.data.length > MAX_EXPORT_CHARS)
    throw new Invalid(`data is over the ${MAX_EXPORT_CHARS >> 20} MB an export may hold`);
  if (mime === 'image/png' && (p.data.length % 4 !== 0 || !BASE64.test(p.data)))
    throw new Invalid('data of an image/png export must be base64');
  return { fileName: fileName(p.fileName), mime, data: p.data };
}

function request(m: Record<string, unknown>): ToExtension {
  const requestId = index(m.requestId, 'requestId', Number.MAX_SAFE_INTEGER);
  const kind = m.kind;
  if (typeof kind !== 'string' || !has(REQUEST_PARAMS, kind))
    throw new Invalid(`kind must be one of ${Object.keys(REQUEST_PARAMS).join(', ')}`);
  const p = obj(m.params, 'params');
  const params: Record<string, unknown> = { runDir: runDir(p.runDir) };
  for (const k of REQUEST_PARAMS[kind as RequestKind]) params[k] = index(p[k], `params.${k}`);
  return { type: 'request', requestId, kind, params } as ToExtension;
}

function parse(value: unknown): ToExtension {
  const m = obj(value, 'a message');
  switch (m.type) {
    case 'initialized':
      return { type: 'initialized' };
    case 'request':
      return request(m);
    case 'export':
      return { type: 'export', payload: exportPayload(m.payload) };
    case 'openRun':
    case 'openConfig':
      return { type: m.type, payload: { runDir: runDir(obj(m.payload, 'payload').runDir) } };
    case 'log': {
      const p = obj(m.payload, 'payload');
      if (p.level !== 'info' && p.level !== 'warn' && p.level !== 'error')
        throw new Invalid('log level must be info, warn or error');
      if (typeof p.message !== 'string') throw new Invalid('log message must be a string');
      const message =
        p.message.length > MAX_LOG_CHARS ? `${p.message.slice(0, MAX_LOG_CHARS)}...` : p.message;
      return { type: 'log', payload: { level: p.level, message } };
    }
    default:
      throw new Invalid(`unknown message type ${JSON.stringify(String(m.type)).slice(0, 60)}`);
  }
}

/** The message as the contract types it (only its fields), or why it is not one. */
export function parseToExtension(value: unknown): Result {
  try {
    return parse(value);
  } catch (err) {
    if (err instanceof Invalid) return { error: err.message };
    return { error: `not a dashboard message (${String(err)})` };
  }
}

export function isGuardError(r: Result): r is { error: string } {
  return has(r, 'error');
}
