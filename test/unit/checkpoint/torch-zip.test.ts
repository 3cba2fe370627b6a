import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UnsafePickleError } from '../../../src/engine/checkpoint/pickle';
import { isTensorStub, readTorchCheckpoint, readTorchHeader } from '../../../src/engine/checkpoint/torch-zip';
import {
  type CheckpointDict,
  type HostTensor,
  isHostTensor,
} from '../../../src/run-folder/tensors/host-tensor';
import {
  assertCheckpointError,
  assertTensorFacts,
  buildZip,
  expected,
  fixture,
  tempDir,
} from './format-helpers';

/** Protocol-2 pickle of `_rebuild_tensor_v2(storage('0', <cls>, numel), 0, (n,), (1,), False, OrderedDict())`. */
function tensorPickle(storageClass: string, n: number): Uint8Array {
  const s = (t: string) => {
    const b = Buffer.from(t);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    return Buffer.concat([Buffer.from('X'), len, b]);
  };
  return Buffer.concat([
    Buffer.from('\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((', 'latin1'),
    s('storage'),
    Buffer.from(`ctorch\n${storageClass}\n`),
    s('0'),
    s('cpu'),
    Buffer.from([0x4b, n, 0x74, 0x51]), // BININT1 n, TUPLE, BINPERSID
    Buffer.from([0x4b, 0, 0x4b, n, 0x85, 0x4b, 1, 0x85, 0x89]), // offset 0, (n,), (1,), False
    Buffer.from('ccollections\nOrderedDict\n)RtR.', 'latin1'),
  ]);
}

describe('checkpoint/torch-zip', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('model.pth (PyTorch 1.13 torch.save)', () => {
    let ck: CheckpointDict;
    let sd: Record<string, HostTensor>;
    const want = expected['model.pth'];
    before(() => {
      ck = readTorchCheckpoint(fixture('model.pth')) as CheckpointDict;
      sd = ck.model as unknown as Record<string, HostTensor>;
    });

    it('reads every dtype with the values PyTorch reports', () => {
      for (const [name, facts] of Object.entries(want.tensors)) {
        assert.ok(isHostTensor(sd[name]), name);
        assertTensorFacts(sd[name], facts as never, name);
      }
      assert.equal(sd.f16.dtype, 'float32');
      assert.equal(sd.f16.sourceDType, 'torch.HalfStorage');
      assert.equal(sd.bf16.dtype, 'float32');
      assert.equal(sd.f64.dtype, 'float32');
      assert.equal(sd.i64.dtype, 'int32');
      assert.deepEqual(Array.from(sd.i64.data), want.i64_full);
      assert.equal(sd.u8.dtype, 'int32');
      assert.equal(sd.bool.dtype, 'bool');
      assert.deepEqual(sd.scalar.shape, []);
      assert.deepEqual(sd.empty.shape, [0, 3]);
    });

    it('materialises non-contiguous views and offsets into shared storages', () => {
      assert.deepEqual(Array.from(sd.transposed.data), want.transposed_full);
      assert.deepEqual(Array.from(sd.view_a.data), want.view_a_full);
      assert.deepEqual(Array.from(sd.view_b.data), want.view_b_full);
      // the two views share a storage in the file but not in memory
      sd.view_a.data[3] = 1234;
      assert.deepEqual(Array.from(sd.view_b.data), want.view_b_full);
    });

    it('keeps nested dicts, lists, ints, floats, strings, bytes and OrderedDict order', () => {
      assert.equal(ck.epoch, 7);
      assert.equal(ck.lr, 0.125);
      assert.equal(ck.name, want.name);
      assert.deepEqual(ck.flags, [true, false, null]);
      assert.deepEqual(ck.tuple, [1, 2.5, 'x']);
      assert.equal(ck.big_int, want.big_int);
      assert.equal(ck.neg_int, want.neg_int);
      assert.deepEqual(ck.raw_bytes, [0, 1, 255]);
      assert.deepEqual(Object.keys(ck.ordered as object), ['z', 'a']);
      assert.deepEqual([...Object.keys(sd)].sort(), Object.keys(want.tensors).sort());
      assert.deepEqual(
        Object.keys(sd).slice(0, 3),
        ['f32', 'f16', 'bf16'],
        'state dict order is the file order',
      );
      const c = (((ck.nested as CheckpointDict).a as CheckpointDict).b as unknown[])[2] as CheckpointDict;
      assertTensorFacts(c.c as unknown as HostTensor, want.nested_c, 'nested c');
    });

    it('reads the header only: the same tree with tensor stubs', () => {
      const h = readTorchHeader(fixture('model.pth')) as Record<string, unknown>;
      const model = h.model as Record<string, unknown>;
      for (const [name, facts] of Object.entries(want.tensors)) {
        const stub = model[name];
        assert.ok(isTensorStub(stub), name);
        assert.deepEqual(stub.shape, (facts as { shape: number[] }).shape, name);
        assert.ok(!('data' in (stub as object)), 'no data is read');
      }
      assert.equal((model.bf16 as { sourceDType: string }).sourceDType, 'torch.BFloat16Storage');
      assert.equal((model.i64 as { dtype: string }).dtype, 'int32');
      assert.equal(h.epoch, 7);
    });
  });

  it('reads an optimizer state dict with int keys (.pth.tar)', () => {
    const ck = readTorchCheckpoint(fixture('train.pth.tar')) as CheckpointDict;
    const want = expected['train.pth.tar'];
    const sd = ck.state_dict as unknown as Record<string, HostTensor>;
    assertTensorFacts(sd.weight, want.weight, 'weight');
    assertTensorFacts(sd.bias, want.bias, 'bias');
    const opt = ck.optimizer as CheckpointDict;
    const state = opt.state as CheckpointDict;
    assert.deepEqual(Object.keys(state), ['0', '1']);
    assertTensorFacts(
      (state['0'] as CheckpointDict).momentum_buffer as unknown as HostTensor,
      want.momentum0,
      'm0',
    );
    const groups = opt.param_groups as CheckpointDict[];
    assert.deepEqual(groups[0].params, want.param_groups_params);
    assert.equal(groups[0].lr, 0.1);
  });

  it('reads an nn.Parameter saved directly, and a pytorch_model.bin', () => {
    const p = readTorchCheckpoint(fixture('param.pt'));
    assert.ok(isHostTensor(p));
    assertTensorFacts(p, expected['param.pt'], 'param');
    const bin = readTorchCheckpoint(fixture('pytorch_model.bin')) as unknown as Record<string, HostTensor>;
    assertTensorFacts(bin.w, expected['pytorch_model.bin'].w, 'w');
  });

  it('byteswaps storages of a big-endian checkpoint', () => {
    const data = Buffer.alloc(12);
    [1.5, -2, 1e-3].forEach((v, i) => {
      data.writeFloatBE(v, 4 * i);
    });
    const p = path.join(dir, 'big.pth');
    fs.writeFileSync(
      p,
      buildZip([
        { name: 'big/data.pkl', data: tensorPickle('FloatStorage', 3) },
        { name: 'big/byteorder', data: Buffer.from('big') },
        { name: 'big/data/0', data },
      ]),
    );
    const t = readTorchCheckpoint(p) as HostTensor;
    assert.deepEqual(Array.from(t.data), [1.5, -2, Math.fround(1e-3)]);
  });

  it('refuses a storage smaller than its pickle claims, and a view past its storage', () => {
    const p = path.join(dir, 'short.pth');
    fs.writeFileSync(
      p,
      buildZip([
        { name: 'a/data.pkl', data: tensorPickle('FloatStorage', 3) },
        { name: 'a/data/0', data: new Uint8Array(8) },
      ]),
    );
    assertCheckpointError(() => readTorchHeader(p), p, /storage '0'/, /12 bytes/);
  });

  it('refuses the legacy (pre-1.6) format with a re-save hint', () => {
    const p = fixture('legacy.pth');
    const err = assertCheckpointError(() => readTorchCheckpoint(p), p, /legacy/, /1\.6/);
    assert.match(err.fix ?? '', /torch\.save/);
  });

  it('refuses a truncated checkpoint', () => {
    assertCheckpointError(
      () => readTorchCheckpoint(fixture('truncated.pth')),
      fixture('truncated.pth'),
      /ZIP/,
    );
  });

  describe('hostile checkpoints are refused and nothing runs', () => {
    const marker: string = expected.hostile_marker;
    before(() => fs.rmSync(marker, { force: true }));

    const cases: [string, string][] = [
      ['evil_os_system.pth', 'os.system'],
      ['evil_posix_system.pth', 'posix.system'],
      ['evil_eval.pth', 'builtins.eval'],
      ['evil_stack_global.pth', 'subprocess.Popen'],
      ['evil_numpy.pth', 'numpy.core.multiarray._reconstruct'],
    ];
    for (const [file, global] of cases) {
      it(`${file} (${global})`, () => {
        for (const read of [readTorchCheckpoint, readTorchHeader]) {
          const err = assertCheckpointError(
            () => read(fixture(file)),
            fixture(file),
            /Nothing in the file was executed/,
          );
          assert.ok(err instanceof UnsafePickleError);
          assert.equal(err.globalName, global);
        }
        assert.equal(fs.existsSync(marker), false, 'the marker command never ran');
      });
    }
  });
});
