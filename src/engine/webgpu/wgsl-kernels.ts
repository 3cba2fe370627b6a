/**
 * The step engine's kernels other than the GEMM (./wgsl-gemm.ts), as WGSL sources with their binding
 * lists. Row kernels run one 64-thread workgroup per row over a 2-D grid (rows may exceed 65,535):
 * row = wg.x + wg.y * num_workgroups.x. Every uniform field is a u32 or an f32 (4 bytes).
 *
 * Shapes: b images in the micro-batch, L = 1 + N + T tokens, D width, H heads, C classes, M = b * L.
 */
import { WGSL_GELU } from './wgsl-gemm';

export type Binding = 'uniform' | 'read' | 'rw';

export interface KernelSource {
  key: string;
  code: string;
  bindings: Binding[];
  /** Uniform fields in order; names ending in `:f` are f32, the rest u32. */
  fields: string[];
}

const struct = (fields: string[]) =>
  `struct Params {\n${fields.map((f) => (f.endsWith(':f') ? `  ${f.slice(0, -2)}: f32,` : `  ${f}: u32,`)).join('\n')}\n}\n@group(0) @binding(0) var<uniform> p: Params;`;

/** Tree reduction of one value per thread over the 64-thread workgroup. */
const REDUCE = /* wgsl */ `
var<workgroup> red: array<f32, 64>;
fn wg_sum(v: f32, li: u32) -> f32 {
  red[li] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (li < s) { red[li] = red[li] + red[li + s]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}
`;

const ROW = `let row = wg.x + wg.y * nwg.x;`;
const ROW_ARGS = `@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32`;

function kernel(key: string, fields: string[], bindings: Binding[], body: string): KernelSource {
  return { key, fields, bindings, code: `${struct(fields)}\n${body}` };
}

/** torch.nn.LayerNorm forward over rows of X: Y = (x - mean) * rstd * g + b; saves (mean, rstd). */
export const layerNormForward = kernel(
  'ln-fwd',
  ['rows', 'D', 'eps:f', 'pad'],
  ['uniform', 'read', 'read', 'read', 'rw', 'rw'],
  /* wgsl */ `
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read> Bt: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
@group(0) @binding(5) var<storage, read_write> S: array<f32>; // [rows, 2]: mean, rstd
${REDUCE}
@compute @workgroup_size(64)
fn main(${ROW_ARGS}) {
  ${ROW}
  if (row >= p.rows) { return; }
  let base = row * p.D;
  var s = 0.0;
  for (var d = li; d < p.D; d += 64u) { s += X[base + d]; }
  let mean = wg_sum(s, li) / f32(p.D);
  var q = 0.0;
  for (var d = li; d < p.D; d += 64u) { let c = X[base + d] - mean; q += c * c; }
  let rstd = 1.0 / sqrt(wg_sum(q, li) / f32(p.D) + p.eps);
  for (var d = li; d < p.D; d += 64u) {
    Y[base + d] = ((X[base + d] - mean) * rstd) * G[d] + Bt[d];
  }
  if (li == 0u) { S[2u * row] = mean; S[2u * row + 1u] = rstd; }
}
`,
);

/**
 * LayerNorm input gradient (frozen g, b) plus the residual branch's gradient:
 * dX = dRes + rstd * (g*dy - mean(g*dy) - xhat * mean(g*dy * xhat)).
 */
export const layerNormBackward = kernel(
  'ln-bwd',
  ['rows', 'D', 'pad0', 'pad1'],
  ['uniform', 'read', 'read', 'read', 'read', 'read', 'rw'],
  /* wgsl */ `
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read> S: array<f32>;
@group(0) @binding(4) var<storage, read> G: array<f32>;
@group(0) @binding(5) var<storage, read> DRES: array<f32>;
@group(0) @binding(6) var<storage, read_write> DX: array<f32>;
${REDUCE}
@compute @workgroup_size(64)
fn main(${ROW_ARGS}) {
  ${ROW}
  if (row >= p.rows) { return; }
  let base = row * p.D;
  let mean = S[2u * row];
  let rstd = S[2u * row + 1u];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var d = li; d < p.D; d += 64u) {
    let g = DY[base + d] * G[d];
    s1 += g;
    s2 += g * ((X[base + d] - mean) * rstd);
  }
  let m1 = wg_sum(s1, li) / f32(p.D);
  let m2 = wg_sum(s2, li) / f32(p.D);
  for (var d = li; d < p.D; d += 64u) {
    let g = DY[base + d] * G[d];
    let xhat = (X[base + d] - mean) * rstd;
    DX[base + d] = DRES[base + d] + ((g - m1) - xhat * m2) * rstd;
  }
}
`,
);

/** Softmax over each row of length W, in place. */
export const softmaxForward = kernel(
  'softmax-fwd',
  ['rows', 'W', 'pad0', 'pad1'],
  ['uniform', 'rw'],
  /* wgsl */ `
@group(0) @binding(1) var<storage, read_write> X: array<f32>;
var<workgroup> redm: array<f32, 64>;
${REDUCE}
@compute @workgroup_size(64)
fn main(${ROW_ARGS}) {
  ${ROW}
  if (row >= p.rows) { return; }
  let base = row * p.W;
  var m = -3.4028234663852886e38;
  for (var i = li; i < p.W; i += 64u) { m = max(m, X[base + i]); }
  redm[li] = m;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (li < s) { redm[li] = max(redm[li], redm[li + s]); }
    workgroupBarrier();
  }
  let mx = redm[0];
  var t = 0.0;
  for (var i = li; i < p.W; i += 64u) { let e = exp(X[base + i] - mx); X[base + i] = e; t += e; }
  let total = wg_sum(t, li);
  for (var i = li; i < p.W; i += 64u) { X[base + i] = X[base + i] / total; }
}
`,
);

/** Softmax backward in place on dP: dS = P * (dP - sum(dP * P)). */
export const softmaxBackward = kernel(
  'softmax-bwd',
  ['rows', 'W', 'pad0', 'pad1'],
  ['uniform', 'read', 'rw'],
  /* wgsl */ `
@group(0) @binding(1) var<storage, read> P: array<f32>;
@group(0) @binding(2) var<storage, read_write> DP: array<f32>;
${REDUCE}
@compute @workgroup_size(64)
fn main(${ROW_ARGS}) {
  ${ROW}
  if (row >= p.rows) { return; }
  let base = row * p.W;
  var t = 0.0;
  for (var i = li; i < p.W; i += 64u) { t += DP[base + i] * P[base + i]; }
  let dot = wg_sum(t, li);
  for (var i = li; i < p.W; i += 64u) { DP[base + i] = P[base + i] * (DP[base + i] - dot); }
}
`,
);

/**
 * NHWC images [b, S, S, C] -> patches [b * T, C * P * P] in PyTorch's conv-weight order (c, ph, pw).
 * One thread per output element.
 */
export const patchify = kernel(
  'patchify',
  ['total', 'S', 'P', 'C', 'g', 'pad0', 'pad1', 'pad2'],
  ['uniform', 'read', 'rw'],
  /* wgsl */ `
@group(0) @binding(1) var<storage, read> IMG: array<f32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.total) { return; }
  let cpp = p.C * p.P * p.P;
  let col = i % cpp;
  let prow = i / cpp; // b * T + t
  let T = p.g * p.g;
  let b = prow / T;
  let t = prow % T;
  let gy = t / p.g;
  let gx = t % p.g;
  let c = col / (p.P * p.P);
  let ph = (col / p.P) % p.P;
  let pw = col % p.P;
  let y = gy * p.P + ph;
  let x = gx * p.P + pw;
  OUT[i] = IMG[((b * p.S + y) * p.S + x) * p.C + c];
}
`,
);

/**
 * Writes the non-patch rows of block 0's input: x[b, 0] = cls + pos[0], and (with prompts) rows
 * 1..N = prompt set 0. With `rows` = N only (cls = 0), the deep-prompt replacement before block i.
 */
export const writeTokenRows = kernel(
  'token-rows',
  ['b', 'L', 'D', 'N', 'withCls', 'promptOff', 'pad0', 'pad1'],
  ['uniform', 'read', 'read', 'read', 'rw'],
  /* wgsl */ `
@group(0) @binding(1) var<storage, read> CLS: array<f32>;   // [D]
@group(0) @binding(2) var<storage, read> POS: array<f32>;   // [1 + T, D]
@group(0) @binding(3) var<storage, read> PRM: array<f32>;   // the trainable parameters; the set at promptOff
@group(0) @binding(4) var<storage, read_write> X: array<f32>; // [b, L, D]
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let per = (p.withCls + p.N) * p.D;
  if (i >= p.b * per) { return; }
  let b = i / per;
  let r = (i % per) / p.D;
  let d = i % p.D;
  if (p.withCls == 1u && r == 0u) {
    X[b * p.L * p.D + d] = CLS[d] + POS[d];
  } else {
    let n = r - p.withCls;
    X[(b * p.L + 1u + n) * p.D + d] = PRM[p.promptOff + n * p.D + d];
  }
}
`,
);

/**
 * out[outOff + j] += sum over r < R of in[inOff + r * stride + j], for j < W (gradients of things that
 * were broadcast over the batch: prompt sets, the head's bias). With `clear` the summed inputs are
 * zeroed after they are read (deep prompts replace those rows: no gradient flows past them).
 */
export function reduceRows(clear: boolean): KernelSource {
  return kernel(
    `reduce-rows:${+clear}`,
    ['W', 'R', 'stride', 'inOff', 'outOff', 'pad0', 'pad1', 'pad2'],
    ['uniform', clear ? 'rw' : 'read', 'rw'],
    /* wgsl */ `
@group(0) @binding(1) var<storage, ${clear ? 'read_write' : 'read'}> IN: array<f32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x + gid.y * nwg.x * 256u;
  if (j >= p.W) { return; }
  var s = 0.0;
  for (var r = 0u; r < p.R; r++) {
    let k = p.inOff + r * p.stride + j;
    s += IN[k];
    ${clear ? 'IN[k] = 0.0;' : ''}
  }
  OUT[p.outOff + j] = OUT[p.outOff + j] + s;
}
`,
  );
}

/**
 * Pooling and the final LayerNorm, one workgroup per image: cls -> token 0; mean -> mean of tokens
 * 1..L-1. Saves the pooled vector before the norm and its (mean, rstd) for the backward pass.
 */
export const poolForward = kernel(
  'pool-fwd',
  ['b', 'L', 'D', 'mean', 'eps:f', 'pad0', 'pad1', 'pad2'],
  ['uniform', 'read', 'read', 'read', 'rw', 'rw', 'rw'],
  /* wgsl */ `
@group(0) @binding(1) var<storage, read> X: array<f32>;   // [b, L, D]
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read> Bt: array<f32>;
@group(0) @binding(4) var<storage, read_write> PIN: array<f32>;  // [b, D] before the norm
@group(0) @binding(5) var<storage, read_write> POOL: array<f32>; // [b, D]
@group(0) @binding(6) var<storage, read_write> S: array<f32>;    // [b, 2]
${REDUCE}
@compute @workgroup_size(64)
fn main(${ROW_ARGS}) {
  ${ROW}
  if (row >= p.b) { return; }
  let base = row * p.L * p.D;
  for (var d = li; d < p.D; d += 64u) {
    if (p.mean == 1u) {
      var s = 0.0;
      for (var l = 1u; l < p.L; l++) { s += X[base + l * p.D + d]; }
      PIN[row * p.D + d] = s / f32(p.L - 1u);
    } else {
      PIN[row * p.D + d] = X[base + d];
    }
  }
  var s = 0.0;
  for (var d = li; d < p.D; d += 64u) { s += PIN[row * p.D + d]; }
  let mean = wg_sum(s, li) / f32(p.D);
  var q = 0.0;
  for (var d = li; d < p.D; d += 64u) { let c = PIN[row * p.D + d] - mean; q += c * c; }
  let rstd = 1.0 / sqrt(wg_sum(q, li) / f32(p.D) + p.eps);
  for (var d = li; d < p.D; d += 64u) {
    POOL[row * p.D + d] = ((PIN[row * p.D + d] - mean) * rstd) * G[d] + Bt[d];
  }
  if (li == 0u) { S[2u * row] = mean; S[2u * row + 1u] = rstd; }
}
`,
);

/**
 * Backward of pooling + final norm: writes the whole gradient of the last block's output [b, L, D]
 * (cls: row 0 only; mean: rows 1..L-1 share dpin / (L-1)); every other row is zeroed.
 */
export const poolBackward = kernel(
  'pool-bwd',
  ['b', 'L', 'D', 'mean'],
  ['uniform', 'read', 'read', 'read', 'read', 'rw'],
  /* wgsl */ `
@group(0) @binding(1) var<storage, read> DPOOL: array<f32>; // [b, D]
@group(0) @binding(2) var<storage, read> PIN: array<f32>;
@group(0) @binding(3) var<storage, read> S: array<f32>;
@group(0) @binding(4) var<storage, read> G: array<f32>;
@group(0) @binding(5) var<storage, read_write> DX: array<f32>; // [b, L, D]
${REDUCE}
@compute @workgroup_size(64)
fn main(${ROW_ARGS}) {
  ${ROW}
  if (row >= p.b) { return; }
  let mean = S[2u * row];
  let rstd = S[2u * row + 1u];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var d = li; d < p.D; d += 64u) {
    let g = DPOOL[row * p.D + d] * G[d];
    s1 += g;
    s2 += g * ((PIN[row * p.D + d] - mean) * rstd);
  }
  let m1 = wg_sum(s1, li) / f32(p.D);
  let m2 = wg_sum(s2, li) / f32(p.D);
  let base = row * p.L * p.D;
  for (var d = li; d < p.D; d += 64u) {
    let g = DPOOL[row * p.D + d] * G[d];
    let xhat = (PIN[row * p.D + d] - mean) * rstd;
    let dpin = ((g - m1) - xhat * m2) * rstd;
    if (p.mean == 1u) {
      let share = dpin / f32(p.L - 1u);
      DX[base + d] = 0.0;
      for (var l = 1u; l < p.L; l++) { DX[base + l * p.D + d] = share; }
    } else {
      DX[base + d] = dpin;
      for (var l = 1u; l < p.L; l++) { DX[base + l * p.D + d] = 0.0; }
    }
  }
}
`,
);

/**
 * Softmax cross-entropy per row (torch.nn.CrossEntropyLoss's terms), one thread per image: writes the
 * row's loss and argmax into STATS at rowOff (losses, then predictions at predOff), and
 * dlogits = (softmax - onehot) * scale (scale = 1 / the whole batch: micro-batches are weighted).
 */
export const crossEntropy = kernel(
  'cross-entropy',
  ['b', 'C', 'rowOff', 'predOff', 'scale:f', 'pad0', 'pad1', 'pad2'],
  ['uniform', 'read', 'read', 'rw', 'rw'],
  /* wgsl */ `
@group(0) @binding(1) var<storage, read> LOGITS: array<f32>; // [b, C]
@group(0) @binding(2) var<storage, read> LABELS: array<u32>; // [b]
@group(0) @binding(3) var<storage, read_write> DLOGITS: array<f32>;
@group(0) @binding(4) var<storage, read_write> STATS: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= p.b) { return; }
  let base = r * p.C;
  var m = LOGITS[base];
  var arg = 0u;
  for (var c = 1u; c < p.C; c++) { let v = LOGITS[base + c]; if (v > m) { m = v; arg = c; } }
  var s = 0.0;
  for (var c = 0u; c < p.C; c++) { s += exp(LOGITS[base + c] - m); }
  let lse = log(s);
  let y = LABELS[r];
  STATS[p.rowOff + r] = -((LOGITS[base + y] - m) - lse);
  STATS[p.predOff + r] = f32(arg);
  for (var c = 0u; c < p.C; c++) {
    let prob = exp(LOGITS[base + c] - m) / s;
    DLOGITS[base + c] = (prob - select(0.0, 1.0, c == y)) * p.scale;
  }
}
`,
);

/**
 * torch.optim.AdamW over the flat parameter buffer, three decay groups by offset
 * ([0, end0): prompts, [end0, end1): head weight, [end1, n): head bias):
 * p <- p * (1 - lr wd) - m1 / (sqrt(v1) / sqrt(bc2) + eps) * (lr / bc1).
 */
export const adamw = kernel(
  'adamw',
  [
    'n',
    'end0',
    'end1',
    'pad0',
    'decay0:f',
    'decay1:f',
    'decay2:f',
    'beta1:f',
    'oneMinusBeta1:f',
    'beta2:f',
    'oneMinusBeta2:f',
    'sqrtBc2:f',
    'eps:f',
    'stepSize:f',
    'pad1',
    'pad2',
  ],
  ['uniform', 'rw', 'read', 'rw', 'rw'],
  /* wgsl */ `
@group(0) @binding(1) var<storage, read_write> PRM: array<f32>;
@group(0) @binding(2) var<storage, read> GRAD: array<f32>;
@group(0) @binding(3) var<storage, read_write> M: array<f32>;
@group(0) @binding(4) var<storage, read_write> V: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let decay = select(select(p.decay2, p.decay1, i < p.end1), p.decay0, i < p.end0);
  let g = GRAD[i];
  let m1 = M[i] * p.beta1 + g * p.oneMinusBeta1;
  let v1 = V[i] * p.beta2 + (g * g) * p.oneMinusBeta2;
  let denom = sqrt(v1) / p.sqrtBc2 + p.eps;
  PRM[i] = PRM[i] * decay - (m1 / denom) * p.stepSize;
  M[i] = m1;
  V[i] = v1;
}
`,
);

/** STATS[at] = 1 when every parameter is finite, else 0 (one workgroup). */
export const allFinite = kernel(
  'all-finite',
  ['n', 'at', 'pad0', 'pad1'],
  ['uniform', 'read', 'rw'],
  /* wgsl */ `
@group(0) @binding(1) var<storage, read> PRM: array<f32>;
@group(0) @binding(2) var<storage, read_write> STATS: array<f32>;
var<workgroup> bad: array<u32, 64>;
@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) li: u32) {
  var b = 0u;
  for (var i = li; i < p.n; i += 64u) {
    let v = PRM[i];
    // NaN fails v == v; an infinity exceeds the largest finite f32 (bit tests: compilers may fold isnan)
    let bits = bitcast<u32>(v) & 0x7fffffffu;
    if (bits >= 0x7f800000u) { b = 1u; }
  }
  bad[li] = b;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (li < s) { bad[li] = max(bad[li], bad[li + s]); }
    workgroupBarrier();
  }
  if (li == 0u) { STATS[p.at] = select(1.0, 0.0, bad[0] == 1u); }
}
`,
);

export { WGSL_GELU };
