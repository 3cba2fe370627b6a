import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  convertPickled,
  type PickleValue,
  TorchStorageRef,
  TorchTensorRef,
  UnsafePickleError,
  unpickle,
} from '../../../src/engine/checkpoint/pickle';
import { assertCheckpointError, fixture } from './format-helpers';

const F = 'test.pkl';

function load(bytes: Uint8Array | number[], persistentLoad?: (pid: PickleValue) => PickleValue): unknown {
  const v = unpickle(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes), {
    file: F,
    persistentLoad,
  });
  return convertPickled(v, F, (t) => ({ tensor: t.shape }));
}

/** Builds pickle bytes from opcode strings (latin-1) and raw byte arrays. */
function pk(...parts: (string | number[])[]): Uint8Array {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
}

function u32(n: number): number[] {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return [...b];
}

function u64(n: bigint): number[] {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return [...b];
}

describe('checkpoint/pickle (restricted unpickler)', () => {
  const fixtures = JSON.parse(fs.readFileSync(fixture('pickles.json'), 'utf-8')) as {
    expected: Record<string, unknown>;
    pickles: Record<string, string>;
  };

  for (const proto of ['0', '1', '2', '3', '4', '5']) {
    it(`decodes Python's own protocol-${proto} pickle of plain values`, () => {
      const got = load(Buffer.from(fixtures.pickles[proto], 'hex')) as Record<string, unknown>;
      const want = fixtures.expected;
      // sets come back in pickle order; compare them sorted
      for (const k of ['set', 'frozenset']) got[k] = [...(got[k] as number[])].sort((a, b) => a - b);
      assert.deepEqual(got, want);
      assert.deepEqual(Object.keys(got.ordered as object), ['z', 'a'], 'OrderedDict keeps its order');
    });
  }

  it('turns int dict keys into decimal strings and tuples into arrays', () => {
    // {1: (2, 3)} in protocol 2
    const got = load(pk('\x80\x02}q\x00K\x01K\x02K\x03\x86s.'));
    assert.deepEqual(got, { '1': [2, 3] });
  });

  it('rebuilds tensors through the allowlisted rebuild functions and persistent ids', () => {
    const storages: PickleValue[] = [];
    const pickle = pk(
      '\x80\x02',
      'ctorch._utils\n_rebuild_tensor_v2\n',
      '((X',
      u32(7),
      'storage',
      'ctorch\nHalfStorage\n',
      'X',
      u32(1),
      '0',
      'X',
      u32(3),
      'cpu',
      'K\x06tQ', // TUPLE, BINPERSID
      'K\x01', // offset 1
      'K\x02K\x02\x86', // size (2, 2)
      'K\x02K\x01\x86', // stride (2, 1)
      '\x89', // requires_grad False
      'ccollections\nOrderedDict\n)R', // backward hooks
      'tR.',
    );
    const v = unpickle(pickle, {
      file: F,
      persistentLoad: (pid) => {
        storages.push(pid);
        return new TorchStorageRef('0', 'float16', 'torch.HalfStorage', 'cpu', 12);
      },
    });
    assert.ok(v instanceof TorchTensorRef);
    assert.equal(v.dtype, 'float16');
    assert.equal(v.offset, 1);
    assert.deepEqual(v.shape, [2, 2]);
    assert.deepEqual(v.stride, [2, 1]);
    const pid = storages[0] as PickleValue[];
    assert.equal(pid[0], 'storage');
    assert.equal(pid[2], '0');
  });

  describe('refuses every global outside the allowlist, executing nothing', () => {
    const cases: [string, Uint8Array][] = [
      ['os.system', pk('\x80\x02cos\nsystem\nX', u32(4), 'true\x85R.')],
      ['posix.system', pk('cposix\nsystem\n(S"true"\ntR.')],
      ['builtins.eval', pk('\x80\x02cbuiltins\neval\nX', u32(1), '1\x85R.')],
      ['builtins.exec', pk('c__builtin__\nexec\n(S"1"\ntR.')],
      ['subprocess.Popen', pk('\x80\x04\x8c\nsubprocess\x8c\x05Popen\x93.')],
      ['numpy.core.multiarray._reconstruct', pk('cnumpy.core.multiarray\n_reconstruct\n.')],
      ['copyreg._reconstructor', pk('ccopy_reg\n_reconstructor\n.')],
      ['torch.load', pk('ctorch\nload\n.')],
    ];
    for (const [name, bytes] of cases) {
      it(name, () => {
        const err = assertCheckpointError(
          () => load(bytes),
          F,
          new RegExp(name.replace(/\./g, '\\.')),
          /Nothing/,
        );
        assert.ok(err instanceof UnsafePickleError);
        assert.equal(err.globalName, name);
        assert.match(err.fix ?? '', /torch\.save\(\{'model': model\.state_dict\(\)\}, path\)/);
      });
    }
  });

  it('refuses REDUCE on something that is not an allowed callable', () => {
    assertCheckpointError(() => load(pk('\x80\x02X', u32(1), 'x)R.')), F, /not an allowed callable/);
    // a dtype constant is allowed as a value, but it is not callable
    assertCheckpointError(() => load(pk('ctorch\nfloat32\n)R.')), F, /does not construct/);
  });

  it('refuses BUILD on a list', () => {
    assertCheckpointError(() => load(pk(']}b.')), F, /BUILD/);
  });

  it('refuses declared lengths larger than the data (no huge allocation)', () => {
    assertCheckpointError(
      () => load(pk('\x80\x02X', u32(0x7fffffff), 'abc.')),
      F,
      /declares 2147483647 bytes/,
    );
    assertCheckpointError(
      () => load(pk('\x80\x04\x8e', u64(1n << 40n), '.')),
      F,
      /larger than the whole pickle/,
    );
    assertCheckpointError(
      () => load(pk('\x80\x04\x95', u64(1n << 50n), '.')),
      F,
      /larger than the whole pickle/,
    );
  });

  it('reports damaged pickles: missing STOP, unknown opcode, stack underflow, unset memo', () => {
    assertCheckpointError(() => load(pk('\x80\x02K\x01')), F, /without a STOP/);
    assertCheckpointError(() => load(pk('\x80\x02\xff.')), F, /unknown pickle opcode 0xff/);
    assertCheckpointError(() => load(pk('\x80\x02a.')), F, /underflow/);
    assertCheckpointError(() => load(pk('\x80\x02h\x05.')), F, /memo entry 5/);
    assertCheckpointError(() => load(pk('\x80\x02e.')), F, /MARK/);
  });

  it('refuses persistent ids when none are expected', () => {
    assertCheckpointError(() => load(pk('\x80\x02X', u32(1), 'aQ.')), F, /persistent id/);
  });

  it('refuses a list that contains itself', () => {
    // l = []; l.append(l)
    assertCheckpointError(() => load(pk('\x80\x02]q\x00h\x00a.')), F, /holds itself/);
  });

  it('keeps shared sub-objects shared, so memo references cannot blow up the result', () => {
    // 40 levels of [prev, prev]: 2^40 leaves if expanded, a few dozen objects if shared
    const parts: (string | number[])[] = ['\x80\x02K\x01q\x00'];
    for (let i = 0; i < 40; i++)
      parts.push(`0h${String.fromCharCode(i)}h${String.fromCharCode(i)}\x86q${String.fromCharCode(i + 1)}`);
    parts.push('.');
    const got = load(pk(...parts)) as unknown[];
    assert.equal(got.length, 2);
    assert.equal(got[0], got[1]);
  });

  it('reads the protocol-0 text opcodes INT/LONG/FLOAT/STRING/UNICODE/PUT/GET', () => {
    const got = load(pk("(lp0\nI42\naI01\naL123456789012L\naF-2.5\naS'a\\nb\\x41'\naVx\\u2603\np1\nag1\na."));
    assert.equal((got as unknown[]).length, 7);
    assert.deepEqual(got, [42, true, 123456789012, -2.5, 'a\nbA', 'x\u2603', 'x\u2603']);
  });
});
