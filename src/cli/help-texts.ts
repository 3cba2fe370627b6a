/**
 * The help of the `spt` commands, kept apart from their modules (train, eval, predict, demo, sweep and
 * doctor load TensorFlow) so that `spt --help`, `spt <command> --help` and argument errors load
 * no command module (src/cli/command-table.ts loads a command's module only when it runs).
 */
import * as path from 'node:path';
import { TEMPLATES } from '../config/experiment-templates';
import { languageServerArgv, neovimCmd, quoteArg } from '../extension/language/language-server-command';

/** `spt init`'s template when none is named. */
export const DEFAULT_TEMPLATE = 'spt-deep';
const ids = TEMPLATES.map((t) => t.id);

export const initHelp = `usage: spt init [<name>] [--template ${ids.join('|')}] [--dir <folder>]
                [--checkpoint <file>] [--data <folder>] [--force]

Writes <dir>/<name>.spt.yaml from a template (the same ones as VS Code's "SPT: New Experiment"),
with its name, backbone checkpoint and dataset folder set; paths are written relative to the file.
Without --checkpoint or --data the template's placeholders stay: edit them before training.

Templates:
${TEMPLATES.map((t) => `  ${t.id.padEnd(14)}${t.detail}${t.id === DEFAULT_TEMPLATE ? ' (default)' : ''}`).join('\n')}

Options:
  -t, --template <id>     the template (default ${DEFAULT_TEMPLATE})
  --dir <folder>          where the file goes (default: the current folder)
  --checkpoint <file>     the pretrained backbone checkpoint (.pth, .safetensors, .npz, ...)
  --data <folder>         the dataset folder (data.root)
  --force                 replace an existing file of that name
  -h, --help              this help

Examples:
  spt init my-exp
  spt init birds --template vpt-deep --checkpoint ckpt/mae_pretrain_vit_base.pth --data data/cub
  spt init probe -t linear-probe --dir experiments`;

export const validateHelp = `usage: spt validate <experiment.spt.yaml | file.sweep.yaml> [--set key=value ...] [--no-files] [--json]

Checks the file as the editor does (the same codes, positions and messages): the schema, the
cross-field rules, values far from the published recipes, and the files it names (the checkpoint's
header against backbone.arch, the data root, the split files and their labels). Lists every problem
as file:line:column (a problem caused by a --set value names that --set argument). A sweep file is
checked with every override against the experiment's schema. Exit 2 when there is an error.

Options:
  --set key=value    override a field before checking (repeatable), as spt train would
  --no-files         skip the checks of the checkpoint, data root and split files
  --json             print {file, ok, errors, warnings, problems: [...]} on stdout
  -h, --help         this help

Examples:
  spt validate examples/cub-spt-deep.spt.yaml
  spt validate my.spt.yaml --set prompt.method=vpt
  spt validate my.spt.yaml --no-files --json
  spt validate examples/default/default.sweep.yaml`;

export const demoHelp = `usage: spt demo [--parallel N] [--set key=value ...]

The default experiment (what \`npm start\` runs): linear, VPT-deep and SPT-deep (random, mean, k-means)
x 3 seeds on the shipped Fashion-MNIST split (800 train / 200 val / 1,000 test) with the project's
MAE-pretrained small ViT, in trainer processes; prints mean +- std accuracy, trainable parameters, time
per method and each SPT variant's paired difference against VPT-deep, and writes results.md and
results.json beside the runs (examples/default/runs/).

Options:
  --parallel N       trainer processes at once (default: 2, or 1 on a one-core machine)
  --set key=value    override a field of every run's experiment (repeatable)
  -v, --verbose      debug log lines too
  -h, --help         this help

Examples:
  spt demo
  spt demo --parallel 1
  spt demo --set train.epochs=2`;

export const doctorHelp = `usage: spt doctor [--json]

Which compute backends (tensorflow-gpu, tensorflow, webgpu, native, wasm, cpu) are installed and load
here, which CUDA/cuDNN libraries the GPU backend misses, and which CPU training path loads (the native
step engine's binary, or wasm and why not native).

Options:
  --json         the report as JSON on stdout
  -h, --help     this help

Examples:
  spt doctor
  spt doctor --json`;

export const evalHelp = `usage: spt eval <run folder> [--split test|val|train] [--json]

Evaluates the run's best checkpoint (the epoch chosen on val) on a split of its experiment's data
and prints accuracy, loss and the number of images.

Options:
  --split test|val|train   the split to evaluate (default: test)
  --json                   one JSON object on stdout instead of the text line
  -v, --verbose            debug log lines too
  -h, --help               this help

Examples:
  spt eval runs/my-exp/20250101-120000
  spt eval runs/my-exp/20250101-120000 --split val --json`;

export const predictHelp = `usage: spt predict <experiment.spt.yaml> --images <split file> --out <file.jsonl> [--weights <checkpoint>]
                   [--force] [--set key=value ...] [--batch-size N]

Writes one JSON object per image: {"image", "logits", "pred"} (the image path as in the split file).
--out is written atomically and never replaces an input: the experiment file, the images list or a
listed image, a checkpoint, a split file or a folder are refused, and so is an existing file that is
not an earlier \`spt predict\` output (unless --force).

Options:
  --images <file>        the images: a split file (path and label per line) or a VPT-style .json
  --out <file.jsonl>     where the predictions go
  --weights <file>       trained prompts and head: a run checkpoint or the SPT authors' checkpoint;
                         without it they are initialised as training would (seeded)
  --force                replace an existing --out that is not a predictions file (never an input)
  --set key=value        override a field of the experiment file (repeatable)
  --batch-size N         images per forward pass (default 16)
  -v, --verbose          debug log lines too
  -h, --help             this help

Examples:
  spt predict my.spt.yaml --images test.txt --out preds.jsonl
  spt predict my.spt.yaml --images test.txt --out preds.jsonl \\
      --weights runs/my-exp/20250101-120000/checkpoints/best-0000120.safetensors`;

export const sweepHelp = `usage: spt sweep <file.sweep.yaml> [--parallel N] [--dry-run [--json]]
       spt sweep <file.sweep.yaml> --slurm [--partition P] [--gres gpu:1] [--time 01:00:00] [--account A]
           [--max-concurrent K] [--cpus-per-task C] [--poll SECONDS] [--no-wait] [--resubmit-failed]

Runs a sweep (docs/SWEEPS.md): every task x grid setting, the setting chosen on val per task, then the
final seeds of the chosen setting; writes sweep.json, results.md and results.csv in
<experiment output.dir>/sweeps/<name>/ and prints the table. Runs that finished with the same config
are skipped, interrupted ones resumed, failed and missing ones run again.
With --slurm: one job array per phase (one task per run), submitted with sbatch and followed with
squeue/sacct until it ends; then selection, the final array and the table. Run it again to continue
(it waits for queued arrays instead of submitting twice).

Options:
  --parallel N          trainer processes at once (default: one per GPU in CUDA_VISIBLE_DEVICES, else 1)
  --dry-run             print the plan (start, resume or skip per run) and run nothing
  --json                with --dry-run: the plan as JSON on stdout
  --events              each run's events as JSON lines on stdout, tagged with the run's name (what the
                        editor reads to show a sweep's runs live)
  --slurm               run on a Slurm cluster (sbatch must be on PATH)
  --partition P, --gres G, --time T, --account A
                        passed to sbatch
  --max-concurrent K    at most K array tasks at once (sbatch --array=...%K)
  --cpus-per-task C     CPUs per array task
  --poll SECONDS        how often squeue/sacct are asked (default 30)
  --no-wait             submit and return (run the command again to continue)
  --resubmit-failed     submit again the runs whose Slurm task failed
  -v, --verbose         debug log lines too
  -h, --help            this help

Examples:
  spt sweep examples/default/default.sweep.yaml --dry-run
  spt sweep examples/default/default.sweep.yaml --parallel 2
  spt sweep my.sweep.yaml --slurm --partition gpu --gres gpu:1 --time 02:00:00`;

export const sweepTaskHelp = `usage: spt sweep-task <tasks.json> <index>

Runs one run of a sweep's Slurm job array (written by spt sweep --slurm): skips it when it finished,
  resumes it when it was interrupted, else trains it.`;

export const trainHelp = `usage: spt train <experiment.spt.yaml> [--set key=value ...] [--json]
       spt train --resume <run folder> [--json]

Trains into <output.dir>/<name>/<YYYYMMDD-HHMMSS>/ (output.dir defaults to runs/ beside the experiment
file). Ctrl+C (SIGINT) or SIGTERM saves a resumable checkpoint at the next step. --resume continues a
run exactly (its saved config.yaml is used) and says from which epoch and step; a run stopped before
its first checkpoint starts again from the beginning in the same folder; a finished run is left as it is.

Options:
  --resume <run folder>   continue a stopped, interrupted or failed run from its last checkpoint
  --set key=value         override a field of the experiment file (repeatable), e.g. --set train.lr=0.01
  --json                  stream the run's events as JSON lines on stdout
  -v, --verbose           debug log lines too
  -h, --help              this help

Examples:
  spt train my.spt.yaml
  spt train my.spt.yaml --set train.lr=0.01 --set seed=1
  spt train --resume runs/my-exp/20250101-120000`;

/**
 * `spt lsp --help`, with the exact line that starts this CLI's server (`cliFile`: the running dist/cli.js),
 * the same line "SPT: Copy Language Server Command" copies for the installed extension.
 */
export function lspHelp(cliFile: string, platform: NodeJS.Platform = process.platform): string {
  const argv = languageServerArgv(path.dirname(path.dirname(path.resolve(cliFile))));
  return `usage: spt lsp --stdio

The experiment-file language server (diagnostics, hover, completion, quick fixes for *.spt.yaml and
*.sweep.yaml) over stdin/stdout, for editors other than VS Code. Node.js 20.18.1 or newer on the PATH.

This CLI's server starts with:
  ${argv.map((a) => quoteArg(a, platform)).join(' ')}
(in VS Code, "SPT: Copy Language Server Command" copies the installed extension's line).

Example (Neovim): vim.lsp.start({ name = 'spt', cmd = ${neovimCmd(argv)} })
Helix and Neovim 0.11+: docs/LANGUAGE-SERVER.md ("Other editors").`;
}
