/**
 * Test notation for the language service: `|` marks the cursor and `«...»` marks expected ranges,
 * both stripped from the text. `lr: 0.0|5` -> text `lr: 0.05`, cursor at line 0, character 7.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver-types';

/** A document URI that is not a file: the file-system checks are skipped. */
export const UNTITLED = 'untitled:Untitled-1.spt.yaml';

export interface Marked {
  doc: TextDocument;
  text: string;
  /** The `|` cursor (line 0, character 0 when there is none). */
  pos: Position;
  /** The `«...»` ranges, in order. */
  ranges: Range[];
}

/** Strips the markers. `uri`: a file path (resolved) or a URI; untitled by default. */
export function marked(source: string, uri: string = UNTITLED): Marked {
  let text = '';
  let cursor = -1;
  const starts: number[] = [];
  const spans: [number, number][] = [];
  for (const ch of source) {
    if (ch === '|' && cursor < 0) cursor = text.length;
    else if (ch === '«') starts.push(text.length);
    else if (ch === '»') spans.push([starts.pop() as number, text.length]);
    else text += ch;
  }
  spans.sort((a, b) => a[0] - b[0]);
  const docUri =
    uri.includes(':') && !path.isAbsolute(uri) ? uri : pathToFileURL(path.resolve(uri)).toString();
  const doc = TextDocument.create(docUri, 'yaml', 1, text);
  return {
    doc,
    text,
    pos: doc.positionAt(Math.max(cursor, 0)),
    ranges: spans.map(([s, e]) => ({ start: doc.positionAt(s), end: doc.positionAt(e) })),
  };
}

/** Applies a WorkspaceEdit's edits for one document. */
export function applyEdits(doc: TextDocument, edits: { range: Range; newText: string }[]): string {
  return TextDocument.applyEdits(doc, edits);
}

/** A valid experiment (no file checks: checkpoint null, untitled URI). */
export const VALID = `name: t
backbone:
  arch: vit_base_patch16_224
  checkpoint: null
data:
  root: d
  train: train.txt
  num_classes: 10
prompt:
  method: spt
train:
  lr: 0.05
`;
