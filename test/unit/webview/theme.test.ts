import * as assert from 'node:assert/strict';
import { niceRange } from '../../../webview-ui/src/lib/analysis';
import { classColours, withAlpha } from '../../../webview-ui/src/theme';

describe('webview theme and axis helpers', () => {
  it('scales the alpha of VS Code colour values', () => {
    assert.equal(withAlpha('rgba(204, 204, 204, 0.5)', 0.3), 'rgba(204, 204, 204, 0.15)');
    assert.equal(withAlpha('#ff0000', 0.5), 'rgba(255, 0, 0, 0.5)');
    assert.equal(withAlpha('#f00', 1), 'rgba(255, 0, 0, 1)');
    assert.equal(withAlpha('#ff000080', 0.5), 'rgba(255, 0, 0, 0.251)');
    assert.equal(withAlpha('rgb(1 2 3 / 50%)', 1), 'rgba(1, 2, 3, 0.5)');
    assert.equal(withAlpha('transparent', 0.5), 'transparent');
  });

  it('gives ten categorical class colours, then generated ones', () => {
    const c = classColours(12, true);
    assert.equal(c.length, 12);
    assert.equal(new Set(c).size, 12);
    assert.match(c[11], /^hsl\(/);
  });

  it('rounds a y range to nice ticks', () => {
    assert.deepEqual(niceRange(0.41, 0.52), { min: 0.4, max: 0.55, interval: 0.05 });
    assert.deepEqual(niceRange(0, 16.2), { min: 0, max: 20, interval: 5 });
    assert.deepEqual(niceRange(-0.3, 0.9), { min: -0.5, max: 1, interval: 0.5 });
    const flat = niceRange(2, 2);
    assert.ok(flat.min < 2 && flat.max > 2);
  });
});
