import * as assert from 'node:assert/strict';
import { csvField, safeFileName, seriesToCsv, toCsv } from '../../../webview-ui/src/lib/csv';

describe('webview CSV', () => {
  it('quotes commas, quotes, newlines and padded text', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(' padded'), '" padded"');
    assert.equal(csvField(null), '');
    assert.equal(csvField(Number.NaN), '');
    assert.equal(csvField(0.1), '0.1');
  });

  it('writes a header and CRLF rows', () => {
    assert.equal(
      toCsv(
        ['k', 'v'],
        [
          ['a', 1],
          ['b,c', null],
        ],
      ),
      'k,v\r\na,1\r\n"b,c",\r\n',
    );
  });

  it('joins series on their x values', () => {
    const csv = seriesToCsv('step', [
      { name: 'train', x: [1, 2, 3], y: [0.5, 0.4, 0.3] },
      { name: 'val', x: [3], y: [0.35] },
    ]);
    assert.equal(csv, 'step,train,val\r\n1,0.5,\r\n2,0.4,\r\n3,0.3,0.35\r\n');
  });

  it('makes safe file names', () => {
    assert.equal(safeFileName('curves loss/step: é'), 'curves-loss-step-e');
    assert.equal(safeFileName('///'), 'chart');
  });
});
