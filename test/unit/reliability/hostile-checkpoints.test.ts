/**
 * Hostile and damaged checkpoints (issue 9): seeded mutations of every committed checkpoint format
 * (PyTorch zip, safetensors, npz/npy) through the full reader and the header-only reader (only a
 * CheckpointError naming the file, in bounded time and memory), safetensors headers that lie about
 * offsets, sizes and shapes, pickles that name ~40 dangerous globals through every opcode that can
 * reach a global (refused, the marker command never runs), and NaN weights (refused, named).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { vitConfig } from '../../../src/config/architectures';
import { readCheckpointHeaderInfo } from '../../../src/engine/checkpoint/header-check';
import { UnsafePickleError, unpickle } from '../../../src/engine/checkpoint/pickle';
import { readPromptWeights } from '../../../src/engine/checkpoint/prompt-weights';
import { readCheckpointFile } from '../../../src/engine/checkpoint/read-checkpoint';
import { loadBackbone } from '../../../src/engine/model/load-backbone';
import { CheckpointError } from '../../../src/run-folder/tensors/checkpoint-error';
import type { TensorMap } from '../../../src/run-folder/tensors/host-tensor';
import {
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from '../../../src/run-folder/tensors/safetensors';
import { PARITY_DIR } from '../../helpers/parity-fixtures';
import { buildZip, FORMATS } from '../checkpoint/format-helpers';
import { cases, prng, removeScratch, tmpDir } from './harness';

const SOURCES = [
  path.join(PARITY_DIR, 'timm.pth'),
  path.join(PARITY_DIR, 'timm.safetensors'),
  path.join(PARITY_DIR, 'mocov3.pth.tar'),
  path.join(PARITY_DIR, 'jax.npz'),
  path.join(PARITY_DIR, 'spt_authors_deep.pth'),
  ...[
    'model.pth',
    'compressed.npz',
    'train.pth.tar',
    'param.pt',
    'weights.safetensors',
    'fortran_f8.npy',
  ].map((f) => path.join(FORMATS, f)),
];

/** The tiny ViT of the parity fixtures. */
const TINY = vitConfig({ embed_dim: 32, depth: 3, num_heads: 4, patch_size: 8, image_size: 32 }, 32);

function isCheckpointError(e: unknown, file: string): boolean {
  return e instanceof CheckpointError && e.file.startsWith(file.replace(/\.[^.]*$/, ''));
}

describe('reliability: hostile checkpoints', function () {
  this.timeout(cases(60_000, 1_800_000));
  after(removeScratch);

  it(`seeded fuzz: ${cases(400, 8000)} mutated checkpoints: a CheckpointError naming the file, bounded time and memory`, () => {
    const r = prng(2026);
    const dir = tmpDir();
    const originals = SOURCES.map((f) => fs.readFileSync(f));
    const BIG = [0xffffffff, 0x7fffffff, 0x80000000, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 1e15];
    let refused = 0;
    let slowest = 0;
    const heap0 = process.memoryUsage().heapUsed;
    let peak = 0;
    for (let i = 0; i < cases(400, 8000); i++) {
      const k = r.int(originals.length);
      const src = SOURCES[k];
      const b = Buffer.from(originals[k]);
      let bytes: Buffer;
      switch (r.int(5)) {
        case 0: // truncate
          bytes = b.subarray(0, r.int(b.length));
          break;
        case 1: // flip bytes anywhere
          for (let n = 1 + r.int(16); n > 0; n--) b[r.int(b.length)] = r.int(256);
          bytes = b;
          break;
        case 2: // flip bytes in the headers (first 1 KB, last 512 bytes: zip directories)
          for (let n = 1 + r.int(6); n > 0; n--) {
            const at =
              r.next() < 0.5
                ? r.int(Math.min(1024, b.length))
                : b.length - 1 - r.int(Math.min(512, b.length));
            b[at] = r.int(256);
          }
          bytes = b;
          break;
        case 3: {
          // a length or offset field replaced by a huge number
          const at = r.next() < 0.5 ? r.int(Math.min(256, b.length - 8)) : r.int(b.length - 8);
          const v = BigInt(r.pick(BIG));
          if (r.next() < 0.5) b.writeBigUInt64LE(v, at);
          else b.writeUInt32LE(Number(v & 0xffffffffn), at);
          bytes = b;
          break;
        }
        default: {
          // cut a span out or insert garbage
          const at = r.int(b.length);
          bytes =
            r.next() < 0.5
              ? Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + r.int(64))])
              : Buffer.concat([
                  b.subarray(0, at),
                  Buffer.from(Array.from({ length: 1 + r.int(32) }, () => r.int(256))),
                  b.subarray(at),
                ]);
        }
      }
      const file = path.join(dir, `m${i % 5}${path.extname(src)}`);
      fs.writeFileSync(file, bytes);
      for (const read of [() => readCheckpointFile(file), () => readCheckpointHeaderInfo(file)]) {
        const t0 = performance.now();
        try {
          read();
        } catch (e) {
          if (!(e instanceof CheckpointError) || e.file !== file)
            assert.fail(`mutation ${i} of ${path.basename(src)}: ${(e as Error).stack}`);
          assert.ok(e.problem.length > 0);
          refused++;
        }
        slowest = Math.max(slowest, performance.now() - t0);
        peak = Math.max(peak, process.memoryUsage().heapUsed - heap0);
      }
    }
    assert.ok(refused > cases(400, 8000) / 2, `only ${refused} refusals`);
    assert.ok(slowest < 5000, `one read took ${slowest.toFixed(0)} ms`);
    assert.ok(peak < 300 * (1 << 20), `the heap grew by ${(peak / (1 << 20)).toFixed(0)} MB`);
  });

  describe('safetensors headers that lie', () => {
    /** A safetensors file with this header object and `data` bytes after it. */
    function st(header: unknown, data = Buffer.alloc(0), declared?: bigint): string {
      const json = Buffer.from(JSON.stringify(header));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(declared ?? BigInt(json.length));
      const f = path.join(tmpDir(), 'x.safetensors');
      fs.writeFileSync(f, Buffer.concat([len, json, data]));
      return f;
    }
    const four = Buffer.alloc(16);
    const lies: [string, () => string, RegExp][] = [
      [
        'offsets past the end',
        () => st({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 1 << 30] } }, four),
        /run past the end of the file/,
      ],
      [
        'size that does not match the shape',
        () => st({ a: { dtype: 'F32', shape: [1000], data_offsets: [0, 16] } }, four),
        /16 bytes are stored but F32 \[1000\] needs 4000/,
      ],
      [
        'a shape whose element count overflows',
        () => st({ a: { dtype: 'F32', shape: [2 ** 31, 2 ** 31, 2 ** 31], data_offsets: [0, 16] } }, four),
        /needs/,
      ],
      [
        'negative and fractional shapes',
        () => st({ a: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, four),
        /not a list of non-negative integers/,
      ],
      [
        'two tensors sharing bytes',
        () =>
          st(
            {
              a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
              b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
            },
            four,
          ),
        /overlaps/,
      ],
      [
        'offsets given as strings',
        () => st({ a: { dtype: 'F32', shape: [4], data_offsets: ['0', '16'] } }, four),
        /is not a \[begin, end\] pair/,
      ],
      [
        'an unknown dtype',
        () => st({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, four),
        /dtype F128/,
      ],
      [
        'a header length of 2^63',
        () => st({}, Buffer.alloc(0), 2n ** 63n),
        /claims 9223372036854775808 bytes, more than the/,
      ],
      [
        'a header length just under the cap, in a small file',
        () => st({}, Buffer.alloc(0), 100n * 1024n * 1024n - 1n),
        /but the file has only/,
      ],
      ['a header that is a list', () => st([1, 2, 3]), /not a JSON object|in no format SPT Studio reads/],
      [
        '__metadata__ that is not a string map',
        () => st({ __metadata__: { a: 1 } }),
        /__metadata__\['a'\] is not a string/,
      ],
      [
        'a prototype-polluting key',
        () =>
          st({ __proto__: { polluted: true }, a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, four),
        /.*/,
      ],
    ];
    for (const [name, make, why] of lies) {
      it(`${name}: refused with the file named, nothing huge allocated`, () => {
        const f = make();
        const heap0 = process.memoryUsage().arrayBuffers;
        for (const read of [readSafetensorsHeader, readSafetensors, readCheckpointFile]) {
          try {
            read(f);
            assert.equal(name, 'a prototype-polluting key', `${name}: accepted`);
          } catch (e) {
            assert.ok(isCheckpointError(e, f), `${name}: ${(e as Error).stack}`);
            assert.match((e as Error).message, why);
            assert.match((e as Error).message, /fix: /);
          }
        }
        assert.ok(process.memoryUsage().arrayBuffers - heap0 < 64 << 20, 'no big allocation');
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
      });
    }
  });

  describe('pickles that reach for code', () => {
    const MARKER = path.join(os.tmpdir(), `spt-pickle-marker-${process.pid}`);
    const command = `touch ${MARKER}`;
    /** Dangerous globals: shells, eval, imports, attribute access, file I/O, re-entrant unpicklers. */
    const GLOBALS = [
      'os.system',
      'os.popen',
      'os.execv',
      'os.spawnv',
      'posix.system',
      'nt.system',
      'subprocess.Popen',
      'subprocess.call',
      'subprocess.check_output',
      'subprocess.run',
      'builtins.eval',
      'builtins.exec',
      'builtins.compile',
      'builtins.__import__',
      'builtins.getattr',
      'builtins.setattr',
      'builtins.open',
      'builtins.globals',
      '__builtin__.eval',
      '__builtin__.__import__',
      'importlib.import_module',
      'runpy._run_code',
      'runpy.run_path',
      'code.InteractiveInterpreter',
      'pickle.loads',
      '_pickle.loads',
      'marshal.loads',
      'types.FunctionType',
      'types.CodeType',
      'functools.partial',
      'operator.attrgetter',
      'operator.methodcaller',
      'shutil.rmtree',
      'webbrowser.open',
      'ctypes.CDLL',
      'pty.spawn',
      'numpy.load',
      'numpy.testing._private.utils.runstring',
      'torch.load',
      'torch.serialization.load',
      'torch._C._import_ir_module',
      'timm.models.create_model',
    ];
    const str = (s: string) => {
      const b = Buffer.from(s, 'utf8');
      const n = Buffer.alloc(4);
      n.writeUInt32LE(b.length);
      return Buffer.concat([Buffer.from([0x58]), n, b]); // BINUNICODE
    };
    /** Each way a pickle can reach a global and call it with the command. */
    const ENCODINGS: [string, (mod: string, name: string) => Buffer][] = [
      [
        'GLOBAL + REDUCE',
        (m, n) =>
          Buffer.concat([
            Buffer.from(`\x80\x02c${m}\n${n}\n`, 'latin1'),
            str(command),
            Buffer.from('\x85R.', 'latin1'),
          ]),
      ],
      [
        'STACK_GLOBAL + REDUCE',
        (m, n) =>
          Buffer.concat([
            Buffer.from('\x80\x04', 'latin1'),
            str(m),
            str(n),
            Buffer.from('\x93', 'latin1'),
            str(command),
            Buffer.from('\x85R.', 'latin1'),
          ]),
      ],
      [
        'INST',
        (m, n) =>
          Buffer.concat([Buffer.from('(', 'latin1'), Buffer.from(`S'${command}'\ni${m}\n${n}\n.`, 'latin1')]),
      ],
      [
        'OBJ',
        (m, n) =>
          Buffer.concat([Buffer.from(`(c${m}\n${n}\n`, 'latin1'), str(command), Buffer.from('o.', 'latin1')]),
      ],
      [
        'NEWOBJ',
        (m, n) =>
          Buffer.concat([
            Buffer.from(`\x80\x02c${m}\n${n}\n`, 'latin1'),
            str(command),
            Buffer.from('\x85\x81.', 'latin1'),
          ]),
      ],
      ['BUILD on a global', (m, n) => Buffer.concat([Buffer.from(`\x80\x02c${m}\n${n}\n}b.`, 'latin1')])],
      [
        'inside a state dict',
        (m, n) =>
          Buffer.concat([
            Buffer.from('\x80\x02}(', 'latin1'),
            str('blocks.0.norm1.weight'),
            Buffer.from(`c${m}\n${n}\n`, 'latin1'),
            str(command),
            Buffer.from('\x85Ru.', 'latin1'),
          ]),
      ],
      ['EXT1 (copyreg extension registry)', () => Buffer.from('\x80\x02\x82\x01)R.', 'latin1')],
    ];

    before(() => fs.rmSync(MARKER, { force: true }));

    it(`${GLOBALS.length} globals x ${ENCODINGS.length} encodings: refused, naming the global and the fix; nothing runs`, () => {
      let n = 0;
      for (const g of GLOBALS) {
        const dot = g.lastIndexOf('.');
        for (const [how, encode] of ENCODINGS) {
          const bytes = encode(g.slice(0, dot), g.slice(dot + 1));
          try {
            unpickle(bytes, { file: 'evil.pkl' });
            assert.fail(`${g} via ${how} was accepted`);
          } catch (e) {
            assert.ok(e instanceof CheckpointError, `${g} via ${how}: ${(e as Error).stack}`);
            if (how.startsWith('EXT1')) assert.match(e.message, /EXT|extension|opcode/i);
            else if (how !== 'BUILD on a global') {
              assert.ok(e instanceof UnsafePickleError, `${g} via ${how}: ${e.message}`);
              assert.equal(
                e.globalName,
                g.replace(/^__builtin__\./, 'builtins.'),
                'Python 2 names are mapped as Python does',
              );
              assert.match(e.message, /Nothing in the file was executed/);
              assert.match(e.fix ?? '', /torch\.save\(\{'model': model\.state_dict\(\)\}, path\)/);
            }
          }
          n++;
        }
      }
      assert.equal(n, GLOBALS.length * ENCODINGS.length);
      assert.ok(!fs.existsSync(MARKER), 'the command ran');
    });

    it('inside a PyTorch zip: the checkpoint reader, the header check and `loadBackbone` refuse it, naming the file', () => {
      const dir = tmpDir();
      for (const g of ['os.system', 'builtins.eval', 'subprocess.Popen', 'runpy._run_code']) {
        const dot = g.lastIndexOf('.');
        const pkl = ENCODINGS[6][1](g.slice(0, dot), g.slice(dot + 1));
        const file = path.join(dir, `${g}.pth`);
        fs.writeFileSync(
          file,
          buildZip([
            { name: 'archive/data.pkl', data: pkl },
            { name: 'archive/byteorder', data: Buffer.from('little') },
            { name: 'archive/version', data: Buffer.from('3\n') },
          ]),
        );
        for (const read of [
          () => readCheckpointFile(file),
          () => readCheckpointHeaderInfo(file),
          () => loadBackbone(file, 'auto', TINY),
        ]) {
          assert.throws(
            read,
            (e: unknown) => e instanceof UnsafePickleError && e.file === file && e.globalName === g,
          );
        }
      }
      assert.ok(!fs.existsSync(MARKER), 'the command ran');
    });
  });

  describe('NaN and infinite weights', () => {
    const poison = (t: TensorMap, key: string, at: number, v: number) => {
      const x = t.get(key);
      assert.ok(x);
      (x.data as Float32Array)[at] = v;
    };

    it('a backbone with NaN and Inf is refused, every bad weight named with its first index', () => {
      const t = readSafetensors(path.join(PARITY_DIR, 'timm.safetensors')).tensors;
      poison(t, 'blocks.1.attn.qkv.weight', 37, Number.NaN);
      poison(t, 'norm.bias', 2, Number.POSITIVE_INFINITY);
      const f = path.join(tmpDir(), 'nan-backbone.safetensors');
      writeSafetensors(f, t);
      assert.throws(
        () => loadBackbone(f, 'auto', TINY),
        (e: unknown) =>
          e instanceof CheckpointError &&
          e.file === f &&
          /'blocks\.1\.attn\.qkv\.weight' holds 1 non-finite value \(first: NaN at \[1, 5\]\)/.test(
            e.message,
          ) &&
          /'norm\.bias' holds 1 non-finite value \(first: Infinity at \[2\]\)/.test(e.message),
      );
    });

    it('trained prompts or a head with NaN (a diverged run) are refused by predict/resume, naming the tensor', () => {
      const dir = tmpDir();
      const prompts = new Float32Array(3 * 4 * 32).fill(0.1);
      prompts[40] = Number.NaN;
      const f = path.join(dir, 'diverged.safetensors');
      writeSafetensors(
        f,
        new Map([
          ['prompts', { dtype: 'float32', shape: [3, 4, 32], data: prompts }],
          [
            'head.weight',
            { dtype: 'float32', shape: [5, 32], data: new Float32Array(160).fill(Number.NEGATIVE_INFINITY) },
          ],
          ['head.bias', { dtype: 'float32', shape: [5], data: new Float32Array(5) }],
        ]),
      );
      assert.throws(
        () => readPromptWeights(f),
        (e: unknown) =>
          e instanceof CheckpointError &&
          e.file === f &&
          /'prompts' holds 1 non-finite value \(first: NaN at \[0, 1, 8\]\); 'head\.weight' holds 160 non-finite values/.test(
            e.message,
          ) &&
          /fix: the run that wrote them diverged/.test(e.message),
      );
    });
  });
});
