/** The compare legend's split keys (issue 19, item 3): runs are colours, splits are line styles. */
import * as assert from 'node:assert/strict';
import { isSplitKey, splitKeys } from '../../../webview-ui/src/lib/split-keys';

describe('compare legend split keys', () => {
  it('names one key per split shown, in train, val, test order, after its line style', () => {
    assert.deepEqual(
      splitKeys(['test', 'train', 'val']).map((k) => k.name),
      ['train (solid)', 'val (dashed)', 'test (triangles)'],
    );
    assert.deepEqual(splitKeys(['train']), [{ split: 'train', name: 'train (solid)' }]);
    assert.ok(isSplitKey('val (dashed)'));
    assert.ok(!isSplitKey('default-spt-mean-s0'));
  });
});
