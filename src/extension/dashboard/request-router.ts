/**
 * Answers one validated data request of a panel: refuses a run folder the panel does not show, runs
 * the kind's handler and wraps the outcome as the one `response` of that requestId. Pure Node.
 */
import * as path from 'node:path';
import type { DashboardRequest, ToWebview } from '../../shared/webview-contract';
import { HANDLERS } from './run-artifacts';

export type ResponseMessage = Extract<ToWebview, { type: 'response' }>;

/** The panel's run folder equal to `runDir`, or undefined. */
export function shownRun(shown: readonly string[], runDir: string): string | undefined {
  const want = path.resolve(runDir);
  return shown.find((d) => path.resolve(d) === want);
}

export function answerRequest(req: DashboardRequest, shown: readonly string[]): ResponseMessage {
  const { requestId } = req;
  try {
    const runDir = shownRun(shown, req.params.runDir);
    if (!runDir)
      throw new Error(
        `refused: ${req.params.runDir} is not a run this dashboard shows; open its own dashboard (SPT: Open Dashboard)`,
      );
    const handler = HANDLERS[req.kind] as (p: typeof req.params) => unknown;
    const result = handler({ ...req.params, runDir });
    return { type: 'response', payload: { requestId, ok: true, result } };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { type: 'response', payload: { requestId, ok: false, error } };
  }
}
