import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectCheckpointFormat, readCheckpointFile } from '../../../src/engine/checkpoint/read-checkpoint';
import { type HostTensor, isHostTensor } from '../../../src/run-folder/tensors/host-tensor';
import { assertCheckpointError, assertTensorFacts, expected, fixture, tempDir } from './format-helpers';

describe('checkpoint/read-checkpoint', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A copy of a fixture under a misleading name. */
  function renamed(src: string, name: string): string {
    const p = path.join(dir, name);
    fs.copyFileSync(fixture(src), p);
    return p;
  }

  it('reads each format and says which it was', () => {
    assert.equal(readCheckpointFile(fixture('model.pth')).kind, 'torch');
    assert.equal(readCheckpointFile(fixture('train.pth.tar')).kind, 'torch');
    assert.equal(readCheckpointFile(fixture('compressed.npz')).kind, 'npz');
    const st = readCheckpointFile(fixture('weights.safetensors'));
    assert.equal(st.kind, 'safetensors');
    assert.equal(st.metadata?.format, 'pt');
    const v = st.value as Record<string, HostTensor>;
    assertTensorFacts(v['a.f32'], expected['weights.safetensors']['a.f32'], 'a.f32');
  });

  it('chooses by content, not by extension', () => {
    const st = readCheckpointFile(renamed('weights.safetensors', 'weights.pth'));
    assert.equal(st.kind, 'safetensors');
    assert.ok(isHostTensor((st.value as Record<string, unknown>)['b.f16']));
    assert.equal(readCheckpointFile(renamed('model.pth', 'model.safetensors')).kind, 'torch');
    assert.equal(readCheckpointFile(renamed('plain.npz', 'arrays.bin')).kind, 'npz');
    assert.equal(detectCheckpointFormat(fixture('legacy.pth')), 'legacy-torch');
    assert.equal(detectCheckpointFormat(fixture('c_order_f4.npy')), 'npy');
  });

  it('names the file and the supported formats for a missing, empty or unknown file', () => {
    const missing = path.join(dir, 'nope.pth');
    assertCheckpointError(() => readCheckpointFile(missing), missing, /does not exist/);
    assertCheckpointError(() => readCheckpointFile(fixture('empty.pth')), fixture('empty.pth'), /empty/);
    assertCheckpointError(
      () => readCheckpointFile(fixture('unknown.ckpt')),
      fixture('unknown.ckpt'),
      /safetensors/,
      /\.npz/,
    );
    assertCheckpointError(
      () => readCheckpointFile(fixture('c_order_f4.npy')),
      fixture('c_order_f4.npy'),
      /\.npy/,
    );
    assertCheckpointError(() => readCheckpointFile(dir), dir, /folder/);
  });

  it('passes format-specific refusals through', () => {
    assertCheckpointError(() => readCheckpointFile(fixture('legacy.pth')), fixture('legacy.pth'), /legacy/);
    assertCheckpointError(
      () => readCheckpointFile(fixture('huge_header.safetensors')),
      fixture('huge_header.safetensors'),
      /limit/,
    );
    assertCheckpointError(
      () => readCheckpointFile(fixture('evil_os_system.pth')),
      fixture('evil_os_system.pth'),
      /os\.system/,
    );
    assertCheckpointError(
      () => readCheckpointFile(fixture('truncated.pth')),
      fixture('truncated.pth'),
      /truncated/,
    );
  });
});
