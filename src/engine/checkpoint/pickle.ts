/**
 * A restricted unpickler for PyTorch checkpoints. It executes nothing: the pickle opcodes are
 * interpreted as plain data, and a GLOBAL / STACK_GLOBAL may only name one of the few callables
 * PyTorch's own `weights_only=True` loader allows (tensor rebuild functions, storage classes,
 * dtypes, OrderedDict, ...), each implemented here as a small JavaScript function that produces
 * plain data. Any other global (`os.system`, `builtins.eval`, ...) stops the load at once with an
 * {@link UnsafePickleError}, before anything could be called.
 *
 * Python values map to: None -> null, bool -> boolean, int/float -> number, str -> string,
 * bytes -> Uint8Array, list/tuple/set -> array, dict/OrderedDict -> Map with string keys (integer
 * keys become their decimal string), tensors -> {@link TorchTensorRef} (storage data is not read here).
 */

import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import { type RawDType, rawByteSize } from '../../run-folder/tensors/dtype-convert';

// ------------------------------------------------------------------ value types

/** A global that passed the allowlist (a callable, class or constant such as `torch.float32`). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    /** Set for storage classes (`torch.FloatStorage` -> float32; `UntypedStorage` -> uint8). */
    readonly storageDType?: RawDType,
    /** Set for dtype constants (`torch.float16` -> float16). */
    readonly dtype?: RawDType,
  ) {}

  get fullName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A storage named by a persistent id; its bytes are loaded later by the caller (see torch-zip.ts). */
export class TorchStorageRef {
  constructor(
    /** Record name inside the archive (`<prefix>/data/<key>`). */
    readonly key: string,
    /** The storage class's element type (`uint8` for an untyped storage). */
    readonly dtype: RawDType,
    /** The storage class, for messages (for example `torch.HalfStorage`). */
    readonly storageType: string,
    readonly location: string,
    /** Size in bytes. */
    readonly nbytes: number,
  ) {}
}

/** A tensor as `torch._utils._rebuild_tensor_v2` describes it: a strided view into a storage. */
export class TorchTensorRef {
  constructor(
    readonly storage: TorchStorageRef,
    /** Element type of the view (the storage's, or the explicit dtype of `_rebuild_tensor_v3`). */
    readonly dtype: RawDType,
    /** Offset in elements of `dtype`. */
    readonly offset: number,
    readonly shape: number[],
    /** Strides in elements. */
    readonly stride: number[],
  ) {}
}

export type PickleValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | PickleValue[]
  | Map<string, PickleValue>
  | PyGlobal
  | TorchStorageRef
  | TorchTensorRef;

/** Raised when a pickle names a global outside the allowlist. Nothing from the file has run. */
export class UnsafePickleError extends CheckpointError {
  constructor(
    file: string,
    /** The refused global, `module.name`. */
    readonly globalName: string,
  ) {
    super(
      file,
      `refused to load: the pickle asks for '${globalName}', which is not one of the plain PyTorch ` +
        'types SPT Studio accepts. Nothing in the file was executed.',
      "if you trust the file, load it in Python and save only the tensors: torch.save({'model': model.state_dict()}, path)",
    );
    this.name = 'UnsafePickleError';
  }
}

export interface UnpickleOptions {
  /** The file the pickle came from, for messages. */
  file: string;
  /** Resolves a persistent id (PERSID / BINPERSID). Without it, persistent ids are an error. */
  persistentLoad?: (pid: PickleValue) => PickleValue;
}

// ------------------------------------------------------------------ the allowlist

type Impl = (args: PickleValue[], kwargs?: Map<string, PickleValue>) => PickleValue;

interface Allowed {
  /** Called by REDUCE, NEWOBJ, NEWOBJ_EX, INST and OBJ. Globals without it are constants. */
  call?: Impl;
  /** Storage classes: the element type. */
  storageDType?: RawDType;
  /** dtype constants: the element type (undefined for dtypes SPT Studio cannot convert). */
  dtype?: RawDType;
}

const STORAGE_CLASSES: Record<string, RawDType> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

const DTYPE_CONSTANTS: Record<string, RawDType | undefined> = {
  float32: 'float32',
  float16: 'float16',
  bfloat16: 'bfloat16',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  int16: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
  // known dtypes SPT Studio cannot convert; a tensor using them is refused when it is read
  complex64: undefined,
  complex128: undefined,
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
};

function isInt(v: PickleValue): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function isIntList(v: PickleValue): v is number[] {
  return Array.isArray(v) && v.every(isInt);
}

/**
 * The allowed globals, keyed `module.name`. `callNested` lets `_rebuild_from_type_v2` call the
 * (itself allowed) rebuild function it wraps.
 */
function buildAllowlist(
  file: string,
  callNested: (fn: PickleValue, args: PickleValue) => PickleValue,
): Map<string, Allowed> {
  const bad = (what: string, problem: string) =>
    new CheckpointError(file, `pickle data: ${what} ${problem}`, 'the file is damaged; save it again');

  const toDict = (what: string, args: PickleValue[]): Map<string, PickleValue> => {
    const out = new Map<string, PickleValue>();
    const src = args[0];
    if (src === undefined || src === null) return out;
    if (src instanceof Map) return new Map(src);
    if (Array.isArray(src)) {
      for (const pair of src) {
        if (!Array.isArray(pair) || pair.length !== 2)
          throw bad(what, 'got an item that is not a key/value pair');
        out.set(dictKey(pair[0], file), pair[1]);
      }
      return out;
    }
    throw bad(what, 'got an argument that is neither a dict nor a list of pairs');
  };

  const rebuildTensor = (what: string, args: PickleValue[], dtype?: RawDType): TorchTensorRef => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof TorchStorageRef)) throw bad(what, 'got something other than a storage');
    if (!isInt(offset) || offset < 0) throw bad(what, `got storage offset ${String(offset)}`);
    if (!isIntList(size)) throw bad(what, 'got a size that is not a tuple of integers');
    if (!isIntList(stride) || stride.length !== size.length) {
      throw bad(what, 'got a stride that does not match the size');
    }
    return new TorchTensorRef(storage, dtype ?? storage.dtype, offset, [...size], [...stride]);
  };

  const m = new Map<string, Allowed>();
  m.set('collections.OrderedDict', { call: (a) => toDict('OrderedDict', a) });
  m.set('collections.Counter', { call: (a) => toDict('Counter', a) });
  m.set('builtins.set', { call: (a) => toList('set', a) });
  m.set('builtins.frozenset', { call: (a) => toList('frozenset', a) });
  m.set('builtins.slice', { call: (a) => [...a] });
  m.set('builtins.complex', {
    call: (a) => {
      if (!a.every((x) => typeof x === 'number')) throw bad('complex', 'got non-numeric parts');
      return [(a[0] as number | undefined) ?? 0, (a[1] as number | undefined) ?? 0];
    },
  });
  m.set('builtins.bytearray', {
    call: (a) => {
      const src = a[0];
      if (src === undefined) return new Uint8Array(0);
      if (src instanceof Uint8Array) return src.slice();
      if (typeof src === 'string') return encodeString(src, typeof a[1] === 'string' ? a[1] : 'utf-8', file);
      if (isIntList(src) && src.every((b) => b >= 0 && b < 256)) return Uint8Array.from(src);
      throw bad('bytearray', 'got an argument it cannot turn into bytes');
    },
  });
  m.set('_codecs.encode', {
    call: (a) => {
      if (typeof a[0] !== 'string') throw bad('_codecs.encode', 'got a non-string');
      return encodeString(a[0], typeof a[1] === 'string' ? a[1] : 'utf-8', file);
    },
  });
  m.set('torch.Size', {
    call: (a) => {
      const s = a[0] ?? [];
      if (!isIntList(s)) throw bad('torch.Size', 'got a non-integer size');
      return [...s];
    },
  });
  m.set('torch.device', {
    call: (a) => {
      if (typeof a[0] !== 'string') throw bad('torch.device', 'got a non-string device type');
      return isInt(a[1]) ? `${a[0]}:${a[1]}` : a[0];
    },
  });
  m.set('torch.serialization._get_layout', {
    call: (a) => {
      if (typeof a[0] !== 'string') throw bad('_get_layout', 'got a non-string layout');
      return a[0];
    },
  });
  m.set('torch.strided', {});
  m.set('torch.Tensor', {});
  m.set('torch.nn.parameter.Parameter', {
    call: (a) => {
      if (!(a[0] instanceof TorchTensorRef)) throw bad('Parameter', 'wraps something other than a tensor');
      return a[0];
    },
  });
  for (const [name, dtype] of Object.entries(STORAGE_CLASSES))
    m.set(`torch.${name}`, { storageDType: dtype });
  for (const [name, dtype] of Object.entries(DTYPE_CONSTANTS)) m.set(`torch.${name}`, { dtype });

  m.set('torch._utils._rebuild_tensor', { call: (a) => rebuildTensor('_rebuild_tensor', a) });
  m.set('torch._utils._rebuild_tensor_v2', { call: (a) => rebuildTensor('_rebuild_tensor_v2', a) });
  m.set('torch._utils._rebuild_tensor_v3', {
    call: (a) => {
      const dtype = a[6];
      if (!(dtype instanceof PyGlobal) || !dtype.dtype) {
        throw bad(
          '_rebuild_tensor_v3',
          `got dtype ${dtype instanceof PyGlobal ? dtype.fullName : String(dtype)}`,
        );
      }
      return rebuildTensor('_rebuild_tensor_v3', a, dtype.dtype);
    },
  });
  const unwrapTensor = (what: string) => (a: PickleValue[]) => {
    if (!(a[0] instanceof TorchTensorRef)) throw bad(what, 'wraps something other than a tensor');
    return a[0];
  };
  m.set('torch._utils._rebuild_parameter', { call: unwrapTensor('_rebuild_parameter') });
  m.set('torch._utils._rebuild_parameter_with_state', {
    call: unwrapTensor('_rebuild_parameter_with_state'),
  });
  // _rebuild_from_type_v2(func, new_type, args, state): tensor subclasses; rebuilds via func(*args)
  m.set('torch._tensor._rebuild_from_type_v2', { call: (a) => callNested(a[0], a[2] ?? []) });
  return m;

  function toList(what: string, a: PickleValue[]): PickleValue[] {
    const src = a[0];
    if (src === undefined) return [];
    if (Array.isArray(src)) return [...src];
    if (src instanceof Map) return [...src.keys()];
    throw bad(what, 'got an argument that is not iterable');
  }
}

function encodeString(s: string, encoding: string, file: string): Uint8Array {
  const enc = encoding.toLowerCase().replace(/[-_]/g, '');
  if (enc === 'latin1' || enc === 'iso88591') {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 255)
        throw new CheckpointError(file, 'pickle data: a latin-1 byte string holds a character above 255');
      out[i] = c;
    }
    return out;
  }
  if (enc === 'utf8' || enc === 'ascii') return new TextEncoder().encode(s);
  throw new CheckpointError(file, `pickle data: text encoding '${encoding}' is not supported`);
}

/** Dict keys: str stays, int becomes its decimal string, other hashables a Python-like repr. */
function dictKey(k: PickleValue, file: string, depth = 0): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number') return String(k);
  if (typeof k === 'boolean') return k ? 'True' : 'False';
  if (k === null) return 'None';
  if (k instanceof Uint8Array) return new TextDecoder('latin1').decode(k);
  if (k instanceof PyGlobal) return k.fullName;
  if (Array.isArray(k) && depth < 16) {
    return `(${k.map((x) => dictKey(x, file, depth + 1)).join(', ')}${k.length === 1 ? ',' : ''})`;
  }
  throw new CheckpointError(file, 'pickle data: a dict key is not a string, number or tuple');
}

// ------------------------------------------------------------------ the machine

/** Caps that keep a hostile pickle from growing memory without bound. */
const MAX_STACK = 10_000_000;
const MAX_MEMO = 10_000_000;
const MAX_LONG_BYTES = 1024;

const BUILTIN_MODULE_RENAMES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

/** Unpickles `data` (protocols 0-5) without executing anything. */
export function unpickle(data: Uint8Array, options: UnpickleOptions): PickleValue {
  return new Machine(data, options).run();
}

class Machine {
  private pos = 0;
  private stack: PickleValue[] = [];
  private marks: number[] = [];
  private memo = new Map<number, PickleValue>();
  private callDepth = 0;
  private readonly view: DataView;
  private readonly file: string;
  private readonly allowed: Map<string, Allowed>;
  private readonly utf8 = new TextDecoder('utf-8');

  constructor(
    private readonly data: Uint8Array,
    private readonly options: UnpickleOptions,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.file = options.file;
    this.allowed = buildAllowlist(options.file, (fn, args) => this.call(fn, args));
  }

  private fail(problem: string): CheckpointError {
    return new CheckpointError(
      this.file,
      `pickle data is damaged: ${problem} (at byte ${this.pos})`,
      'the file is truncated or corrupt; save it again',
    );
  }

  // ---- input
  private need(n: number, what: string): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.data.length - this.pos) {
      throw this.fail(`${what} declares ${n} bytes but only ${this.data.length - this.pos} remain`);
    }
  }
  private bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  private u8(): number {
    this.need(1, 'an operand');
    return this.data[this.pos++];
  }
  private u16(): number {
    this.need(2, 'an operand');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  private i32(): number {
    this.need(4, 'an operand');
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u32(): number {
    this.need(4, 'an operand');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u64(): number {
    this.need(8, 'an operand');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(this.data.length)) throw this.fail(`a length of ${v} is larger than the whole pickle`);
    return Number(v);
  }
  private line(): string {
    const nl = this.data.indexOf(0x0a, this.pos);
    if (nl < 0) throw this.fail('a text operand has no end of line');
    const s = new TextDecoder('latin1').decode(this.data.subarray(this.pos, nl));
    this.pos = nl + 1;
    return s;
  }
  private utf8Line(): string {
    const nl = this.data.indexOf(0x0a, this.pos);
    if (nl < 0) throw this.fail('a text operand has no end of line');
    const s = this.utf8.decode(this.data.subarray(this.pos, nl));
    this.pos = nl + 1;
    return s;
  }

  // ---- stack
  private push(v: PickleValue): void {
    if (this.stack.length >= MAX_STACK) throw this.fail('the pickle stack grows without bound');
    this.stack.push(v);
  }
  private pop(): PickleValue {
    const floor = this.marks.length ? this.marks[this.marks.length - 1] : 0;
    if (this.stack.length <= floor) throw this.fail('stack underflow');
    return this.stack.pop() as PickleValue;
  }
  private top(): PickleValue {
    const floor = this.marks.length ? this.marks[this.marks.length - 1] : 0;
    if (this.stack.length <= floor) throw this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): PickleValue[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw this.fail('no MARK to pop to');
    return this.stack.splice(mark);
  }
  private memoPut(i: number): void {
    if (this.memo.size >= MAX_MEMO && !this.memo.has(i)) throw this.fail('the memo grows without bound');
    this.memo.set(i, this.top());
  }
  private memoGet(i: number): void {
    if (!this.memo.has(i)) throw this.fail(`memo entry ${i} was never stored`);
    this.push(this.memo.get(i) as PickleValue);
  }

  // ---- globals and calls
  private resolveGlobal(module: string, name: string): PyGlobal {
    const mod = BUILTIN_MODULE_RENAMES[module] ?? module;
    const full = `${mod}.${name}`;
    const entry = this.allowed.get(full);
    if (!entry) throw new UnsafePickleError(this.file, full);
    return new PyGlobal(mod, name, entry.storageDType, entry.dtype);
  }

  private call(fn: PickleValue, args: PickleValue, kwargs?: PickleValue): PickleValue {
    if (!(fn instanceof PyGlobal))
      throw this.fail('a call targets something that is not an allowed callable');
    const impl = this.allowed.get(fn.fullName)?.call;
    if (!impl) {
      throw new CheckpointError(
        this.file,
        `pickle data calls '${fn.fullName}', which SPT Studio does not construct. Nothing was executed.`,
        "save only the tensors: torch.save({'model': model.state_dict()}, path)",
      );
    }
    if (!Array.isArray(args)) throw this.fail(`the arguments to ${fn.fullName} are not a tuple`);
    if (kwargs !== undefined && kwargs !== null && !(kwargs instanceof Map)) {
      throw this.fail(`the keyword arguments to ${fn.fullName} are not a dict`);
    }
    if (this.callDepth > 64) throw this.fail('rebuild calls nest too deeply');
    this.callDepth++;
    try {
      return impl(args, kwargs ?? undefined);
    } finally {
      this.callDepth--;
    }
  }

  private build(obj: PickleValue, _state: PickleValue): void {
    // OrderedDict attributes (state_dict()._metadata) and tensor/Parameter state are dropped:
    // they carry no weights. Anything else has no business receiving state.
    if (obj instanceof Map || obj instanceof TorchTensorRef) return;
    throw this.fail('BUILD targets an object that is neither a dict nor a tensor');
  }

  private decodeLong(bytes: Uint8Array): number {
    if (bytes.length === 0) return 0;
    if (bytes.length > MAX_LONG_BYTES)
      throw this.fail(`an integer of ${bytes.length} bytes is not plausible`);
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
    return Number(v);
  }

  run(): PickleValue {
    const d = this.data;
    for (;;) {
      if (this.pos >= d.length) throw this.fail('the pickle ends without a STOP opcode');
      const op = d[this.pos++];
      switch (op) {
        case 0x80: {
          // PROTO
          const proto = this.u8();
          if (proto > 5) throw this.fail(`pickle protocol ${proto} is not supported`);
          break;
        }
        case 0x95: {
          // FRAME: just a length hint
          const n = this.u64();
          this.need(n, 'a frame');
          break;
        }
        case 0x2e: {
          // STOP
          const result = this.pop();
          return result;
        }
        case 0x28: // MARK
          this.marks.push(this.stack.length);
          break;
        case 0x30: // POP
          if (this.marks.length && this.stack.length === this.marks[this.marks.length - 1]) this.popMark();
          else this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x49: {
          // INT (text); I01 / I00 are protocol-0 booleans
          const s = this.line().trim();
          if (s === '01') this.push(true);
          else if (s === '00') this.push(false);
          else if (/^[-+]?\d+$/.test(s)) this.push(Number(s));
          else throw this.fail(`INT operand '${s}' is not an integer`);
          break;
        }
        case 0x4a: // BININT
          this.push(this.i32());
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.u16());
          break;
        case 0x4c: {
          // LONG (text)
          const s = this.line().trim().replace(/L$/, '');
          if (!/^[-+]?\d+$/.test(s) || s.length > 2 * MAX_LONG_BYTES)
            throw this.fail(`LONG operand '${s}' is not valid`);
          this.push(Number(BigInt(s)));
          break;
        }
        case 0x8a: // LONG1
          this.push(this.decodeLong(this.bytes(this.u8(), 'LONG1')));
          break;
        case 0x8b: {
          // LONG4
          const n = this.i32();
          if (n < 0) throw this.fail('LONG4 has a negative length');
          this.push(this.decodeLong(this.bytes(n, 'LONG4')));
          break;
        }
        case 0x46: {
          // FLOAT (text)
          const s = this.line().trim();
          const v = Number(s);
          if (Number.isNaN(v) && !/^[-+]?nan$/i.test(s))
            throw this.fail(`FLOAT operand '${s}' is not a number`);
          this.push(v);
          break;
        }
        case 0x47: {
          // BINFLOAT (big-endian double)
          this.need(8, 'BINFLOAT');
          this.push(this.view.getFloat64(this.pos, false));
          this.pos += 8;
          break;
        }
        case 0x53: // STRING (protocol-0 repr)
          this.push(unescapePythonString(this.line(), (p) => this.fail(p)));
          break;
        case 0x54: {
          // BINSTRING
          const n = this.i32();
          this.push(this.utf8.decode(this.bytes(n, 'BINSTRING')));
          break;
        }
        case 0x55: // SHORT_BINSTRING
          this.push(this.utf8.decode(this.bytes(this.u8(), 'SHORT_BINSTRING')));
          break;
        case 0x56: // UNICODE (raw-unicode-escape)
          this.push(rawUnicodeUnescape(this.line()));
          break;
        case 0x58: // BINUNICODE
          this.push(this.utf8.decode(this.bytes(this.u32(), 'BINUNICODE')));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.utf8.decode(this.bytes(this.u8(), 'SHORT_BINUNICODE')));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.utf8.decode(this.bytes(this.u64(), 'BINUNICODE8')));
          break;
        case 0x42: // BINBYTES
          this.push(this.bytes(this.u32(), 'BINBYTES').slice());
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(this.bytes(this.u8(), 'SHORT_BINBYTES').slice());
          break;
        case 0x8e: // BINBYTES8
          this.push(this.bytes(this.u64(), 'BINBYTES8').slice());
          break;
        case 0x96: // BYTEARRAY8
          this.push(this.bytes(this.u64(), 'BYTEARRAY8').slice());
          break;
        case 0x7d: // EMPTY_DICT
          this.push(new Map());
          break;
        case 0x64: {
          // DICT
          const items = this.popMark();
          if (items.length % 2) throw this.fail('DICT has an odd number of items');
          const m = new Map<string, PickleValue>();
          for (let i = 0; i < items.length; i += 2) m.set(dictKey(items[i], this.file), items[i + 1]);
          this.push(m);
          break;
        }
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x6c: // LIST
          this.push(this.popMark());
          break;
        case 0x29: // EMPTY_TUPLE
          this.push([]);
          break;
        case 0x74: // TUPLE
          this.push(this.popMark());
          break;
        case 0x85: // TUPLE1
          this.push([this.pop()]);
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          const a = this.pop();
          this.push([a, b]);
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push([a, b, c]);
          break;
        }
        case 0x8f: // EMPTY_SET
          this.push([]);
          break;
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const set = this.top();
          if (!Array.isArray(set)) throw this.fail('ADDITEMS targets something that is not a set');
          for (const it of items) set.push(it);
          break;
        }
        case 0x91: // FROZENSET
          this.push(this.popMark());
          break;
        case 0x61: {
          // APPEND
          const v = this.pop();
          const list = this.top();
          if (!Array.isArray(list)) throw this.fail('APPEND targets something that is not a list');
          list.push(v);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          const list = this.top();
          if (!Array.isArray(list)) throw this.fail('APPENDS targets something that is not a list');
          for (const it of items) list.push(it);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.pop();
          const k = this.pop();
          const dict = this.top();
          if (!(dict instanceof Map)) throw this.fail('SETITEM targets something that is not a dict');
          dict.set(dictKey(k, this.file), v);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          const dict = this.top();
          if (!(dict instanceof Map)) throw this.fail('SETITEMS targets something that is not a dict');
          if (items.length % 2) throw this.fail('SETITEMS has an odd number of items');
          for (let i = 0; i < items.length; i += 2) dict.set(dictKey(items[i], this.file), items[i + 1]);
          break;
        }
        case 0x67: {
          // GET
          const s = this.line();
          if (!/^\d+$/.test(s)) throw this.fail(`GET operand '${s}' is not an index`);
          this.memoGet(Number(s));
          break;
        }
        case 0x68: // BINGET
          this.memoGet(this.u8());
          break;
        case 0x6a: // LONG_BINGET
          this.memoGet(this.u32());
          break;
        case 0x70: {
          // PUT
          const s = this.line();
          if (!/^\d+$/.test(s)) throw this.fail(`PUT operand '${s}' is not an index`);
          this.memoPut(Number(s));
          break;
        }
        case 0x71: // BINPUT
          this.memoPut(this.u8());
          break;
        case 0x72: // LONG_BINPUT
          this.memoPut(this.u32());
          break;
        case 0x94: // MEMOIZE
          this.memoPut(this.memo.size);
          break;
        case 0x63: {
          // GLOBAL
          const module = this.utf8Line();
          const name = this.utf8Line();
          this.push(this.resolveGlobal(module, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') {
            throw this.fail('STACK_GLOBAL operands are not strings');
          }
          this.push(this.resolveGlobal(module, name));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop();
          const fn = this.pop();
          this.push(this.call(fn, args));
          break;
        }
        case 0x81: {
          // NEWOBJ
          const args = this.pop();
          const cls = this.pop();
          this.push(this.call(cls, args));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          this.push(this.call(cls, args, kwargs));
          break;
        }
        case 0x69: {
          // INST: module and name inline, arguments since the mark
          const module = this.utf8Line();
          const name = this.utf8Line();
          const cls = this.resolveGlobal(module, name);
          this.push(this.call(cls, this.popMark()));
          break;
        }
        case 0x6f: {
          // OBJ: class and arguments since the mark
          const items = this.popMark();
          if (items.length === 0) throw this.fail('OBJ has no class');
          this.push(this.call(items[0], items.slice(1)));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop();
          this.build(this.top(), state);
          break;
        }
        case 0x50: // PERSID
          this.push(this.persistentLoad(this.line()));
          break;
        case 0x51: // BINPERSID
          this.push(this.persistentLoad(this.pop()));
          break;
        case 0x82:
        case 0x83:
        case 0x84:
          throw new CheckpointError(
            this.file,
            'pickle data uses the copyreg extension registry (EXT1/2/4), which SPT Studio does not support. Nothing was executed.',
            "save only the tensors: torch.save({'model': model.state_dict()}, path)",
          );
        case 0x97:
        case 0x98:
          throw this.fail('out-of-band buffers (pickle protocol 5 NEXT_BUFFER) are not supported');
        default:
          this.pos--;
          throw this.fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }

  private persistentLoad(pid: PickleValue): PickleValue {
    if (!this.options.persistentLoad) throw this.fail('a persistent id appears where none is expected');
    return this.options.persistentLoad(pid);
  }
}

// ------------------------------------------------------------------ text operands

function unescapePythonString(raw: string, fail: (p: string) => Error): string {
  const s = raw.trim();
  const q = s[0];
  if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) {
    throw fail('STRING operand is not quoted');
  }
  const body = s.slice(1, -1);
  const simple: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    '\\': '\\',
    "'": "'",
    '"': '"',
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v',
    '0': '\0',
  };
  return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(Number.parseInt(e, 8));
    return simple[e] ?? `\\${e}`;
  });
}

function rawUnicodeUnescape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u4?: string, u8?: string) =>
    String.fromCodePoint(Number.parseInt((u4 ?? u8) as string, 16)),
  );
}

// ------------------------------------------------------------------ to plain values

/** A pickled tree after conversion: dicts become objects, tensors become whatever `leaf` makes. */
export type PickledTree<L> =
  | null
  | boolean
  | number
  | string
  | L
  | PickledTree<L>[]
  | { [key: string]: PickledTree<L> };

const MAX_DEPTH = 1000;

/**
 * Converts an unpickled value into plain data: Maps become objects, bytes become lists of byte
 * values, allowed globals (`torch.float32`) their dotted name, and every tensor (and storage) goes
 * through `leaf` (with its dotted path, for messages). Shared sub-objects are converted once; cycles and absurd nesting are refused.
 */
export function convertPickled<L>(
  value: PickleValue,
  file: string,
  leaf: (t: TorchTensorRef, where: string) => L,
): PickledTree<L> {
  const done = new Map<object, PickledTree<L>>();
  const active = new Set<object>();

  const go = (v: PickleValue, depth: number, where: string): PickledTree<L> => {
    if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
    if (depth > MAX_DEPTH) {
      throw new CheckpointError(
        file,
        `the checkpoint nests deeper than ${MAX_DEPTH} levels`,
        'save a flat state dict',
      );
    }
    const cached = done.get(v);
    if (cached !== undefined) return cached;
    if (active.has(v)) {
      throw new CheckpointError(
        file,
        'the checkpoint contains a container that holds itself',
        'save a plain state dict',
      );
    }
    let out: PickledTree<L>;
    if (v instanceof TorchTensorRef) {
      out = leaf(v, where);
    } else if (v instanceof TorchStorageRef) {
      // a storage saved on its own: a 1-D tensor over all of it
      out = leaf(
        new TorchTensorRef(v, v.dtype, 0, [Math.floor(v.nbytes / rawByteSize(v.dtype))], [1]),
        where,
      );
    } else if (v instanceof PyGlobal) {
      out = v.fullName;
    } else if (v instanceof Uint8Array) {
      out = Array.from(v);
    } else if (Array.isArray(v)) {
      active.add(v);
      out = v.map((x, i) => go(x, depth + 1, `${where}[${i}]`));
      active.delete(v);
    } else {
      active.add(v);
      const obj: { [key: string]: PickledTree<L> } = {};
      for (const [k, x] of v) {
        const value = go(x, depth + 1, where ? `${where}.${k}` : k);
        Object.defineProperty(obj, k, { value, enumerable: true, writable: true, configurable: true });
      }
      active.delete(v);
      out = obj;
    }
    done.set(v, out);
    return out;
  };
  return go(value, 0, '');
}
