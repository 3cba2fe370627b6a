/**
 * A filter in front of the stdio message reader of vscode-jsonrpc: it passes on well-formed LSP frames
 * (`Content-Length: N` headers, a blank line, N bytes) and skips malformed ones without losing the
 * next. vscode-jsonrpc alone, given `Content-Length: abc`, reports an error and then reads the bad
 * frame's body as the next header block, which swallows the next valid message.
 *
 * A header block is valid when every line is `Name: value` and Content-Length is a plain decimal
 * number no larger than MAX_FRAME_BYTES. Anything else (and bytes before a header block) is dropped
 * up to the next `Content-Length:` header, and `onSkip` says what was skipped. Bodies are passed on as
 * they arrive; only header blocks are buffered (garbage without one is dropped as it comes).
 */
import { Transform, type TransformCallback } from 'node:stream';

/** The largest message passed on; a larger Content-Length counts as malformed (it would stall the stream). */
export const MAX_FRAME_BYTES = 64 * 2 ** 20;
/** A header block longer than this is garbage. */
const MAX_HEADER_BYTES = 8 * 1024;
const SEPARATOR = Buffer.from('\r\n\r\n');
const HEADER_NAMES = [Buffer.from('Content-Length:'), Buffer.from('content-length:')];

export class FrameFilter extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  /** Bytes of the current body still to pass on. */
  private remaining = 0;
  /** Dropping input until the next header name (reported once per run of bad input). */
  private skipping = false;

  constructor(
    private readonly onSkip: (why: string) => void = () => {},
    private readonly maxFrame = MAX_FRAME_BYTES,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let data: Buffer = chunk;
    while (data.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, data.length);
        this.push(data.subarray(0, n));
        this.remaining -= n;
        data = data.subarray(n);
        continue;
      }
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
      data = this.headers();
    }
    done();
  }

  /** Reads header blocks from the buffer; returns the bytes after a valid one (the body's start). */
  private headers(): Buffer {
    for (;;) {
      if (this.skipping) {
        const next = nextHeaderName(this.buffer);
        if (next < 0) {
          this.buffer = this.buffer.subarray(this.buffer.length - headerNamePrefix(this.buffer));
          return Buffer.alloc(0);
        }
        this.buffer = this.buffer.subarray(next);
      }
      const end = this.buffer.indexOf(SEPARATOR);
      if (end < 0) {
        if (this.buffer.length <= MAX_HEADER_BYTES) return Buffer.alloc(0);
        this.skip('a header block with no end');
        continue;
      }
      const length = contentLength(this.buffer.subarray(0, end).toString('latin1'));
      if (typeof length === 'string' || length > this.maxFrame) {
        this.skip(typeof length === 'string' ? length : `Content-Length ${length} is over ${this.maxFrame}`);
        continue;
      }
      const rest = this.buffer.subarray(end + SEPARATOR.length);
      this.buffer = Buffer.alloc(0);
      this.remaining = length;
      this.skipping = false;
      this.push(Buffer.from(`Content-Length: ${length}\r\n\r\n`, 'latin1'));
      return rest;
    }
  }

  /** Starts (or continues) dropping input up to the next header name after this byte. */
  private skip(why: string): void {
    if (!this.skipping)
      this.onSkip(
        `skipped malformed input (${why}): ${JSON.stringify(this.buffer.subarray(0, 60).toString('latin1'))}`,
      );
    this.skipping = true;
    this.buffer = this.buffer.subarray(1);
  }
}

/** Where the next `Content-Length:` starts in `b`, or -1. */
function nextHeaderName(b: Buffer): number {
  const hits = HEADER_NAMES.map((h) => b.indexOf(h)).filter((k) => k >= 0);
  return hits.length ? Math.min(...hits) : -1;
}

/** The length of the longest end of `b` that could begin a `Content-Length:` (kept for the next chunk). */
function headerNamePrefix(b: Buffer): number {
  for (let n = Math.min(b.length, HEADER_NAMES[0].length - 1); n > 0; n--) {
    const tail = b.subarray(b.length - n);
    if (HEADER_NAMES.some((h) => h.subarray(0, n).equals(tail))) return n;
  }
  return 0;
}

/** The Content-Length of a header block, or why the block is malformed. */
function contentLength(block: string): number | string {
  let length: number | string = 'no Content-Length header';
  for (const line of block.split('\r\n')) {
    const m = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m) return `a header line that is not "Name: value"`;
    if (m[1].toLowerCase() !== 'content-length') continue;
    if (!/^\d{1,15}$/.test(m[2])) return `Content-Length '${m[2].slice(0, 20)}' is not a number of bytes`;
    length = Number(m[2]);
  }
  return length;
}
