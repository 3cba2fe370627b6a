/**
 * The step engine's one GEMM kernel, generated per variant: C = op(A) @ op(B) with a fused epilogue.
 *
 * Tiling: a 16x16 workgroup computes a 64x64 tile of C, each thread a 4x4 block strided by 16 (stores
 * coalesce along N). K advances in 16-wide slices staged in workgroup memory, double-buffered: the
 * next slice is loaded while the current one is multiplied, so there is one barrier per slice.
 *
 * Every operand is addressed as `base + zo * outer + zi * inner + row * ld + col` with the batch index
 * z = zo * batchInner + zi, so one dispatch covers every (image, head) pair of attention and the
 * per-head views of the fused qkv buffer are read in place: no transpose, no split, no merge kernel.
 *
 * Variants (compile-time): A or B transposed in memory, GELU applied to A as it is loaded (the fc2
 * input), a bias, and one epilogue: store, accumulate (C += ..., gradients), add a residual R, or
 * multiply by GELU'(R) (the fc1 pre-activation, backward).
 */

export type GemmEpilogue = 'store' | 'accumulate' | 'residual' | 'geluGrad';

export interface GemmVariant {
  transA: boolean;
  transB: boolean;
  geluA: boolean;
  bias: boolean;
  epilogue: GemmEpilogue;
}

/** Fields of the GEMM's uniform block, in order (u32 each; 24 words). */
export const GEMM_UNIFORM_FIELDS = [
  'M',
  'N',
  'K',
  'batchInner',
  'lda',
  'ldb',
  'ldc',
  'ldr',
  'aOff',
  'aOuter',
  'aInner',
  'biasOff',
  'bOff',
  'bOuter',
  'bInner',
  'pad0',
  'cOff',
  'cOuter',
  'cInner',
  'pad1',
  'rOff',
  'rOuter',
  'rInner',
  'pad2',
] as const;

export type GemmUniform = Record<(typeof GEMM_UNIFORM_FIELDS)[number], number>;

export const GEMM_TILE = 64;

/** erf-GELU and its derivative, as the wasm kernel computes them (Abramowitz & Stegun 7.1.26 erfc). */
export const WGSL_GELU = /* wgsl */ `
fn gelu_parts(x: f32) -> vec2<f32> {
  let z = abs(x) * 0.70710678118654752;
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let e = exp(-z * z);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let q = 0.5 * poly * e;
  let phi = select(q, 1.0 - q, x >= 0.0);
  return vec2<f32>(phi, e);
}
fn gelu(x: f32) -> f32 { return x * gelu_parts(x).x; }
fn gelu_grad(x: f32) -> f32 {
  let p = gelu_parts(x);
  return p.x + x * (p.y * 0.3989422804014327);
}
`;

export function gemmKey(v: GemmVariant): string {
  return `gemm:${+v.transA}${+v.transB}${+v.geluA}${+v.bias}:${v.epilogue}`;
}

/** Binding order: 0 uniform, 1 A, 2 B, 3 C, then bias, then R (as present). */
export function gemmBindings(v: GemmVariant): ('uniform' | 'read' | 'rw')[] {
  const b: ('uniform' | 'read' | 'rw')[] = ['uniform', 'read', 'read', 'rw'];
  if (v.bias) b.push('read');
  if (v.epilogue === 'residual' || v.epilogue === 'geluGrad') b.push('read');
  return b;
}

export function gemmShader(v: GemmVariant): string {
  const hasR = v.epilogue === 'residual' || v.epilogue === 'geluGrad';
  const fields = GEMM_UNIFORM_FIELDS.map((f) => `  ${f}: u32,`).join('\n');
  let binding = 4;
  const biasDecl = v.bias ? `@group(0) @binding(${binding++}) var<storage, read> Bias: array<f32>;` : '';
  const rDecl = hasR ? `@group(0) @binding(${binding++}) var<storage, read> R: array<f32>;` : '';
  // Tile loads: 1024 elements of A (64 rows x 16 k) and of B (16 k x 64 cols) per slice, 4 per thread,
  // walking memory along its contiguous axis.
  const loadA = v.transA
    ? // A stored [K, M]: element (m, k) at k * lda + m; contiguous along m
      `let kk = e / 64u; let r = e % 64u;
       let gr = row0 + r; let gk = k0 + kk;
       var val = 0.0;
       if (gr < p.M && gk < p.K) { val = A[aBase + gk * p.lda + gr]; }`
    : `let r = e / 16u; let kk = e % 16u;
       let gr = row0 + r; let gk = k0 + kk;
       var val = 0.0;
       if (gr < p.M && gk < p.K) { val = A[aBase + gr * p.lda + gk]; }`;
  const loadB = v.transB
    ? // B stored [N, K]: element (k, n) at n * ldb + k; contiguous along k
      `let c = e / 16u; let kk = e % 16u;
       let gc = col0 + c; let gk = k0 + kk;
       var val = 0.0;
       if (gc < p.N && gk < p.K) { val = B[bBase + gc * p.ldb + gk]; }`
    : `let kk = e / 64u; let c = e % 64u;
       let gc = col0 + c; let gk = k0 + kk;
       var val = 0.0;
       if (gc < p.N && gk < p.K) { val = B[bBase + gk * p.ldb + gc]; }`;
  const aValue = v.geluA ? 'gelu(val)' : 'val';
  let store: string;
  switch (v.epilogue) {
    case 'store':
      store = 'C[ci] = v;';
      break;
    case 'accumulate':
      store = 'C[ci] = C[ci] + v;';
      break;
    case 'residual':
      store = 'C[ci] = v + R[rBase + gr * p.ldr + gc];';
      break;
    case 'geluGrad':
      store = 'C[ci] = v * gelu_grad(R[rBase + gr * p.ldr + gc]);';
      break;
  }
  return /* wgsl */ `
struct Params {
${fields}
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
${biasDecl}
${rDecl}
${WGSL_GELU}
var<workgroup> As: array<array<f32, 1024>, 2>; // [slice][k * 64 + m]
var<workgroup> Bs: array<array<f32, 1024>, 2>; // [slice][k * 64 + n]

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let zo = wg.z / p.batchInner;
  let zi = wg.z % p.batchInner;
  let aBase = p.aOff + zo * p.aOuter + zi * p.aInner;
  let bBase = p.bOff + zo * p.bOuter + zi * p.bInner;
  let cBase = p.cOff + zo * p.cOuter + zi * p.cInner;
  let rBase = p.rOff + zo * p.rOuter + zi * p.rInner;
  let row0 = wg.y * 64u;
  let col0 = wg.x * 64u;
  var acc: array<array<f32, 4>, 4>;
  for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = 0.0; } }
  let slices = (p.K + 15u) / 16u;
  // stage slice 0
  for (var t = 0u; t < 4u; t++) {
    let e = li + t * 256u;
    { let k0 = 0u; ${loadA} As[0][kk * 64u + r] = ${aValue}; }
    { let k0 = 0u; ${loadB} Bs[0][kk * 64u + c] = val; }
  }
  workgroupBarrier();
  for (var s = 0u; s < slices; s++) {
    let cur = s % 2u;
    let nxt = 1u - cur;
    if (s + 1u < slices) {
      let k0 = (s + 1u) * 16u;
      for (var t = 0u; t < 4u; t++) {
        let e = li + t * 256u;
        { ${loadA} As[nxt][kk * 64u + r] = ${aValue}; }
        { ${loadB} Bs[nxt][kk * 64u + c] = val; }
      }
    }
    for (var kk = 0u; kk < 16u; kk++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = As[cur][kk * 64u + lid.y + 16u * i]; }
      for (var j = 0u; j < 4u; j++) { b[j] = Bs[cur][kk * 64u + lid.x + 16u * j]; }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let gr = row0 + lid.y + 16u * i;
    for (var j = 0u; j < 4u; j++) {
      let gc = col0 + lid.x + 16u * j;
      if (gr < p.M && gc < p.N) {
        var v = acc[i][j];
        ${v.bias ? 'v = v + Bias[p.biasOff + gc];' : ''}
        let ci = cBase + gr * p.ldc + gc;
        ${store}
      }
    }
  }
}
`;
}
