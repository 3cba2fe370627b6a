/**
 * Boundaries (issue 9): an untrusted workspace never starts a trainer (the extension's commands run
 * against a stand-in `vscode` module), a workspace cannot choose the program trainers run with, the
 * trainer treats config values as data, and runs never share a folder: many processes creating run
 * folders with the same time stamp, two trainings of one experiment at once, and a CLI run that the
 * extension sees as running (not interrupted) and cannot resume a second time (the run lock).
 */
import * as assert from 'node:assert/strict';
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ConfigError, loadExperiment, parseExperiment } from '../../../src/config/load-config';
import { readRunRecord } from '../../../src/extension/runs/run-discovery';
import {
  acquireRunLock,
  RUN_LOCK_FILE,
  RunLockedError,
  runLockHolder,
} from '../../../src/run-folder/run-lock';
import { validate } from '../../../src/server/language-service';
import { TrainerClient } from '../../../src/trainer/client';
import {
  cases,
  comparable,
  EPOCHS,
  faultExperiment,
  hasDist,
  metricsOf,
  ROOT,
  removeScratch,
  STEPS_PER_EPOCH,
  spt,
  TRAINER,
  tmpDir,
} from './harness';

// ---------------------------------------------------------------- a stand-in for the vscode module

/** Anything: every property is another stand-in, calls resolve to undefined, `new` works. */
function anything(name: string): unknown {
  return new Proxy(() => {}, {
    get(_t, prop) {
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      return anything(`${name}.${prop}`);
    },
    apply: () => Promise.resolve(undefined),
    construct: () => anything(`new ${name}`) as object,
  });
}

/** An object whose listed members are real and whose other members are stand-ins. */
function partly<T extends object>(name: string, real: T): T {
  return new Proxy(real, {
    get(t, prop) {
      if (prop in t) return (t as Record<string | symbol, unknown>)[prop];
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      return anything(`${name}.${String(prop)}`);
    },
  });
}

interface FakeState {
  trusted: boolean;
  userSettings: Record<string, unknown>;
  workspaceSettings: Record<string, unknown>;
  warnings: string[];
}

/** The members of `vscode` the extension uses (a module's keys must be real for `import *`). */
const VSCODE_MEMBERS = [
  'commands',
  'languages',
  'extensions',
  'env',
  'Disposable',
  'EventEmitter',
  'CodeLens',
  'TreeItem',
  'TreeItemCollapsibleState',
  'ThemeIcon',
  'ThemeColor',
  'MarkdownString',
  'Range',
  'Position',
  'ViewColumn',
  'StatusBarAlignment',
  'ExtensionMode',
  'ProgressLocation',
  'ConfigurationTarget',
];

function fakeVscode(state: FakeState): Record<string, unknown> {
  const configuration = () =>
    partly('configuration', {
      get: (key: string, dflt?: unknown) => state.workspaceSettings[key] ?? state.userSettings[key] ?? dflt,
      inspect: (key: string) => ({
        key,
        globalValue: state.userSettings[key],
        workspaceValue: state.workspaceSettings[key],
      }),
    });
  class Uri {
    constructor(readonly fsPath: string) {}
    static file(p: string) {
      return new Uri(p);
    }
    static joinPath(u: Uri, ...parts: string[]) {
      return new Uri(path.join(u.fsPath, ...parts));
    }
  }
  const fake: Record<string, unknown> = {
    Uri,
    workspace: partly('workspace', {
      get isTrusted() {
        return state.trusted;
      },
      getConfiguration: configuration,
      textDocuments: [],
      workspaceFolders: [],
      findFiles: async () => [],
      asRelativePath: (p: unknown) => String(p),
    }),
    window: partly('window', {
      showWarningMessage: (m: string) => {
        state.warnings.push(m);
        return Promise.resolve(undefined);
      },
      withProgress: (_o: unknown, task: (p: unknown, t: unknown) => unknown) =>
        task({ report() {} }, { onCancellationRequested() {}, isCancellationRequested: false }),
      activeTextEditor: undefined,
    }),
  };
  for (const m of VSCODE_MEMBERS) fake[m] = anything(`vscode.${m}`);
  return fake;
}

/**
 * Runs `n` copies of `body` (JavaScript, run with tsx) in separate processes that all start it at the
 * same moment: each says it is ready, waits for a go file, then runs. Resolves with their stdouts.
 */
async function raceProcesses(n: number, body: string): Promise<string[]> {
  const dir = tmpDir('spt-race-');
  const go = path.join(dir, 'go');
  const script = `
    const fs = require('node:fs');
    fs.writeFileSync(${JSON.stringify(dir)} + '/ready-' + process.pid, '');
    while (!fs.existsSync(${JSON.stringify(go)})) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    ${body}
  `;
  const done = Array.from(
    { length: n },
    () =>
      new Promise<string>((res, rej) =>
        childProcess.execFile(
          process.execPath,
          ['--require', 'tsx/cjs', '-e', script],
          { cwd: ROOT, maxBuffer: 1 << 20 },
          (err, stdout, stderr) => (err ? rej(new Error(`${err.message}\n${stderr}`)) : res(stdout)),
        ),
      ),
  );
  while (fs.readdirSync(dir).filter((f) => f.startsWith('ready-')).length < n)
    await new Promise((r) => setTimeout(r, 10));
  fs.writeFileSync(go, '');
  return Promise.all(done);
}

// ------------------------------------------------------------------------------------------------

describe('reliability: boundaries', function () {
  this.timeout(180_000);
  after(removeScratch);

  describe('workspace trust', () => {
    const state: FakeState = { trusted: false, userSettings: {}, workspaceSettings: {}, warnings: [] };
    const FAKE = path.join(ROOT, 'node_modules', '.spt-test-fake-vscode.js');
    type Cmds = Record<string, { run: (ctx: unknown, ...args: unknown[]) => unknown }>;
    let COMMANDS: Cmds;
    let settings: { nodePathSetting(): string };
    let cliRunner: { runCliText(ext: string, args: string[], logger: unknown): Promise<unknown> };
    const resolve = (Module as unknown as { _resolveFilename: (...a: unknown[]) => string })._resolveFilename;
    const started: string[] = [];
    // The module object itself (the namespace import's members are read-only).
    const cp = require('node:child_process') as Record<string, unknown>;
    const saved = { fork: cp.fork, spawn: cp.spawn, execFile: cp.execFile };

    before(() => {
      (Module as unknown as { _resolveFilename: (...a: unknown[]) => string })._resolveFilename = function (
        this: unknown,
        request: unknown,
        ...rest: unknown[]
      ) {
        return request === 'vscode' ? FAKE : resolve.call(this, request, ...rest);
      };
      require.cache[FAKE] = {
        id: FAKE,
        filename: FAKE,
        loaded: true,
        exports: fakeVscode(state),
      } as NodeJS.Module;
      // Every way the extension starts a process is recorded (and nothing is started).
      cp.fork = (m: string) => {
        started.push(`fork ${m}`);
        throw new Error('no process in this test');
      };
      cp.spawn = (c: string) => {
        started.push(`spawn ${c}`);
        throw new Error('no process in this test');
      };
      cp.execFile = (
        file: string,
        args: string[],
        _o: unknown,
        cb: (e: unknown, out: string, err: string) => void,
      ) => {
        started.push(`execFile ${file} ${args.join(' ')}`);
        cb(null, '{}', '');
      };
      // Fresh copies of the extension's modules, bound to this stand-in (other tests may have
      // loaded them with theirs).
      forgetExtensionModules();
      COMMANDS = require('../../../src/extension/commands').COMMANDS;
      settings = require('../../../src/extension/settings');
      cliRunner = require('../../../src/extension/common/cli-runner');
    });
    after(() => {
      (Module as unknown as { _resolveFilename: unknown })._resolveFilename = resolve;
      delete require.cache[FAKE];
      forgetExtensionModules();
      Object.assign(cp, saved);
    });

    function forgetExtensionModules() {
      const ext = path.join(ROOT, 'src', 'extension') + path.sep;
      for (const k of Object.keys(require.cache)) if (k.startsWith(ext)) delete require.cache[k];
    }

    function fakeContext(enqueued: unknown[]) {
      return partly('ctx', {
        extensionPath: ROOT,
        backendsDir: path.join(os.tmpdir(), 'spt-no-backends'),
        backendDirs: () => [],
        views: () => [],
        enqueueTrain: (job: unknown) => {
          enqueued.push(job);
          return 'run-1';
        },
        queue: partly('queue', {
          enqueue: (job: unknown) => {
            enqueued.push(job);
            return 'run-1';
          },
          get: () => undefined,
          byRunDir: () => undefined,
          active: () => [],
          list: () => [],
          onDidChange: () => ({ dispose() {} }),
        }),
      });
    }

    it('no command starts a trainer, npm or a resume in an untrusted workspace; the ones that would say why', async () => {
      state.trusted = false;
      const runDir = path.join(tmpDir(), 'runs', 'x', '20260101-000000');
      fs.mkdirSync(path.join(runDir, 'checkpoints'), { recursive: true });
      fs.writeFileSync(path.join(runDir, 'checkpoints', 'last.json'), '{}');
      const file = path.join(path.dirname(runDir), 'x.spt.yaml');
      fs.writeFileSync(file, 'name: x\n');
      const enqueued: unknown[] = [];
      const ctx = fakeContext(enqueued);
      started.length = 0;
      state.warnings.length = 0;
      for (const [id, { run }] of Object.entries(COMMANDS)) {
        for (const arg of [undefined, file, runDir]) {
          try {
            await run(ctx, arg);
          } catch {
            // the stand-in vscode cannot do everything a command wants; only starting things matters
          }
        }
        assert.deepEqual(enqueued, [], `${id} enqueued a job in an untrusted workspace`);
        const trainers = started.filter((s) => !/dist[/\\]cli\.js (validate|doctor)/.test(s));
        assert.deepEqual(trainers, [], `${id} started a process in an untrusted workspace`);
      }
      for (const what of ['Run Experiment', 'Re-run with Another Seed', 'Resume Run', 'Install GPU Backend'])
        assert.ok(
          state.warnings.some((w) =>
            w.includes(`SPT: ${what} starts processes and is disabled in an untrusted workspace`),
          ),
          `${what} explains the refusal: ${state.warnings.join(' | ')}`,
        );
    });

    it('the same commands do start runs once the workspace is trusted (the test can see it)', async () => {
      state.trusted = true;
      const runDir = path.join(tmpDir(), 'runs', 'x', '20260101-000000');
      fs.mkdirSync(path.join(runDir, 'checkpoints'), { recursive: true });
      fs.writeFileSync(path.join(runDir, 'checkpoints', 'last.json'), '{}');
      const enqueued: unknown[] = [];
      const ctx = fakeContext(enqueued);
      await COMMANDS['spt.runExperiment'].run(ctx, path.join(runDir, 'x.spt.yaml'));
      await COMMANDS['spt.resumeRun'].run(ctx, runDir);
      assert.deepEqual(enqueued, [
        { kind: 'train', file: path.join(runDir, 'x.spt.yaml') },
        { kind: 'train', resume: runDir },
      ]);
      state.trusted = false;
    });

    it("a workspace's spt.nodePath is ignored until the workspace is trusted (the user's own value counts)", async () => {
      state.workspaceSettings.nodePath = '/workspace/evil-node';
      state.userSettings.nodePath = '';
      state.trusted = false;
      assert.equal(settings.nodePathSetting(), '');
      started.length = 0;
      await cliRunner.runCliText(ROOT, ['validate', 'x.spt.yaml'], anything('logger'));
      assert.equal(
        started[0],
        `execFile ${process.execPath} ${path.join(ROOT, 'dist', 'cli.js')} validate x.spt.yaml`,
      );
      state.userSettings.nodePath = '/usr/bin/node-of-the-user';
      assert.equal(settings.nodePathSetting(), '/usr/bin/node-of-the-user');
      state.trusted = true;
      assert.equal(settings.nodePathSetting(), '/workspace/evil-node');
      state.trusted = false;
      state.workspaceSettings = {};
      state.userSettings = {};
    });
  });

  describe('configs are data', () => {
    const marker = () => path.join(os.tmpdir(), `spt-config-marker-${process.pid}`);
    const HOSTILE = [
      `name: !!js/function "function () { require('fs').writeFileSync('${'MARKER'}', 'x') }"`,
      `name: !!js/eval "require('fs').writeFileSync('MARKER', 'x')"`,
      `name: !!python/object/apply:os.system ["touch MARKER"]`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile value, on purpose
      'name: ${process.exit(3)}',
      'name: "{{ 7 * 7 }}"',
      'name: $(touch MARKER)',
      'name: "`touch MARKER`"',
      `name: x\n__proto__: {polluted: true}`,
      `name: x\nconstructor: {prototype: {polluted: true}}`,
      `name: x\ntrain: {lr: !!js/regexp /a/, epochs: !!js/undefined ''}`,
      `name: &a [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]`,
      `name: x\nbackbone: {arch: vit_tiny_patch16_224, checkpoint: "$(touch MARKER).pth"}\ndata: {root: "\`touch MARKER\`", train: t.txt, num_classes: 2}`,
    ];

    it(`${HOSTILE.length} hostile values: each is a reported problem or a plain string; nothing runs, nothing is polluted`, () => {
      const dir = tmpDir();
      for (const [i, text] of HOSTILE.entries()) {
        const body = text.replaceAll('MARKER', marker());
        const file = path.join(dir, `h${i}.spt.yaml`);
        fs.writeFileSync(
          file,
          `${body}\n${body.includes('backbone:') ? '' : 'backbone: {arch: vit_tiny_patch16_224, checkpoint: null}\ndata: {root: ., train: t.txt, num_classes: 2}\n'}`,
        );
        try {
          const exp = loadExperiment(file);
          // Accepted only as plain data.
          assert.equal(typeof exp.config.name, 'string', text);
        } catch (e) {
          assert.ok(e instanceof ConfigError, `${text}: ${(e as Error).stack}`);
          assert.ok(e.problems.length > 0);
        }
        const parsed = parseExperiment(fs.readFileSync(file, 'utf8'), [
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile value, on purpose
          'name=${process.exit(4)}',
          'seed=$(touch x)',
        ]);
        assert.ok(parsed.problems.length > 0, `${text}: the overrides are reported`);
        validate(TextDocument.create(`file://${file}`, 'yaml', 1, fs.readFileSync(file, 'utf8')));
        assert.ok(!fs.existsSync(marker()), `${text} ran something`);
        assert.equal(
          ({} as Record<string, unknown>).polluted,
          undefined,
          `${text} polluted Object.prototype`,
        );
      }
      // What the error says for the tags: the YAML parser's own words, at the value.
      fs.writeFileSync(
        path.join(dir, 'tag.spt.yaml'),
        `${HOSTILE[0]}\nbackbone: {arch: vit_tiny_patch16_224}\ndata: {root: ., train: t.txt, num_classes: 2}\n`,
      );
      assert.throws(
        () => loadExperiment(path.join(dir, 'tag.spt.yaml')),
        /tag\.spt\.yaml:1:\d+: (warning|error): .*(js\/function|Unresolved tag)/,
      );
    });

    it('`spt validate` and `spt train` on a hostile file: exit 2, nothing runs', async function () {
      if (!hasDist()) this.skip();
      const dir = tmpDir();
      for (const [cmd, text] of [
        ['validate', HOSTILE[2]],
        ['train', HOSTILE[11]],
      ]) {
        const file = path.join(dir, `${cmd}.spt.yaml`);
        const rest = text.includes('backbone:')
          ? ''
          : 'backbone: {arch: vit_tiny_patch16_224, checkpoint: null}\ndata: {root: ., train: t.txt, num_classes: 2}\n';
        fs.writeFileSync(file, `${text.replaceAll('MARKER', marker())}\n${rest}`);
        const r = await spt([cmd, file]);
        assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
        assert.ok(!fs.existsSync(marker()));
      }
    });
  });

  describe('run folders are never shared', () => {
    it(`${cases(8, 32)} processes x 10 run folders with the same time stamp: all distinct`, async () => {
      const out = tmpDir();
      const n = cases(8, 32);
      const runs = await raceProcesses(
        n,
        `const { createRunDir } = require(${JSON.stringify(path.join(ROOT, 'src/run-folder/run-folder.ts'))});
        const made = [];
        for (let i = 0; i < 10; i++) made.push(createRunDir(${JSON.stringify(out)}, 'same', new Date(2026, 0, 1, 12, 0, 0)));
        process.stdout.write(JSON.stringify(made));`,
      );
      const all = runs.flatMap((r) => JSON.parse(r) as string[]);
      assert.equal(all.length, n * 10);
      assert.equal(new Set(all).size, all.length, 'two processes got the same folder');
      const onDisk = fs.readdirSync(path.join(out, 'same'));
      assert.equal(onDisk.length, all.length);
      assert.ok(onDisk.every((d) => /^20260101-120000(-\d+)?$/.test(d)));
      assert.ok(all.every((d) => fs.existsSync(path.join(d, 'checkpoints'))));
    });

    it('two trainings of one experiment at once: two folders, the same numbers', async function () {
      if (!hasDist()) this.skip();
      const dir = tmpDir();
      const file = faultExperiment(dir);
      const short = ['--set', 'train.epochs=2', '--set', 'analysis.every_epochs=0'];
      const [a, b] = await Promise.all([spt(['train', file, ...short]), spt(['train', file, ...short])]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const base = path.join(dir, 'runs', 'faults');
      const folders = fs.readdirSync(base).map((d) => path.join(base, d));
      assert.equal(folders.length, 2);
      const [ma, mb] = folders.map(metricsOf);
      assert.equal(ma.length, 2 * (STEPS_PER_EPOCH + 1) + 1);
      assert.deepEqual(comparable(ma), comparable(mb));
    });

    it('a CLI run shows as running (not resumable) to the extension, which cannot resume it while it trains', async function () {
      if (!hasDist()) this.skip();
      const dir = tmpDir();
      const file = faultExperiment(dir);
      // The CLI run pauses after its first checkpoint until the test releases it.
      const release = path.join(dir, 'release');
      const cli = childProcess.spawn(process.execPath, [path.join(ROOT, 'bin', 'spt.js'), 'train', file], {
        stdio: 'ignore',
        env: { ...process.env, SPT_TEST_FAULT: 'train:epoch@1:wait', SPT_TEST_FAULT_RELEASE: release },
      });
      const exited = new Promise<number | null>((r) => cli.on('exit', (c) => r(c)));
      const base = path.join(dir, 'runs', 'faults');
      let runDir = '';
      let out: Awaited<TrainerClient['done']>;
      try {
        for (let i = 0; i < 600 && !runDir; i++) {
          await new Promise((r) => setTimeout(r, 50));
          const d = fs.existsSync(base) ? fs.readdirSync(base)[0] : undefined;
          if (d && fs.existsSync(path.join(base, d, 'checkpoints', 'last.json'))) runDir = path.join(base, d);
        }
        assert.ok(runDir, 'the CLI run saved a checkpoint');
        const rec = readRunRecord(runDir); // the extension knows no process for it
        assert.equal(cli.exitCode, null);
        assert.equal(rec.status, 'running', JSON.stringify(rec));
        assert.equal(rec.resumable, false);
        assert.equal(runLockHolder(runDir)?.pid, cli.pid);
        const p = new TrainerClient({
          trainerPath: TRAINER,
          job: { kind: 'train', resume: runDir },
          logFile: path.join(dir, 'resume.log'),
        });
        p.start();
        out = await p.done;
        assert.equal(cli.exitCode, null, 'the CLI run was still in its pause');
      } finally {
        fs.writeFileSync(release, ''); // never leave the CLI run waiting
      }
      assert.equal(out.type, 'failed');
      assert.match(
        out.type === 'failed' ? out.message : '',
        new RegExp(
          `is being written by another process \\(pid ${cli.pid} on .*, spt train, since .*\\); stop that run first`,
        ),
      );
      assert.equal(await exited, 0);
      assert.equal(
        metricsOf(runDir).length,
        EPOCHS * (STEPS_PER_EPOCH + 1) + 1,
        'the CLI run was not disturbed',
      );
      assert.ok(!fs.existsSync(path.join(runDir, RUN_LOCK_FILE)), 'the lock is gone with the run');
      assert.equal(readRunRecord(runDir).status, 'finished');
    });

    describe('the run lock', () => {
      const sleeper = () =>
        childProcess.spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });

      it('refuses a second writer while the first lives, takes over once it is gone', async () => {
        const dir = tmpDir();
        const held = acquireRunLock(dir, 'test');
        assert.throws(() => acquireRunLock(dir), RunLockedError);
        held.release();
        assert.ok(!fs.existsSync(path.join(dir, RUN_LOCK_FILE)));
        // A lock left by a killed process is stale.
        const child = sleeper();
        const lock = {
          pid: child.pid,
          host: os.hostname(),
          procStart: null,
          startedAt: 'then',
          by: 'spt train',
          nonce: 'x',
        };
        fs.writeFileSync(path.join(dir, RUN_LOCK_FILE), JSON.stringify(lock));
        assert.throws(
          () => acquireRunLock(dir),
          /being written by another process \(pid \d+ on .*, spt train, since then\)/,
        );
        child.kill('SIGKILL');
        await new Promise((r) => child.on('exit', r));
        const taken = acquireRunLock(dir);
        assert.equal(runLockHolder(dir)?.pid, process.pid);
        taken.release();
      });

      it('a reused pid, a lock from another host and a garbage lock', () => {
        const dir = tmpDir();
        const file = path.join(dir, RUN_LOCK_FILE);
        const self = { pid: process.pid, host: os.hostname(), startedAt: 't', by: 'b', nonce: 'n' };
        if (fs.existsSync(`/proc/${process.pid}/stat`)) {
          // Our own pid, but a different start time: another process that had the pid once.
          fs.writeFileSync(file, JSON.stringify({ ...self, procStart: '1' }));
          assert.equal(runLockHolder(dir), null, 'a reused pid is not alive');
        }
        fs.writeFileSync(file, JSON.stringify({ ...self, host: 'elsewhere', procStart: null }));
        assert.equal(runLockHolder(dir)?.host, 'elsewhere', 'a fresh lock of another host counts');
        const old = new Date(Date.now() - 60 * 60_000);
        fs.utimesSync(file, old, old);
        assert.equal(runLockHolder(dir), null, 'an hour without a refresh: stale');
        fs.writeFileSync(file, '\u0000garbage');
        fs.utimesSync(file, old, old);
        acquireRunLock(dir).release();
      });

      it(`${cases(4, 24)} processes race for one stale lock: exactly one wins`, async () => {
        const dir = tmpDir();
        const child = sleeper();
        const pid = child.pid;
        child.kill('SIGKILL');
        await new Promise((r) => child.on('exit', r));
        fs.writeFileSync(
          path.join(dir, RUN_LOCK_FILE),
          JSON.stringify({
            pid,
            host: os.hostname(),
            procStart: null,
            startedAt: 't',
            by: 'dead',
            nonce: 'dead',
          }),
        );
        const results = await raceProcesses(
          cases(4, 24),
          `const { acquireRunLock } = require(${JSON.stringify(path.join(ROOT, 'src/run-folder/run-lock.ts'))});
          try { acquireRunLock(${JSON.stringify(dir)}); process.stdout.write('won'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000); }
          catch (e) { process.stdout.write(e.name); }`,
        );
        assert.equal(results.filter((r) => r === 'won').length, 1, results.join(' '));
        assert.ok(
          results.every((r) => r === 'won' || r === 'RunLockedError'),
          results.join(' '),
        );
      });
    });
  });
});
