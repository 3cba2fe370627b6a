/**
 * The dashboard webview. Posts `initialized` once loaded, then renders whatever state the extension
 * sends (as text for now). Loaded as a file under a nonce CSP: no inline script, no network.
 */
import type { DashboardState, RunSummary, ToExtension, ToWebview } from '../../src/shared/webview-contract';

interface VsCodeApi {
  postMessage(message: ToExtension): void;
  getState(): Partial<DashboardState> | undefined;
  setState(state: Partial<DashboardState>): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let state: Partial<DashboardState> = vscode.getState() ?? {};

function describeRun(r: RunSummary): string {
  const metrics = [
    r.trainLoss === undefined ? '' : `loss ${r.trainLoss.toFixed(4)}`,
    r.valAccuracy === undefined ? '' : `val acc ${(100 * r.valAccuracy).toFixed(1)}%`,
  ].filter(Boolean);
  return `${r.name}  [${r.status}]  ${r.method} on ${r.backbone} (${r.backend})  epoch ${r.epoch}/${r.epochs}${
    metrics.length ? `  ${metrics.join(', ')}` : ''
  }`;
}

function render(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const runs = state.runs ?? [];
  const lines = state.notice ? [state.notice] : [];
  if (runs.length === 0 && !state.notice) lines.push('No runs yet.');
  for (const r of runs) lines.push(`${r.runDir === state.selected ? '> ' : '  '}${describeRun(r)}`);
  const pre = document.createElement('pre');
  pre.textContent = lines.join('\n');
  app.replaceChildren(pre);
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  if (message?.type !== 'setData') return;
  state = { ...state, ...message.payload };
  vscode.setState(state);
  render();
});

render();
vscode.postMessage({ type: 'initialized' });
