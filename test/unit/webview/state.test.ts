import * as assert from 'node:assert/strict';
import { defaultState, restoreState } from '../../../webview-ui/src/state';

describe('webview UI state restore', () => {
  it('gives defaults for nothing or garbage', () => {
    assert.deepEqual(restoreState(undefined), defaultState());
    assert.deepEqual(restoreState('x'), defaultState());
    assert.deepEqual(restoreState([1, 2]), defaultState());
  });

  it('keeps a valid state as it is', () => {
    const s = defaultState('compare', ['/a', '/b']);
    s.tab = 'attention';
    s.curves = { x: 'epoch', smoothing: 0.9, logScale: true, metric: 'acc' };
    s.attention = { runDir: '/b', layer: 3, epoch: 10, head: 2, probe: 5 };
    s.prototypes = { runDir: '/a', layer: 1, epoch: null };
    s.analysis = { layer: 2 };
    s.selectedPrompt = 4;
    s.sideBySide = { layer: 2, epoch: 5, probe: 3, head: 1 };
    s.system = { x: 'time', smoothing: 0.3 };
    assert.deepEqual(restoreState(JSON.parse(JSON.stringify(s))), s);
    assert.deepEqual(restoreState({ tab: 'system' }).tab, 'system');
  });

  it("repairs the system tab's fields", () => {
    assert.deepEqual(restoreState({ system: { x: 'epoch', smoothing: 1 } }).system, defaultState().system);
    assert.deepEqual(restoreState({ system: { x: 'time' } }).system, { x: 'time', smoothing: 0.6 });
  });

  it('repairs bad fields one by one', () => {
    const s = restoreState({
      mode: 'grid',
      runDirs: ['/a', 3, '/b'],
      tab: 'nope',
      curves: { x: 'time', smoothing: 1.5, logScale: 'yes', metric: 'lr' },
      attention: { head: -1, probe: 2.5, layer: 1, epoch: -3 },
      analysis: { layer: 'some' },
      sideBySide: { layer: -1, epoch: 'newest', probe: 1, head: 'all' },
    });
    assert.equal(s.mode, 'compare'); // two run folders
    assert.deepEqual(s.runDirs, ['/a', '/b']);
    assert.equal(s.tab, 'curves');
    assert.deepEqual(s.curves, { x: 'step', smoothing: 0.6, logScale: false, metric: 'lr' });
    assert.deepEqual(s.attention, { runDir: null, layer: 1, epoch: null, head: 'mean', probe: 0 });
    assert.deepEqual(s.analysis, { layer: 'all' });
    assert.deepEqual(s.sideBySide, { layer: 0, epoch: null, probe: 1, head: 'mean' });
  });

  it('migrates the first dashboard’s state (run summaries and a selection)', () => {
    const old = {
      runs: [
        { runDir: '/runs/a', name: 'a', status: 'finished' },
        { runDir: '/runs/b', name: 'b', status: 'running' },
      ],
      selected: '/runs/b',
      notice: 'hello',
    };
    const s = restoreState(old);
    assert.deepEqual(s.runDirs, ['/runs/b']);
    assert.equal(s.mode, 'run');
    assert.equal(s.version, 1);
    const all = restoreState({ runs: old.runs });
    assert.deepEqual(all.runDirs, ['/runs/a', '/runs/b']);
    assert.equal(all.mode, 'compare');
  });
});
