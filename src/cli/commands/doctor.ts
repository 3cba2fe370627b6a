import { formatDoctorReport, runDoctor } from '../../engine/backend/doctor';

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

export async function doctorCommand(args: { json: boolean }): Promise<number> {
  const report = await runDoctor();
  process.stdout.write(
    args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctorReport(report)}\n`,
  );
  return 0;
}
