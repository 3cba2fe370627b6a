/**
 * A real single-node Slurm cluster for tests, on localhost, from Debian's `slurm-wlm` (which brings
 * `munge`): a private munged (its own key and socket), slurmctld and slurmd started as child
 * processes in the foreground (-D), with a generated slurm.conf (cgroup-free: proctrack/linuxproc,
 * task/none, select/cons_tres; no accounting) and every state, spool, log and socket in a temp folder.
 * Client commands (sbatch, squeue, ...) find it through SLURM_CONF in `env`. stop() cancels every job,
 * stops the daemons (SIGKILL after a grace period) and removes the folder; an exiting test process
 * kills the daemons too, so none outlives the tests.
 *
 * Install: `apt-get install -y slurm-wlm` (Debian/Ubuntu; munge comes with it). Daemons run as the
 * current user (root in CI containers; SlurmUser and SlurmdUser are set to it).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const DAEMONS = ['munged', 'slurmctld', 'slurmd'] as const;
const CLIENTS = ['sbatch', 'squeue', 'sinfo', 'scancel', 'scontrol'] as const;
export const SLURM_INSTALL_HINT =
  'install Slurm to run it: `apt-get install -y slurm-wlm` (Debian/Ubuntu; brings munge)';

function which(cmd: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const d of dirs) {
    const f = path.join(d, cmd);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      // next
    }
  }
  return null;
}

/** The Slurm and munge programs that are missing here (empty: a cluster can be started). */
export function missingSlurmBinaries(): string[] {
  return [...DAEMONS, ...CLIENTS].filter((c) => !which(c));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ms: number, check: () => boolean, logs: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await sleep(200);
  }
  throw new Error(`slurm test cluster: ${what} within ${ms} ms\n${logs()}`);
}

export interface SlurmCluster {
  dir: string;
  /** process.env plus SLURM_CONF: pass it to sbatch, squeue and to `spt sweep --slurm`. */
  env: NodeJS.ProcessEnv;
  /** Runs a Slurm client command against this cluster. */
  client(cmd: string, args: string[]): { code: number; stdout: string; stderr: string };
  /** The daemons' logs (for failure messages). */
  logs(): string;
  stop(): Promise<void>;
}

export async function startSlurmCluster(opts: { cpus?: number } = {}): Promise<SlurmCluster> {
  const missing = missingSlurmBinaries();
  if (missing.length)
    throw new Error(`slurm test cluster: missing ${missing.join(', ')}; ${SLURM_INSTALL_HINT}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-slurm-'));
  fs.chmodSync(dir, 0o755); // munged wants the socket's folders searchable by everyone
  for (const d of ['munge', 'state', 'spool', 'log']) fs.mkdirSync(path.join(dir, d), { mode: 0o755 });
  const user = os.userInfo().username;
  const conf = path.join(dir, 'slurm.conf');
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  const outputs = new Map<string, string>();
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const start = (name: string, cmd: string, args: string[]) => {
    const c = spawn(which(cmd) ?? cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    outputs.set(name, '');
    const keep = (d: Buffer) => outputs.set(name, ((outputs.get(name) ?? '') + d).slice(-4000));
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    children.push(c);
    return c;
  };
  const logs = () => {
    const files = ['slurmctld.log', 'slurmd.log'].map((f) => {
      try {
        return `--- ${f}\n${fs.readFileSync(path.join(dir, 'log', f), 'utf8').slice(-3000)}`;
      } catch {
        return '';
      }
    });
    return [...[...outputs].map(([k, v]) => `--- ${k}\n${v}`), ...files].join('\n');
  };
  const client = (cmd: string, args: string[]) => {
    const r = spawnSync(which(cmd) ?? cmd, args, { env, encoding: 'utf8', timeout: 30_000 });
    return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };

  const stop = async () => {
    client('scancel', ['--quiet', `--user=${user}`]);
    const end = Date.now() + 15_000;
    while (Date.now() < end && client('squeue', ['-h']).stdout.trim()) await sleep(300);
    for (const c of [...children].reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await exited;
      }
    }
    process.removeListener('exit', killAll);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    // munge: its own key and socket, so the machine's munged (if any) is never touched.
    const key = path.join(dir, 'munge', 'munge.key');
    fs.writeFileSync(key, crypto.randomBytes(1024), { mode: 0o400 });
    const socket = path.join(dir, 'munge', 'munge.sock');
    start('munged', 'munged', [
      '-F',
      '--force',
      `--socket=${socket}`,
      `--key-file=${key}`,
      `--log-file=${path.join(dir, 'log', 'munged.log')}`,
      `--pid-file=${path.join(dir, 'munge', 'munged.pid')}`,
      `--seed-file=${path.join(dir, 'munge', 'munged.seed')}`,
    ]);
    await waitFor('munged did not create its socket', 10_000, () => fs.existsSync(socket), logs);

    const [ctldPort, dPort] = [await freePort(), await freePort()];
    const cpus = opts.cpus ?? os.cpus().length;
    fs.writeFileSync(
      conf,
      [
        'ClusterName=spttest',
        'SlurmctldHost=localhost(127.0.0.1)',
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${socket}`,
        `SlurmUser=${user}`,
        `SlurmdUser=${user}`,
        `StateSaveLocation=${path.join(dir, 'state')}`,
        `SlurmdSpoolDir=${path.join(dir, 'spool')}`,
        `SlurmctldPidFile=${path.join(dir, 'slurmctld.pid')}`,
        `SlurmdPidFile=${path.join(dir, 'slurmd.pid')}`,
        `SlurmctldLogFile=${path.join(dir, 'log', 'slurmctld.log')}`,
        `SlurmdLogFile=${path.join(dir, 'log', 'slurmd.log')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'JobCompType=jobcomp/none',
        'MpiDefault=none',
        'SwitchType=switch/none',
        'ReturnToService=2',
        'SchedulerType=sched/backfill',
        'MinJobAge=300',
        'InactiveLimit=0',
        'KillWait=5',
        `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=1000 State=UNKNOWN`,
        'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    start('slurmctld', 'slurmctld', ['-D', '-i', '-f', conf]);
    start('slurmd', 'slurmd', ['-D', '-N', 'localhost', '-f', conf]);
    await waitFor(
      'the node did not become idle',
      30_000,
      () => {
        for (const c of children)
          if (c.exitCode !== null)
            throw new Error(`slurm test cluster: a daemon exited (${c.exitCode})\n${logs()}`);
        return /^idle/m.test(client('sinfo', ['-h', '-N', '-o', '%T']).stdout);
      },
      logs,
    );
    return { dir, env, client, logs, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
