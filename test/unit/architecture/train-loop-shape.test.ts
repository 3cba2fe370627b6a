/**
 * The training loop keeps the shape of issue 18: train-run.ts is phases (prepare or resume, set up,
 * step, end of epoch, test and finish), no function of it longer than a screen. Read with the
 * TypeScript compiler's parser, so comments and strings cannot fool the count.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const FILE = path.join(__dirname, '../../../src/engine/train/train-run.ts');
const MAX_LINES = 80;

interface FunctionSpan {
  name: string;
  lines: number;
}

/** Every function of a source file (declarations, methods, arrows, expressions) and its length in lines. */
function functionSpans(file: string): FunctionSpan[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const spans: FunctionSpan[] = [];
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const name =
        node.name && ts.isIdentifier(node.name)
          ? node.name.text
          : `<anonymous at line ${lineOf(node.getStart()) + 1}>`;
      spans.push({ name, lines: lineOf(node.getEnd()) - lineOf(node.getStart()) + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return spans;
}

describe('architecture: the training loop reads in phases', () => {
  it(`no function of train-run.ts is ${MAX_LINES} lines or longer`, () => {
    const spans = functionSpans(FILE);
    assert.ok(spans.length >= 8, `only ${spans.length} functions found: is the parser reading the file?`);
    const long = spans.filter((s) => s.lines >= MAX_LINES);
    assert.deepEqual(
      long,
      [],
      `split these into phases: ${long.map((s) => `${s.name} (${s.lines} lines)`).join(', ')}`,
    );
  });

  it('has the phases by name', () => {
    const names = new Set(functionSpans(FILE).map((s) => s.name));
    for (const phase of ['trainInRunDir', 'start', 'step', 'endOfEpoch', 'testAndFinish', 'finish'])
      assert.ok(names.has(phase), `train-run.ts has no function ${phase}`);
    const setup = fs.readFileSync(path.join(path.dirname(FILE), 'train-setup.ts'), 'utf8');
    assert.match(setup, /export function prepareOrResume\(/);
    assert.match(setup, /export async function setUp\(/);
  });

  it('counts a long function as long (the counter itself)', () => {
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spt-shape-')), 'long.ts');
    fs.writeFileSync(tmp, `function long() {\n${'  call();\n'.repeat(90)}}\nconst short = () => 1;\n`);
    const spans = functionSpans(tmp);
    assert.deepEqual(spans, [
      { name: 'long', lines: 92 },
      { name: '<anonymous at line 93>', lines: 1 },
    ]);
    fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
  });
});
