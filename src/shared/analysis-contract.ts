/**
 * The per-checkpoint analysis (spec section 8) as written to `<runDir>/analysis/`: the types the engine
 * writes and the dashboard reads. No TensorFlow.js here.
 *
 * Layout of a run's analysis folder:
 * - `epoch-<NNN>.json`: one {@link AnalysisEpochFile} (NNN = epoch, zero-padded to 3 digits; epoch 0 is
 *   the analysis of the initial prompts, before any training step).
 * - `epoch-<NNN>.f32`: its sidecar, little-endian float32 values; every {@link F32Ref} of the JSON points
 *   into it (offset and length counted in floats, not bytes).
 * - `index.json`: one {@link AnalysisIndex}, the per-layer scalar summary of every epoch, for curves.
 *
 * Shapes in comments: P probe images, H heads, N prompts, T = g*g patches, g the patch grid side.
 */
import type { Method, PromptMode } from '../config/methods';

export const ANALYSIS_VERSION = 1;

/** A float32 array stored in the epoch's sidecar: values [offset, offset + length), row-major `shape`. */
export interface F32Ref {
  offset: number;
  length: number;
  shape: number[];
}

/** Where each query's attention goes (shares of 1): the CLS token, the prompts, the patches. */
export interface MassShare {
  cls: number;
  prompts: number;
  patches: number;
}

/**
 * The patch tokens a layer's prompts are compared with (spec sections 3 and 8: each prompt set with the
 * token space SPT initialises it from). `patch-embedding`: the patch-embedding outputs before CLS and the
 * position embedding (layer 0; SPT samples its first prompt set, shallow or deep, there).
 * `block-input`: the patch tokens entering the block, i.e. leaving block i-1 (layer i >= 1; SPT-deep
 * samples set i there). Absent in analyses written before this field existed: those compared every
 * layer, 0 included, with the tokens entering the block (layer 0 after the position embedding).
 */
export type TokenSpace = 'patch-embedding' | 'block-input';

/** The token space the analysis compares a layer's prompts with (see {@link TokenSpace}). */
export function tokenSpaceOf(layer: number): TokenSpace {
  return layer === 0 ? 'patch-embedding' : 'block-input';
}

/** For the dashboard: which tokens a layer's prompts were compared with (a phrase, no layer prefix). */
export function describeTokenSpace(layer: number, space: TokenSpace | undefined): string {
  if (space === 'patch-embedding')
    return 'the patch embeddings before the position embedding (where SPT samples its first prompt set)';
  if (layer === 0)
    return 'the tokens entering block 0, after the position embedding (an analysis written before the comparison moved to the patch embeddings)';
  return `the patch tokens entering the block, i.e. leaving block ${layer - 1} (where SPT-deep samples set ${layer})`;
}

/** Prompt <-> patch-token statistics of one layer (only for methods with prompts). */
export interface PromptPatchLayerStats {
  layer: number;
  /** The patch tokens the prompts are compared with (absent in older analyses: see {@link TokenSpace}). */
  tokenSpace?: TokenSpace;
  /**
   * `parameters`: the prompt set entering this block is the same for every image (deep prompts, or
   * shallow prompts at layer 0). `slot-tokens`: shallow prompts at a layer > 0, where the tokens in the
   * prompt slots depend on the image; each patch token is then compared with its own image's prompts.
   */
  promptSource: 'parameters' | 'slot-tokens';
  promptCount: number; // N
  patchCount: number; // P*T
  /**
   * NMI (arithmetic mean normalisation, as sklearn's default) of nearest-prompt labels vs k-means labels:
   * the paper's measure. With few tokens per cluster its chance floor is well above 0.
   */
  nmi: number;
  /**
   * The same two labelings' adjusted mutual information (sklearn's `adjusted_mutual_info_score`,
   * arithmetic): NMI corrected for chance, 0 in expectation for unrelated labelings (can be slightly
   * negative). The project's addition; absent in analyses written before it existed.
   */
  ami?: number;
  /** Sum of squared distances of the patch tokens to their nearest prompt. */
  inertiaPrompts: number;
  /** The best k-means inertia found (K = N; seeded k-means++, and for `parameters` also Lloyd from the prompts). */
  inertiaKMeans: number;
  /** inertiaPrompts / inertiaKMeans: 1 = the prompts are as good as cluster centres. */
  inertiaRatio: number;
  /** Mean over prompts of the cosine similarity with the nearest (most similar) patch token. */
  nearestCosine: number;
  /** Mean cosine similarity over all prompt-patch pairs. */
  meanCosine: number;
  /** Patch tokens assigned to each prompt (length N): unused prompts show as 0. */
  promptUsage: number[];
}

/** Attention of one layer, per probe image and head (index H of the head axis is the head mean). */
export interface AttentionLayerMaps<A = F32Ref> {
  layer: number;
  /** CLS query -> patch keys: [P, H + 1, g, g]. */
  clsToPatch: A;
  /** Prompt queries (mean over the N prompts) -> patch keys: [P, H + 1, g, g]; absent without prompts. */
  promptToPatch?: A;
  /** Attention mass of the CLS query (head mean, probe mean). Sums to 1. */
  clsMass: MassShare;
  /** The same per head (length H). */
  clsMassPerHead: MassShare[];
  /** Attention mass of the patch queries (mean over patch queries, heads and images). */
  patchMass: MassShare;
  /** Attention mass of the prompt queries (mean over prompt queries, heads and images); absent without prompts. */
  promptMass?: MassShare;
}

/** The 2-D PCA of one layer's probe patch tokens, with the prompts projected into the same plane. */
export interface PcaLayer<A = F32Ref> {
  layer: number;
  /** The patch tokens projected (absent in older analyses: see {@link TokenSpace}). */
  tokenSpace?: TokenSpace;
  /** Variance along the two components, and the total variance (trace of the covariance). */
  explainedVariance: [number, number];
  totalVariance: number;
  /** Patch points [P*T, 2]: point j is patch j % T of probe image floor(j / T). */
  points: A;
  /** Current prompts [N][2] (for `slot-tokens`, the prompt-slot tokens averaged over probe images). */
  prompts?: [number, number][];
  /** Initial prompts, in the same projection, when the initial values are known. */
  initialPrompts?: [number, number][];
}

/** Each prompt's drift from its initial value, for one prompt set (deep: set i enters block i). */
export interface DriftLayer {
  layer: number;
  /** Per prompt (length N): ||p - p0||, cos(p, p0). */
  l2: number[];
  cosine: number[];
  meanL2: number;
  meanCosine: number;
  /** Mean ||p0||, to read meanL2 relative to the prompts' size. */
  meanInitialNorm: number;
}

export interface AnalysisModelInfo {
  method: Method;
  promptMode: PromptMode | null;
  promptLength: number; // N (0 without prompts)
  depth: number;
  numHeads: number; // H
  embedDim: number;
  patchSize: number;
  imageSize: number;
  grid: number; // g
}

/** One checkpoint's analysis; `A` is Float32Array in memory and {@link F32Ref} on disk. */
export interface AnalysisEpoch<A = F32Ref> {
  version: typeof ANALYSIS_VERSION;
  epoch: number;
  seed: number;
  createdAt: string;
  model: AnalysisModelInfo;
  probe: { count: number; labels: number[]; ids: string[] };
  /** The analysed layers (block indices), ascending. */
  layers: number[];
  /** Empty without prompts. */
  promptPatch: PromptPatchLayerStats[];
  attention: AttentionLayerMaps<A>[];
  pca: PcaLayer<A>[];
  /** Per prompt set; null without prompts or without initial prompts. */
  drift: DriftLayer[] | null;
}

/** The in-memory record (engine side). */
export type AnalysisRecord = AnalysisEpoch<Float32Array>;

/** `epoch-<NNN>.json`. */
export interface AnalysisEpochFile extends AnalysisEpoch<F32Ref> {
  /** The sidecar's file name, relative to the analysis folder. */
  sidecar: string;
}

/** The per-layer scalars of one epoch (null where the quantity does not exist for that layer). */
export interface AnalysisIndexLayer {
  layer: number;
  /** The patch tokens the layer's statistics and PCA use (absent in older analyses: see {@link TokenSpace}). */
  tokenSpace?: TokenSpace;
  nmi: number | null;
  /** Absent in analyses written before AMI was recorded. */
  ami?: number | null;
  inertiaRatio: number | null;
  nearestCosine: number | null;
  meanCosine: number | null;
  driftL2: number | null;
  driftCosine: number | null;
  /** Share of the CLS query's attention on the prompts (head mean, probe mean; 0 without prompts). */
  clsPromptMass: number;
  clsPatchMass: number;
  /**
   * Share of the patch queries' attention on the prompts (mean over patch queries, heads and images; 0
   * without prompts). With the CLS share, the mechanism the paper names: prompts far from the token
   * manifold receive little attention. Absent in analyses written before it was recorded.
   */
  patchPromptMass?: number;
}

export interface AnalysisIndexEntry {
  epoch: number;
  file: string;
  sidecar: string;
  createdAt: string;
  layers: AnalysisIndexLayer[];
}

/** `index.json`: epochs ascending, one entry per epoch (a re-analysed epoch replaces its entry). */
export interface AnalysisIndex {
  version: typeof ANALYSIS_VERSION;
  model: AnalysisModelInfo;
  epochs: AnalysisIndexEntry[];
}

export function analysisEpochFileName(epoch: number): string {
  return `epoch-${String(epoch).padStart(3, '0')}.json`;
}

export function analysisSidecarName(epoch: number): string {
  return `epoch-${String(epoch).padStart(3, '0')}.f32`;
}

/** Reads one F32Ref out of a sidecar's bytes (little-endian float32). */
export function readF32Ref(sidecar: Uint8Array, ref: F32Ref): Float32Array {
  const out = new Float32Array(ref.length);
  const view = new DataView(sidecar.buffer, sidecar.byteOffset, sidecar.byteLength);
  for (let i = 0; i < ref.length; i++) out[i] = view.getFloat32((ref.offset + i) * 4, true);
  return out;
}
