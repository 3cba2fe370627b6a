import { formatDoctorReport, runDoctor } from '../../engine/backend/doctor';

export async function doctorCommand(args: { json: boolean }): Promise<number> {
  const report = await runDoctor();
  process.stdout.write(
    args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctorReport(report)}\n`,
  );
  return 0;
}
