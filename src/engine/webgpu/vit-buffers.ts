/**
 * The step engine's device memory for one prompted ViT: the frozen backbone (uploaded once), the
 * trainable parameters with their gradients and AdamW moments as flat buffers, and the activations
 * of a micro-batch of `b` images (saved per block for the backward pass, plus shared temporaries).
 *
 * Trainable layout (flat, float32): [prompt sets S x N x D | head weight D x C | head bias C], the order
 * of AdamW.params() (prompts, head.weight, head.bias), so moments map one to one.
 */
import { BUFFER_USAGE, type Gpu } from './gpu-program';

export interface VitDims {
  D: number;
  H: number;
  depth: number;
  /** Tokens: 1 + N + T. */
  L: number;
  N: number;
  T: number;
  /** Patch side, grid side, image side, channels. */
  P: number;
  g: number;
  S: number;
  C: number;
  classes: number;
  /** Prompt sets: 0 (linear), 1 (shallow) or depth (deep). */
  sets: number;
  pool: 'cls' | 'mean';
  eps: number;
}

export interface HostBlock {
  ln1g: Float32Array;
  ln1b: Float32Array;
  wqkv: Float32Array; // [D, 3D], q pre-scaled by hd^-0.5
  bqkv: Float32Array; // [3D]
  wproj: Float32Array; // [D, D]
  bproj: Float32Array;
  ln2g: Float32Array;
  ln2b: Float32Array;
  wfc1: Float32Array; // [D, 4D]
  bfc1: Float32Array;
  wfc2: Float32Array; // [4D, D]
  bfc2: Float32Array;
}

export interface HostBackbone {
  wpatch: Float32Array; // [C*P*P, D]
  bpatch: Float32Array;
  cls: Float32Array; // [D]
  pos: Float32Array; // [1 + T, D]
  blocks: HostBlock[];
  normg: Float32Array;
  normb: Float32Array;
}

export type BlockBuffers = { [K in keyof HostBlock]: Gpu };

export interface SavedBlock {
  x: Gpu; // [b, L, D] block input
  stats1: Gpu; // [b*L, 2]
  qkv: Gpu; // [b, L, 3D]
  probs: Gpu; // [b, H, L, L]
  x1: Gpu; // [b, L, D]
  stats2: Gpu;
  f: Gpu; // [b, L, 4D] fc1 pre-activation
}

/** Bytes of activations per image, and the largest single activation buffer per image. */
export function activationFootprint(d: VitDims): { perImage: number; largestPerImage: number } {
  const LD = d.L * d.D;
  const HLL = d.H * d.L * d.L;
  const perBlock = 9 * LD + HLL + 4 * d.L; // x, qkv(3), x1, f(4), probs, two stats
  const temps = 14 * LD + HLL + 2 * d.D * 3 + d.T * d.C * d.P * d.P + d.S * d.S * d.C + 3 * d.classes;
  return {
    perImage: 4 * (d.depth * perBlock + LD + temps),
    largestPerImage: 4 * Math.max(HLL, 4 * LD, d.S * d.S * d.C),
  };
}

export class VitBuffers {
  readonly backbone: {
    wpatch: Gpu;
    bpatch: Gpu;
    cls: Gpu;
    pos: Gpu;
    blocks: BlockBuffers[];
    normg: Gpu;
    normb: Gpu;
  };
  readonly params: Gpu;
  readonly grads: Gpu;
  readonly m: Gpu;
  readonly v: Gpu;
  readonly saved: SavedBlock[];
  /** The last block's output [b, L, D]. */
  readonly out: Gpu;
  readonly t: {
    images: Gpu; // [b, S, S, C]
    patches: Gpu; // [b*T, C*P*P]
    labels: Gpu; // u32 [b]
    normed: Gpu; // [b, L, D] LayerNorm output (fwd), reused
    attn: Gpu; // [b, L, D] merged heads
    dF: Gpu; // [b, L, 4D]
    dN: Gpu; // [b, L, D]
    dX1: Gpu;
    dO: Gpu;
    dP: Gpu; // [b, H, L, L]
    dQKV: Gpu; // [b, L, 3D]
    dXa: Gpu; // [b, L, D] ping
    dXb: Gpu; // pong
    pin: Gpu; // [b, D]
    pooled: Gpu;
    poolStats: Gpu;
    logits: Gpu; // [b, C]
    dLogits: Gpu;
    dPooled: Gpu; // [b, D]
    stats: Gpu; // [2 * batch + 1]: losses, predictions, finite flag
    zeros: Gpu; // [b, L, D] of zeros: the residual gradient of LayerNorm where there is none
  };
  readonly readback: Gpu;
  readonly paramCount: number;
  readonly offsets: { prompts: number; headW: number; headB: number };
  private readonly all: Gpu[] = [];
  /** Bytes allocated in `all` (device memory on WebGPU, host memory for the native engine). */
  bytes = 0;

  constructor(
    private readonly device: Gpu,
    readonly dims: VitDims,
    host: HostBackbone,
    readonly micro: number,
    readonly batch: number,
  ) {
    const d = dims;
    const STORAGE = BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_DST | BUFFER_USAGE.COPY_SRC;
    const upload = (label: string, data: Float32Array) => {
      const buf = this.make(label, data.byteLength, STORAGE);
      device.queue.writeBuffer(buf, 0, data);
      return buf;
    };
    this.backbone = {
      wpatch: upload('wpatch', host.wpatch),
      bpatch: upload('bpatch', host.bpatch),
      cls: upload('cls', host.cls),
      pos: upload('pos', host.pos),
      normg: upload('normg', host.normg),
      normb: upload('normb', host.normb),
      blocks: host.blocks.map((b, i) => {
        const out = {} as BlockBuffers;
        for (const k of Object.keys(b) as (keyof HostBlock)[]) out[k] = upload(`blocks.${i}.${k}`, b[k]);
        return out;
      }),
    };
    const promptSize = d.sets * d.N * d.D;
    this.offsets = { prompts: 0, headW: promptSize, headB: promptSize + d.D * d.classes };
    this.paramCount = promptSize + d.D * d.classes + d.classes;
    const flat = (label: string) => this.make(label, 4 * this.paramCount, STORAGE);
    this.params = flat('params');
    this.grads = flat('grads');
    this.m = flat('adam.m');
    this.v = flat('adam.v');
    const b = micro;
    const LD = b * d.L * d.D;
    const act = (label: string, floats: number) => this.make(label, 4 * Math.max(1, floats), STORAGE);
    this.saved = [];
    for (let i = 0; i < d.depth; i++) {
      this.saved.push({
        x: act(`x.${i}`, LD),
        stats1: act(`stats1.${i}`, 2 * b * d.L),
        qkv: act(`qkv.${i}`, 3 * LD),
        probs: act(`probs.${i}`, b * d.H * d.L * d.L),
        x1: act(`x1.${i}`, LD),
        stats2: act(`stats2.${i}`, 2 * b * d.L),
        f: act(`f.${i}`, 4 * LD),
      });
    }
    this.out = act('out', LD);
    this.t = {
      images: act('images', b * d.S * d.S * d.C),
      patches: act('patches', b * d.T * d.C * d.P * d.P),
      labels: act('labels', b),
      normed: act('normed', LD),
      attn: act('attn', LD),
      dF: act('dF', 4 * LD),
      dN: act('dN', LD),
      dX1: act('dX1', LD),
      dO: act('dO', LD),
      dP: act('dP', b * d.H * d.L * d.L),
      dQKV: act('dQKV', 3 * LD),
      dXa: act('dXa', LD),
      dXb: act('dXb', LD),
      pin: act('pin', b * d.D),
      pooled: act('pooled', b * d.D),
      poolStats: act('poolStats', 2 * b),
      logits: act('logits', b * d.classes),
      dLogits: act('dLogits', b * d.classes),
      dPooled: act('dPooled', b * d.D),
      stats: act('stats', 2 * batch + 1),
      zeros: act('zeros', LD),
    };
    this.readback = this.make(
      'readback',
      4 * Math.max(2 * batch + 1, 3 * this.paramCount),
      BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST,
    );
  }

  private make(label: string, size: number, usage: number): Gpu {
    const bytes = Math.ceil(size / 16) * 16;
    const buf = this.device.createBuffer({ label, size: bytes, usage });
    this.bytes += bytes;
    this.all.push(buf);
    return buf;
  }

  destroy(): void {
    for (const b of this.all) b.destroy();
  }
}
