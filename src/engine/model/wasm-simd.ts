/**
 * Element-wise kernels in WebAssembly SIMD, assembled here (no toolchain: a few hundred bytes built
 * from the opcodes below) and run directly on tfjs-wasm's heap, which the module imports.
 *
 *   gelu(x, _, out, n, 0):  out = x * Phi(x)                       (exact-erf GELU, torch.nn.GELU())
 *   gelu(x, dy, out, n, 1): out = dy * (Phi(x) + x * phi(x))       (its derivative)
 *
 * Phi(x) = 1 - erfc(z)/2 for x >= 0 and erfc(z)/2 below, z = |x|/sqrt 2, with erfc from Abramowitz &
 * Stegun 7.1.26 (|error| < 1.5e-7, no cancellation for negative x) and exp from Cephes' expf
 * polynomial with the exponent built in the integer lanes. n is a multiple of 4; the caller does the
 * tail. Pointers are byte offsets into the heap.
 */

const u32 = (v: number): number[] => {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
};

const s32 = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};

const str = (s: string): number[] => [...u32(s.length), ...Buffer.from(s, 'utf8')];
const vec = (items: number[][]): number[] => [...u32(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...u32(body.length), ...body];

type Code = number[];
const I32 = 0x7f;
const V128 = 0x7b;
const simd = (op: number): Code => [0xfd, ...u32(op)];

const get = (i: number): Code => [0x20, ...u32(i)];
const set = (i: number, e: Code): Code => [...e, 0x21, ...u32(i)];
const i32 = (v: number): Code => [0x41, ...s32(v)];
const i32add = (a: Code, b: Code): Code => [...a, ...b, 0x6a];
const i32mul = (a: Code, b: Code): Code => [...a, ...b, 0x6c];
const i32geu = (a: Code, b: Code): Code => [...a, ...b, 0x4f];
const i32eqz = (a: Code): Code => [...a, 0x45];

const f32x4 = (v: number): Code => {
  const b = Buffer.alloc(16);
  for (let k = 0; k < 4; k++) b.writeFloatLE(v, 4 * k);
  return [...simd(0x0c), ...b];
};
const i32x4 = (v: number): Code => {
  const b = Buffer.alloc(16);
  for (let k = 0; k < 4; k++) b.writeInt32LE(v, 4 * k);
  return [...simd(0x0c), ...b];
};
const load = (addr: Code): Code => [...addr, ...simd(0x00), 0, 0];
const store = (addr: Code, v: Code): Code => [...addr, ...v, ...simd(0x0b), 0, 0];
const bin =
  (op: number) =>
  (a: Code, b: Code): Code => [...a, ...b, ...simd(op)];
const un =
  (op: number) =>
  (a: Code): Code => [...a, ...simd(op)];
const add = bin(0xe4);
const sub = bin(0xe5);
const mul = bin(0xe6);
const div = bin(0xe7);
const max = bin(0xe9);
const ge = bin(0x46); // f32x4.ge
const abs = un(0xe0);
const nearest = un(0x6a);
const truncSat = un(0xf8); // i32x4.trunc_sat_f32x4_s
const iadd = bin(0xae); // i32x4.add
const shl = (a: Code, bits: number): Code => [...a, ...i32(bits), ...simd(0xab)]; // i32x4.shl
const select = (a: Code, b: Code, mask: Code): Code => [...a, ...b, ...mask, ...simd(0x52)]; // (a & m) | (b & ~m)
const ifElse = (cond: Code, then: Code, other: Code): Code => [
  ...cond,
  0x04,
  0x40,
  ...then,
  0x05,
  ...other,
  0x0b,
];

/** Horner: c[0] + v (c[1] + v (c[2] + ...)). */
const poly = (v: Code, c: number[]): Code => {
  let acc = f32x4(c[c.length - 1]);
  for (let k = c.length - 2; k >= 0; k--) acc = add(mul(acc, v), f32x4(c[k]));
  return acc;
};

/** exp(y) for y <= 0 (clamped at -87). */
function expNeg(y: Code, tmp: { y: number; k: number }): Code {
  const LN2_HI = 0.693359375;
  const LN2_LO = -2.1219444e-4;
  return [
    ...set(tmp.y, max(y, f32x4(-87))),
    ...set(tmp.k, nearest(mul(get(tmp.y), f32x4(Math.LOG2E)))),
    // r = y - k ln2 (two-part constant), stored back in tmp.y
    ...set(tmp.y, sub(sub(get(tmp.y), mul(get(tmp.k), f32x4(LN2_HI))), mul(get(tmp.k), f32x4(LN2_LO)))),
    // p(r) = 1 + r + r^2 * P(r) (Cephes expf) ...
    ...add(
      add(
        mul(
          mul(get(tmp.y), get(tmp.y)),
          poly(
            get(tmp.y),
            [
              5.0000001201e-1, 1.6666665459e-1, 4.1665795894e-2, 8.3334519073e-3, 1.3981999507e-3,
              1.98756915e-4,
            ],
          ),
        ),
        get(tmp.y),
      ),
      f32x4(1),
    ),
    // ... times 2^k, built in the exponent bits
    ...shl(iadd(truncSat(get(tmp.k)), i32x4(127)), 23),
    ...simd(0xe6),
  ];
}

function geluModule(shared: boolean): Uint8Array<ArrayBuffer> {
  // params: x, dy, out, n, mode; locals: i, end, then v128: X, E, T, Q, PHI, TY, TK
  const [X_PTR, DY_PTR, OUT_PTR, N, MODE, I, END] = [0, 1, 2, 3, 4, 5, 6];
  const [X, E, T, Q, PHI, TY, TK] = [7, 8, 9, 10, 11, 12, 13];
  const tmp = { y: TY, k: TK };
  const body: Code = [
    ...set(END, i32mul(get(N), i32(4))),
    ...set(I, i32(0)),
    0x02,
    0x40, // block
    0x03,
    0x40, // loop
    ...i32geu(get(I), get(END)),
    0x0d,
    1, // br_if out
    ...set(X, load(i32add(get(X_PTR), get(I)))),
    // z = |x| / sqrt 2; E = exp(-z^2); T = 1 / (1 + p z)
    ...set(T, mul(abs(get(X)), f32x4(Math.SQRT1_2))),
    ...set(E, expNeg(mul(mul(get(T), get(T)), f32x4(-1)), tmp)),
    ...set(T, div(f32x4(1), add(f32x4(1), mul(get(T), f32x4(0.3275911))))),
    // Q = erfc(z) / 2 = t (a1 + t (a2 + ...)) E / 2
    ...set(
      Q,
      mul(
        mul(
          mul(get(T), poly(get(T), [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429])),
          get(E),
        ),
        f32x4(0.5),
      ),
    ),
    // PHI = Phi(x) = x >= 0 ? 1 - Q : Q
    ...set(PHI, select(sub(f32x4(1), get(Q)), get(Q), ge(get(X), f32x4(0)))),
    ...ifElse(
      i32eqz(get(MODE)),
      store(i32add(get(OUT_PTR), get(I)), mul(get(X), get(PHI))),
      store(
        i32add(get(OUT_PTR), get(I)),
        mul(
          load(i32add(get(DY_PTR), get(I))),
          add(get(PHI), mul(get(X), mul(get(E), f32x4(1 / Math.sqrt(2 * Math.PI))))),
        ),
      ),
    ),
    ...set(I, i32add(get(I), i32(16))),
    0x0c,
    0, // br loop
    0x0b, // end loop
    0x0b, // end block
  ];
  const func = [
    ...vec([
      [...u32(2), I32],
      [...u32(7), V128],
    ]),
    ...body,
    0x0b,
  ];
  const memLimits = shared ? [0x03, ...u32(1), ...u32(65536)] : [0x00, ...u32(1)];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])]])),
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, ...memLimits]])),
    ...section(3, vec([u32(0)])),
    ...section(7, vec([[...str('gelu'), 0x00, ...u32(0)]])),
    ...section(10, vec([[...u32(func.length), ...func]])),
  ];
  return new Uint8Array(bytes);
}

export type GeluKernel = (x: number, dy: number, out: number, n: number, mode: 0 | 1) => void;

const instances = new WeakMap<WebAssembly.Memory, GeluKernel | null>();

/** The kernel bound to `memory`, or null where this runtime cannot run it (no wasm SIMD). */
export function geluKernel(memory: WebAssembly.Memory): GeluKernel | null {
  let k = instances.get(memory);
  if (k !== undefined) return k;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const mod = new WebAssembly.Module(geluModule(shared));
    const inst = new WebAssembly.Instance(mod, { env: { memory } });
    k = inst.exports.gelu as unknown as GeluKernel;
  } catch {
    k = null;
  }
  instances.set(memory, k);
  return k;
}
