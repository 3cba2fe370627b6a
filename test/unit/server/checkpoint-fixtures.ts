/** Checkpoint files for the header checks, written into temp folders. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { vitConfig } from '../../../src/config/architectures';
import { expectedBackboneShapes } from '../../../src/engine/checkpoint/validate-backbone';
import { buildZip } from '../checkpoint/format-helpers';

export const PARITY = path.resolve(__dirname, '../../fixtures/parity');

export function tempDir(prefix = 'spt-lsp-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A safetensors file whose header claims `shapes` (F16); the data section is a sparse hole made with
 * ftruncate, so a ViT-B header costs a few kB on disk and nothing but the header is ever read.
 */
export function writeHeaderOnlySafetensors(file: string, shapes: Map<string, number[]>): void {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, shape] of shapes) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype: 'F16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  fs.writeFileSync(file, Buffer.concat([len, Buffer.from(json)]));
  fs.truncateSync(file, 8 + Buffer.byteLength(json) + offset);
}

/** timm key names and shapes of a named ViT (patch grid of its native size). */
export function vitShapes(
  arch: 'vit_base_patch16_224' | 'vit_tiny_patch16_224',
  prefix = '',
): Map<string, number[]> {
  const cfg = vitConfig(arch);
  const out = new Map<string, number[]>();
  for (const [k, v] of expectedBackboneShapes(cfg, cfg.imageSize / cfg.patchSize)) out.set(prefix + k, v);
  return out;
}

/** The same ViT with Hugging Face ViTModel names (separate q/k/v). */
export function hfShapes(arch: 'vit_base_patch16_224'): Map<string, number[]> {
  const cfg = vitConfig(arch);
  const d = cfg.embedDim;
  const g = cfg.imageSize / cfg.patchSize;
  const out = new Map<string, number[]>([
    ['embeddings.cls_token', [1, 1, d]],
    ['embeddings.position_embeddings', [1, 1 + g * g, d]],
    ['embeddings.patch_embeddings.projection.weight', [d, 3, cfg.patchSize, cfg.patchSize]],
    ['embeddings.patch_embeddings.projection.bias', [d]],
    ['layernorm.weight', [d]],
    ['layernorm.bias', [d]],
  ]);
  for (let i = 0; i < cfg.depth; i++) {
    for (const n of ['query', 'key', 'value'])
      out.set(`encoder.layer.${i}.attention.attention.${n}.weight`, [d, d]);
    out.set(`encoder.layer.${i}.layernorm_before.weight`, [d]);
  }
  return out;
}

/** A PyTorch zip whose pickle asks for `os.system` (must be refused, never run). */
export function writeHostileTorch(file: string): void {
  const pkl = Buffer.concat([
    Buffer.from([0x80, 0x02]),
    Buffer.from('cos\nsystem\n'),
    Buffer.from([0x58, 0x02, 0, 0, 0]),
    Buffer.from('ls'),
    Buffer.from([0x85, 0x52, 0x2e]),
  ]);
  fs.writeFileSync(
    file,
    buildZip([
      { name: 'archive/data.pkl', data: pkl },
      { name: 'archive/version', data: Buffer.from('3\n') },
    ]),
  );
}
