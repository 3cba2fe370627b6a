/**
 * A small, hand-written run folder for the dashboard tests: config.yaml pointing at a data folder
 * with two classes, metrics.jsonl with a garbage line and a torn last line, summary.json,
 * prototypes.json, and analysis epochs 0 and 3 with a float32 sidecar whose value i is i.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {
  AnalysisEpochFile,
  AnalysisIndex,
  AnalysisModelInfo,
} from '../../../../src/shared/analysis-contract';

export const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
export const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]);

export const MODEL: AnalysisModelInfo = {
  method: 'spt',
  promptMode: 'deep',
  promptLength: 2,
  depth: 2,
  numHeads: 2,
  embedDim: 4,
  patchSize: 8,
  imageSize: 16,
  grid: 2,
};

/** Floats per array: attention [P=2, H+1=3, 2, 2] = 24; PCA points [P*T=8, 2] = 16. */
const ATT = 24;
const PTS = 16;
export const SIDECAR_FLOATS = 2 * 2 * ATT + 2 * PTS;

const ref = (offset: number, length: number, shape: number[]) => ({ offset, length, shape });

function epochFile(epoch: number, probeIds: string[], l2: number[]): AnalysisEpochFile {
  const mass = { cls: 0.1, prompts: 0.3, patches: 0.6 };
  return {
    version: 1,
    epoch,
    seed: 0,
    createdAt: '2026-01-01T00:00:00.000Z',
    model: MODEL,
    probe: { count: 2, labels: [0, 1], ids: probeIds },
    layers: [0, 1],
    promptPatch: [0, 1].map((layer) => ({
      layer,
      promptSource: 'parameters' as const,
      promptCount: 2,
      patchCount: 8,
      nmi: 0.5 + layer,
      inertiaPrompts: 2,
      inertiaKMeans: 1,
      inertiaRatio: 2,
      nearestCosine: 0.8,
      meanCosine: 0.2,
      promptUsage: [5, 3],
    })),
    attention: [0, 1].map((layer) => ({
      layer,
      clsToPatch: ref(layer * 2 * ATT, ATT, [2, 3, 2, 2]),
      promptToPatch: ref(layer * 2 * ATT + ATT, ATT, [2, 3, 2, 2]),
      clsMass: mass,
      clsMassPerHead: [mass, mass],
      patchMass: mass,
      promptMass: mass,
    })),
    pca: [0, 1].map((layer) => ({
      layer,
      explainedVariance: [2, 1] as [number, number],
      totalVariance: 4,
      points: ref(4 * ATT + layer * PTS, PTS, [8, 2]),
      prompts: [
        [0, 1],
        [1, 0],
      ] as [number, number][],
    })),
    drift: [0, 1].map((layer) => ({
      layer,
      l2: l2.map((v) => v + layer),
      cosine: l2.map(() => 1),
      meanL2: 0,
      meanCosine: 1,
      meanInitialNorm: 1,
    })),
    sidecar: `epoch-${String(epoch).padStart(3, '0')}.f32`,
  };
}

export interface SyntheticRun {
  root: string;
  runDir: string;
  dataDir: string;
  /** A file outside the run and data folders. */
  outside: string;
}

const line = (o: object) => `${JSON.stringify(o)}\n`;

export function writeSyntheticRun(): SyntheticRun {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-dash-'));
  const dataDir = path.join(root, 'data');
  const runDir = path.join(root, 'runs', 'synth', '20260101-120000');
  const outside = path.join(root, 'secret.txt');
  fs.writeFileSync(outside, 'not for the webview');
  for (const c of ['cat', 'dog']) fs.mkdirSync(path.join(dataDir, 'images', c), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'images', 'cat', '0.png'), PNG);
  fs.writeFileSync(path.join(dataDir, 'images', 'dog', '0.jpg'), JPEG);
  fs.writeFileSync(path.join(dataDir, 'images', 'dog', 'bad.png'), 'plain text');
  fs.writeFileSync(path.join(dataDir, 'images', 'big.png'), Buffer.concat([PNG, Buffer.alloc(2048)]));
  fs.symlinkSync(outside, path.join(dataDir, 'images', 'link.png'));
  fs.writeFileSync(path.join(dataDir, 'train.txt'), 'images/cat/0.png 0\nimages/dog/0.jpg 1\n');
  fs.writeFileSync(path.join(dataDir, 'val.txt'), 'images/cat/0.png 0\r\nimages/dog/0.jpg 1\r\n');

  fs.mkdirSync(path.join(runDir, 'analysis'), { recursive: true });
  fs.mkdirSync(path.join(runDir, 'checkpoints'));
  fs.writeFileSync(
    path.join(runDir, 'config.yaml'),
    `name: synth
seed: 7
backbone:
  arch: {embed_dim: 4, depth: 2, num_heads: 2, patch_size: 8, image_size: 16}
data: {format: vtab, root: ${dataDir}, train: train.txt, val: val.txt, num_classes: 2}
prompt: {method: spt, mode: deep, length: 2, init: mean}
train: {epochs: 4, lr: 0.01}
`,
  );
  fs.writeFileSync(
    path.join(runDir, 'metrics.jsonl'),
    line({ t: 1, epoch: 1, step: 1, split: 'train', loss: 2, acc: 0.5, lr: 0.1, ips: 10 }) +
      line({ t: 2, epoch: 1, step: 2, split: 'train', loss: 1.5, acc: 0.5, lr: 0.1, ips: 10 }) +
      'not json at all\n' +
      line({ t: 3, epoch: 1, step: 2, split: 'val', loss: 1.4, acc: 0.75, lr: 0.05, ips: 20 }) +
      line({
        t: 4,
        epoch: 2,
        step: 3,
        split: 'train',
        loss: 1.2,
        acc: 1,
        lr: 0.05,
        ips: 10,
        rss_mb: 300.5,
        tensor_mb: 12.3,
      }) +
      '{"t": 5, "epoch": 2, "ste',
  );
  fs.writeFileSync(
    path.join(runDir, 'events.jsonl'),
    line({ type: 'status', t: 1, status: 'running', runDir }) +
      line({
        type: 'epoch',
        t: 3,
        epoch: 1,
        epochs: 4,
        train: { loss: 1.7, acc: 0.5 },
        val: { loss: 1.4, acc: 0.75 },
        best: { epoch: 1, acc: 0.75 },
      }) +
      line({ type: 'status', t: 6, status: 'finished', runDir }),
  );
  fs.writeFileSync(
    path.join(runDir, 'summary.json'),
    JSON.stringify({
      status: 'finished',
      name: 'synth',
      method: 'spt',
      best_epoch: 1,
      val_acc: 0.75,
      test_acc: 0.5,
      trainable_params: 30,
      total_params: 300,
      backend: 'wasm',
      images_per_sec: 12.5,
      wall_seconds: 6,
      seed: 7,
      epochs_completed: 4,
      skipped_images: 0,
    }),
  );
  fs.writeFileSync(
    path.join(runDir, 'prototypes.json'),
    JSON.stringify({
      init: 'mean',
      mode: 'deep',
      length: 2,
      images: ['images/cat/0.png', 'images/dog/0.jpg'],
      prompts: [
        { set: 0, index: 0, layer: -1, kind: 'mean', image: 1, window: [0, 2] },
        { set: 1, index: 1, layer: 0, kind: 'mean', image: 9, window: [2, 4] },
      ],
    }),
  );
  const sidecar = Buffer.alloc(SIDECAR_FLOATS * 4);
  for (let i = 0; i < SIDECAR_FLOATS; i++) sidecar.writeFloatLE(i, i * 4);
  const analysis = path.join(runDir, 'analysis');
  fs.writeFileSync(path.join(analysis, 'epoch-000.f32'), sidecar);
  fs.writeFileSync(path.join(analysis, 'epoch-003.f32'), sidecar);
  const probe = ['images/cat/0.png', 'images/dog/0.jpg'];
  fs.writeFileSync(path.join(analysis, 'epoch-000.json'), JSON.stringify(epochFile(0, probe, [0, 0])));
  fs.writeFileSync(path.join(analysis, 'epoch-003.json'), JSON.stringify(epochFile(3, probe, [0.5, 0.25])));
  const index: AnalysisIndex = {
    version: 1,
    model: MODEL,
    epochs: [0, 3].map((epoch) => ({
      epoch,
      file: `epoch-00${epoch}.json`,
      sidecar: `epoch-00${epoch}.f32`,
      createdAt: '2026-01-01T00:00:00.000Z',
      layers: [],
    })),
  };
  fs.writeFileSync(path.join(analysis, 'index.json'), JSON.stringify(index));
  return { root, runDir, dataDir, outside };
}

/** Rewrites analysis/epoch-NNN.json of the synthetic run through `edit`. */
export function editEpoch(runDir: string, epoch: number, edit: (f: AnalysisEpochFile) => void): void {
  const file = path.join(runDir, 'analysis', `epoch-${String(epoch).padStart(3, '0')}.json`);
  const v = JSON.parse(fs.readFileSync(file, 'utf8')) as AnalysisEpochFile;
  edit(v);
  fs.writeFileSync(file, JSON.stringify(v));
}
