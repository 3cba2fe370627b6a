/**
 * The trainer process: forked with an IPC channel (the job is the first message) or run with the job
 * as argv[2] (`node dist/trainer.js '<json job>'`, events as JSON lines on stdout, control messages as
 * JSON lines on stdin); src/trainer/client.ts drives it either way (src/shared/trainer-contract.ts).
 * It runs one job, sends one `result` or `error` event and exits. TensorFlow.js is only ever loaded
 * here and in the CLI, never in the extension host.
 */
import * as readline from 'node:readline';

import { loadExperiment } from '../config/load-config';
import { runDoctor } from '../engine/backend/doctor';
import { trainExperiment } from '../engine/train/train-run';
import { savedRunConfig } from '../run-folder/run-resume';
import {
  DEFAULT_HEARTBEAT_MS,
  parseTrainerControl,
  parseTrainerJob,
  type TrainerEvent,
  type TrainerJob,
} from '../shared/trainer-contract';

let finished = false;

/** Sends the event over IPC when there is a channel, else as one JSON line on stdout, then exits. */
function finish(event: TrainerEvent, code: number): void {
  if (finished) return;
  finished = true;
  const exit = () => process.exit(code);
  if (process.send && process.connected) process.send(event, undefined, {}, exit);
  else process.stdout.write(`${JSON.stringify(event)}\n`, exit);
}

function fail(err: unknown): void {
  // The stack goes to stderr (the extension logs it); the event carries the message.
  if (err instanceof Error && err.stack && !finished) process.stderr.write(`${err.stack}\n`);
  finish({ type: 'error', message: err instanceof Error ? err.message : String(err) }, 1);
}

function readJob(): Promise<unknown> {
  if (process.argv[2] !== undefined) return Promise.resolve(process.argv[2]);
  if (!process.send) {
    return Promise.reject(new Error('no job: pass a JSON job as the first argument or send it over IPC'));
  }
  return new Promise((resolve) => process.once('message', resolve));
}

/** Streams an event without ending the job (IPC when there is a channel, else a JSON line). */
function send(event: TrainerEvent): void {
  if (process.send && process.connected) process.send(event);
  else process.stdout.write(`${JSON.stringify(event)}\n`);
}

// Heartbeats over IPC, and as JSON lines when a client asks for them (SPT_HEARTBEAT_MS); a person
// reading stdout gets none. unref: they never keep the process up.
if (process.send || process.env.SPT_HEARTBEAT_MS) {
  const every = Number(process.env.SPT_HEARTBEAT_MS ?? DEFAULT_HEARTBEAT_MS);
  if (Number.isFinite(every) && every > 0) {
    setInterval(() => {
      if (!finished && (!process.send || process.connected))
        send({ type: 'heartbeat', t: Date.now() / 1000 });
    }, every).unref();
  }
}

const control = { stop: false };
const requestStop = () => {
  control.stop = true;
};
process.on('SIGINT', requestStop);
process.on('SIGTERM', requestStop);
process.on('message', (m) => {
  if (parseTrainerControl(m)?.control === 'stop') requestStop();
});
// Without IPC, control messages come as JSON lines on stdin (when a client pipes it).
if (!process.send && !process.stdin.isTTY) {
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (parseTrainerControl(line)?.control === 'stop') requestStop();
  });
  lines.on('close', () => {}); // stdin closed (ignored or the client went away): no more control
  (process.stdin as { unref?: () => void }).unref?.();
}

async function run(job: TrainerJob): Promise<unknown> {
  switch (job.kind) {
    case 'doctor':
      return runDoctor();
    case 'train': {
      const exp = job.resume
        ? savedRunConfig(job.resume, job.overrides ?? [])
        : loadExperiment(job.file as string, job.overrides ?? []);
      const result = await trainExperiment(exp, {
        resumeDir: job.resume,
        lockOwner: process.send ? 'a trainer process of the extension' : 'a trainer process',
        control,
        log: (level, message) => send({ type: 'log', level, message }),
        onEvent: (event) => send({ type: 'run', event }),
      });
      return result;
    }
  }
}

// A closed stdout (the reader went away) ends the job quietly; IPC has its own channel.
process.stdout.on('error', () => process.exit(1));
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

readJob()
  .then((raw) => run(parseTrainerJob(raw)))
  .then((data) => finish({ type: 'result', data }, 0), fail);
