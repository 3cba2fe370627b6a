/**
 * A nesting limit for YAML read from files we do not control (experiment and sweep files, the
 * documents an editor sends). The `yaml` package composes nested collections recursively: 100,000
 * levels of `[` take seconds and end in "Maximum call stack size exceeded". One linear pass over the
 * text finds the depth first (brackets of flow collections, indentation and `- `/`? ` indicators of
 * block collections, skipping quoted scalars, comments and block scalars), and a file that nests
 * deeper than MAX_YAML_DEPTH is not parsed at all: it gets one error at the place it got too deep.
 */
import {
  Document,
  type DocumentOptions,
  LineCounter,
  type ParseOptions,
  parseDocument,
  YAMLParseError,
} from 'yaml';

/** Far above what an experiment (4 levels) or a sweep file (5) needs, far below what exhausts the stack. */
export const MAX_YAML_DEPTH = 100;

export interface DepthExceeded {
  /** Offset of the character that opened level `limit + 1`. */
  offset: number;
  limit: number;
}

const isSpace = (c: string | undefined) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === undefined;

/**
 * Where `text` first nests deeper than `limit` levels, or undefined. An upper estimate for odd layouts
 * (a plain scalar continued on deeper lines counts as a level), exact for ordinary files.
 */
export function yamlDepthExceeded(text: string, limit = MAX_YAML_DEPTH): DepthExceeded | undefined {
  const n = text.length;
  /** Columns of the open block collections. */
  const blocks: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | undefined;
  /** Indentation of the line that started a block scalar (its content is indented deeper). */
  let blockScalarIndent = -1;
  let i = 0;
  const tooDeep = (offset: number): DepthExceeded | undefined =>
    blocks.length + flow > limit ? { offset, limit } : undefined;
  lines: while (i < n) {
    // ---- a new line
    const lineStart = i;
    let indent = 0;
    while (i < n && text[i] === ' ') {
      i++;
      indent++;
    }
    const c0 = text[i];
    const blank = i >= n || c0 === '\n' || c0 === '\r' || (c0 === '#' && !quote);
    if (blockScalarIndent >= 0) {
      if (blank || indent > blockScalarIndent) {
        i = skipLine(text, i);
        continue;
      }
      blockScalarIndent = -1;
    }
    if (blank && !quote) {
      i = skipLine(text, i);
      continue;
    }
    let nodeStart = !quote;
    if (!quote && flow === 0) {
      while (blocks.length && blocks[blocks.length - 1] >= indent) blocks.pop();
      blocks.push(indent);
      const hit = tooDeep(lineStart + indent);
      if (hit) return hit;
    }
    // ---- the rest of the line
    for (; i < n && text[i] !== '\n'; i++) {
      const c = text[i];
      if (quote) {
        if (quote === '"' && c === '\\') i++;
        else if (c === quote) {
          if (quote === "'" && text[i + 1] === "'") i++;
          else quote = undefined;
        }
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r') continue;
      if (c === '#' && (i === lineStart || isSpace(text[i - 1]))) {
        i = skipLine(text, i);
        continue lines;
      }
      if (flow === 0 && (c === '-' || c === '?' || c === ':') && isSpace(text[i + 1])) {
        // A block indicator: `- - x` nests a list in a list on one line.
        if (c !== ':') {
          const col = i - lineStart;
          while (blocks.length && blocks[blocks.length - 1] >= col) blocks.pop();
          blocks.push(col);
          const hit = tooDeep(i);
          if (hit) return hit;
        }
        nodeStart = true;
        continue;
      }
      if (flow > 0 && (c === ',' || c === ':')) {
        nodeStart = true;
        continue;
      }
      if ((c === '[' || c === '{') && (flow > 0 || nodeStart)) {
        flow++;
        nodeStart = true;
        const hit = tooDeep(i);
        if (hit) return hit;
        continue;
      }
      if ((c === ']' || c === '}') && flow > 0) {
        flow--;
        nodeStart = false;
        continue;
      }
      if (nodeStart && (c === '"' || c === "'")) {
        quote = c;
        continue;
      }
      if (nodeStart && (c === '&' || c === '!')) {
        // An anchor or a tag: the node starts after it.
        while (i + 1 < n && !isSpace(text[i + 1]) && text[i + 1] !== '[' && text[i + 1] !== '{') i++;
        continue;
      }
      if (nodeStart && flow === 0 && (c === '|' || c === '>')) {
        blockScalarIndent = indent;
        i = skipLine(text, i);
        continue lines;
      }
      nodeStart = false;
    }
    if (i < n && text[i] === '\n') i++;
  }
  return undefined;
}

/** The offset just after the end of the line that `i` is in (past its '\n'). */
function skipLine(text: string, i: number): number {
  const nl = text.indexOf('\n', i);
  return nl < 0 ? text.length : nl + 1;
}

/**
 * parseDocument, unless the text nests deeper than MAX_YAML_DEPTH: then an empty document whose one
 * error says so (and the line counter still knows every line, for positions).
 */
export function parseYamlDocument(text: string, options: ParseOptions & DocumentOptions = {}): Document {
  const deep = yamlDepthExceeded(text);
  if (!deep) return parseDocument(text, options);
  const lc = options.lineCounter ?? new LineCounter();
  lc.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
  const { line } = lc.linePos(deep.offset);
  const doc = new Document(null);
  doc.errors.push(
    new YAMLParseError(
      [deep.offset, deep.offset + 1],
      'RESOURCE_EXHAUSTION',
      `lists and mappings are nested more than ${deep.limit} levels deep at line ${line} (experiment and sweep files need 5 at most); look for a run of unclosed '[' or '{' or of '- '`,
    ),
  );
  return doc;
}
