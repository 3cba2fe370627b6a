/**
 * A minimal, defensive ZIP reader over a file path (PyTorch checkpoints and .npz files are ZIPs).
 * It reads the central directory from the end of the file (ZIP64 included), never the whole file,
 * and reads one entry (or just the start of one) on demand. Every inconsistency is a CheckpointError.
 */

import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';

export interface ZipEntry {
  /** The entry's path inside the archive, `/`-separated. */
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Offset of the entry's local file header. */
  localHeaderOffset: number;
  crc32: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** Deflate cannot compress better than about 1032:1; a larger declared ratio is a lie (or a bomb). */
const MAX_DEFLATE_RATIO = 1100;

const NOT_ZIP_FIX = 'the file is truncated or is not a ZIP archive; download or save it again';

export class ZipReader {
  private readonly entryList: ZipEntry[];
  private readonly byName = new Map<string, ZipEntry>();
  private fd: number | undefined;

  private constructor(
    /** The archive's path, used in every message. */
    readonly file: string,
    fd: number,
    /** The archive's size in bytes. */
    readonly size: number,
  ) {
    this.fd = fd;
    try {
      this.entryList = this.readCentralDirectory();
    } catch (e) {
      this.close();
      throw e;
    }
    for (const e of this.entryList) if (!this.byName.has(e.name)) this.byName.set(e.name, e);
  }

  /** Opens `file` and reads its central directory. Close it with {@link close} when done. */
  static open(file: string): ZipReader {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (e) {
      throw new CheckpointError(file, `cannot open the file (${(e as Error).message})`);
    }
    let size: number;
    try {
      size = fs.fstatSync(fd).size;
    } catch (e) {
      fs.closeSync(fd);
      throw new CheckpointError(file, `cannot read the file (${(e as Error).message})`);
    }
    return new ZipReader(file, fd, size);
  }

  /** Opens `file`, runs `fn` and closes the archive again, even when `fn` throws. */
  static with<T>(file: string, fn: (zip: ZipReader) => T): T {
    const zip = ZipReader.open(file);
    try {
      return fn(zip);
    } finally {
      zip.close();
    }
  }

  close(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }

  /** All entries, in central-directory order. */
  entries(): readonly ZipEntry[] {
    return this.entryList;
  }

  /** The entry with exactly this name, if any. */
  find(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /** The whole (decompressed) content of an entry. */
  read(entry: ZipEntry): Uint8Array {
    const start = this.dataStart(entry);
    const raw = this.readAt(start, entry.compressedSize);
    let out: Uint8Array;
    if (entry.method === 0) {
      out = raw;
    } else {
      try {
        out = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
      } catch (e) {
        throw this.error(`entry '${entry.name}' cannot be decompressed (${(e as Error).message})`);
      }
    }
    if (out.length !== entry.uncompressedSize) {
      throw this.error(
        `entry '${entry.name}' holds ${out.length} bytes but the directory says ${entry.uncompressedSize}`,
      );
    }
    const crc = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
    if (crc && crc(out) >>> 0 !== entry.crc32 >>> 0) {
      throw this.error(`entry '${entry.name}' is corrupt (CRC-32 mismatch)`);
    }
    return out;
  }

  /**
   * The first `maxBytes` (or fewer, if the entry is shorter) decompressed bytes of an entry, reading
   * only as much of the file as that takes. Used for header-only checks.
   */
  readPrefix(entry: ZipEntry, maxBytes: number): Uint8Array {
    const want = Math.min(maxBytes, entry.uncompressedSize);
    const start = this.dataStart(entry);
    if (entry.method === 0) return this.readAt(start, want);
    let chunk = Math.min(entry.compressedSize, Math.max(4096, want));
    for (;;) {
      const raw = this.readAt(start, chunk);
      let out: Uint8Array;
      try {
        out = zlib.inflateRawSync(raw, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      } catch (e) {
        throw this.error(`entry '${entry.name}' cannot be decompressed (${(e as Error).message})`);
      }
      if (out.length >= want || chunk >= entry.compressedSize) return out.subarray(0, want);
      chunk = Math.min(entry.compressedSize, chunk * 4);
    }
  }

  // ------------------------------------------------------------------ internals

  private error(problem: string, fix = NOT_ZIP_FIX): CheckpointError {
    return new CheckpointError(this.file, problem, fix);
  }

  /** Reads exactly `length` bytes at `position`, refusing ranges outside the file. */
  private readAt(position: number, length: number): Uint8Array {
    if (this.fd === undefined) throw this.error('the archive was already closed', 'open it again');
    if (position < 0 || length < 0 || position + length > this.size) {
      throw this.error(
        `a read of ${length} bytes at offset ${position} runs past the end (${this.size} bytes)`,
      );
    }
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, position + done);
      if (n <= 0) throw this.error(`the file ended early at offset ${position + done}`);
      done += n;
    }
    return buf;
  }

  private u64(view: DataView, at: number, what: string): number {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.error(`${what} ${v} is impossibly large`);
    return Number(v);
  }

  private readCentralDirectory(): ZipEntry[] {
    if (this.size < EOCD_SIZE) throw this.error(`the file is only ${this.size} bytes, too short for a ZIP`);
    const tailLen = Math.min(this.size, EOCD_SIZE + MAX_COMMENT);
    const tailStart = this.size - tailLen;
    const tail = this.readAt(tailStart, tailLen);
    const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    let eocd = -1;
    for (let i = tailLen - EOCD_SIZE; i >= 0; i--) {
      if (tv.getUint32(i, true) === SIG_EOCD && i + EOCD_SIZE + tv.getUint16(i + 20, true) <= tailLen) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw this.error('no ZIP end-of-central-directory record was found');
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    const eocdAbs = tailStart + eocd;
    let cdLimit = eocdAbs;

    // ZIP64: a locator sits right before the classic record.
    if (eocdAbs >= 20) {
      const loc = this.readAt(eocdAbs - 20, 20);
      const lv = new DataView(loc.buffer);
      if (lv.getUint32(0, true) === SIG_ZIP64_LOCATOR) {
        const recOffset = this.u64(lv, 8, 'ZIP64 record offset');
        if (recOffset + 56 > eocdAbs - 20)
          throw this.error(`the ZIP64 record offset ${recOffset} is out of range`);
        const rec = this.readAt(recOffset, 56);
        const rv = new DataView(rec.buffer);
        if (rv.getUint32(0, true) !== SIG_ZIP64_EOCD)
          throw this.error('the ZIP64 end-of-directory record is missing');
        count = this.u64(rv, 32, 'ZIP64 entry count');
        cdSize = this.u64(rv, 40, 'ZIP64 directory size');
        cdOffset = this.u64(rv, 48, 'ZIP64 directory offset');
        cdLimit = recOffset;
      }
    }
    if (cdOffset + cdSize > cdLimit) {
      throw this.error(
        `the central directory (offset ${cdOffset}, ${cdSize} bytes) runs past its end record at ${cdLimit}`,
      );
    }
    if (count * 46 > cdSize)
      throw this.error(`${count} entries cannot fit in a ${cdSize}-byte central directory`);

    const cd = this.readAt(cdOffset, cdSize);
    const cv = new DataView(cd.buffer);
    const entries: ZipEntry[] = [];
    const decoder = new TextDecoder('utf-8');
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdSize || cv.getUint32(p, true) !== SIG_CENTRAL) {
        throw this.error(`central directory entry ${i} is damaged`);
      }
      const method = cv.getUint16(p + 10, true);
      const crc32 = cv.getUint32(p + 16, true);
      let compressedSize = cv.getUint32(p + 20, true);
      let uncompressedSize = cv.getUint32(p + 24, true);
      const nameLen = cv.getUint16(p + 28, true);
      const extraLen = cv.getUint16(p + 30, true);
      const commentLen = cv.getUint16(p + 32, true);
      let localHeaderOffset = cv.getUint32(p + 42, true);
      const end = p + 46 + nameLen + extraLen + commentLen;
      if (end > cdSize) throw this.error(`central directory entry ${i} runs past the directory`);
      const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLen));

      // ZIP64 extended information: only the fields saturated in the fixed part, in this order.
      let x = p + 46 + nameLen;
      const xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        const id = cv.getUint16(x, true);
        const len = cv.getUint16(x + 2, true);
        if (x + 4 + len > xEnd) throw this.error(`entry '${name}' has a damaged extra field`);
        if (id === 0x0001) {
          let q = x + 4;
          const take = (what: string): number => {
            if (q + 8 > x + 4 + len) throw this.error(`entry '${name}' has a short ZIP64 extra field`);
            const v = this.u64(cv, q, what);
            q += 8;
            return v;
          };
          if (uncompressedSize === 0xffffffff) uncompressedSize = take('uncompressed size');
          if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('local header offset');
        }
        x += 4 + len;
      }

      if (method !== 0 && method !== 8) {
        throw this.error(
          `entry '${name}' uses compression method ${method}; only stored (0) and deflate (8) are supported`,
          'save the archive again with numpy or PyTorch, without other compressors',
        );
      }
      if (localHeaderOffset + 30 > cdOffset) {
        throw this.error(
          `entry '${name}' has a local header offset (${localHeaderOffset}) outside the data area`,
        );
      }
      if (compressedSize > cdOffset - localHeaderOffset) {
        throw this.error(`entry '${name}' claims ${compressedSize} bytes, more than the archive holds`);
      }
      if (method === 0 && compressedSize !== uncompressedSize) {
        throw this.error(`stored entry '${name}' has different compressed and uncompressed sizes`);
      }
      if (method === 8 && uncompressedSize > compressedSize * MAX_DEFLATE_RATIO + 1024) {
        throw this.error(
          `entry '${name}' claims to inflate ${compressedSize} bytes to ${uncompressedSize}, which deflate cannot do`,
        );
      }
      entries.push({ name, method, compressedSize, uncompressedSize, localHeaderOffset, crc32 });
      p = end;
    }
    return entries;
  }

  /** Offset of an entry's data, past its local header (whose name/extra lengths may differ from the directory's). */
  private dataStart(entry: ZipEntry): number {
    const head = this.readAt(entry.localHeaderOffset, 30);
    const hv = new DataView(head.buffer);
    if (hv.getUint32(0, true) !== SIG_LOCAL) throw this.error(`entry '${entry.name}' has no local header`);
    const start = entry.localHeaderOffset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
    if (start + entry.compressedSize > this.size) {
      throw this.error(`entry '${entry.name}' runs past the end of the file`);
    }
    return start;
  }
}
