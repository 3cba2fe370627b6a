import * as assert from 'node:assert/strict';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { validate } from '../../../src/server/language-service';

/** [code, startLine, startChar, endLine, endChar] of each diagnostic. */
const summary = (text: string) =>
  validate(text).map((d) => [
    d.code,
    d.range.start.line,
    d.range.start.character,
    d.range.end.line,
    d.range.end.character,
  ]);

describe('language service: YAML syntax', () => {
  it('reports nothing for a valid file', () => {
    assert.deepEqual(validate('method: spt # comment\nbackbone: vit-b16\nprompts: {count: 5}\n'), []);
  });

  it('points at the tab used as indentation', () => {
    assert.deepEqual(summary('method: spt\n\tprompts: 5\n'), [['TAB_AS_INDENT', 1, 0, 1, 1]]);
  });

  it('points at the second occurrence of a duplicate key', () => {
    const [d, ...rest] = validate('backbone: vit-b16\nepochs: 10\nepochs: 20\n');
    assert.equal(rest.length, 0);
    assert.equal(d.severity, DiagnosticSeverity.Error);
    assert.equal(d.source, 'spt');
    assert.equal(d.message, 'Map keys must be unique');
    assert.deepEqual(d.range, { start: { line: 2, character: 0 }, end: { line: 2, character: 1 } });
  });

  it('reports an unclosed flow sequence at the end of the text, inside the document', () => {
    assert.deepEqual(summary('model: vit\nepochs: [1, 2\n'), [['BAD_INDENT', 2, 0, 2, 0]]);
  });

  it('reports an unterminated quote where the text ends (UTF-16 columns)', () => {
    assert.deepEqual(summary('name: "ünterminated\nlr: 0.1'), [['MISSING_CHAR', 1, 7, 1, 7]]);
  });
});
