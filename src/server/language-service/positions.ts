/**
 * Offsets, positions and where the cursor is in the YAML tree. Ranges come from the `yaml` package's
 * node ranges (character offsets), converted with the document's own line table.
 */

import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Range } from 'vscode-languageserver-types';
import { type Document, isMap, isScalar, type Node, type Pair } from 'yaml';
import { parseYamlDocument } from '../../config/yaml-depth';

export function toRange(doc: TextDocument, [start, end]: readonly [number, number]): Range {
  const len = doc.getText().length;
  const s = Math.max(0, Math.min(start, len));
  return { start: doc.positionAt(s), end: doc.positionAt(Math.max(s, Math.min(end, len))) };
}

const parsed = new Map<string, Document>();
const PARSED_KEPT = 8;

/**
 * Parses without throwing, keeping duplicate keys (the validator reports them). The last few texts
 * are kept parsed: hover, completion and code actions on one version parse it once. Callers only read
 * the result.
 */
export function parseYaml(text: string): Document {
  const hit = parsed.get(text);
  if (hit) return hit;
  const doc = parseYamlDocument(text, { prettyErrors: false, uniqueKeys: false });
  if (parsed.size >= PARSED_KEPT) parsed.delete(parsed.keys().next().value as string);
  parsed.set(text, doc);
  return doc;
}

export interface TreeHit {
  /** Key path from the root, e.g. ['train', 'lr']. */
  path: string[];
  /** Whether the offset is on the key or on the (scalar) value of the innermost pair. */
  part: 'key' | 'value';
  pair: Pair;
  /** [start, end) of the key or value under the offset. */
  range: [number, number];
}

const within = (n: Node | null | undefined, offset: number): n is Node =>
  !!n?.range && offset >= n.range[0] && offset <= n.range[1];

/** The innermost mapping pair whose key or scalar value contains `offset`. */
export function pairAt(doc: Document, offset: number): TreeHit | undefined {
  let node = doc.contents as Node | null;
  const path: string[] = [];
  let hit: TreeHit | undefined;
  while (isMap(node)) {
    let next: Node | null = null;
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const key = pair.key as Node;
      const value = pair.value as Node | null;
      const keyPath = [...path, String((pair.key as { value: unknown }).value)];
      if (within(key, offset)) {
        return { path: keyPath, part: 'key', pair, range: [key.range![0], key.range![1]] };
      }
      if (within(value, offset)) {
        if (isMap(value)) {
          path.push(keyPath[keyPath.length - 1]);
          next = value;
        } else {
          hit = { path: keyPath, part: 'value', pair, range: [value.range![0], value.range![1]] };
        }
        break;
      }
    }
    if (hit || !next) break;
    node = next;
  }
  return hit;
}

/** The scalar at `path` when it is a string, else undefined. */
export function stringAt(doc: Document, path: string[]): string | undefined {
  const v = doc.getIn(path);
  return typeof v === 'string' ? v : undefined;
}

/** The scalar at `path` when it is a finite number, else undefined. */
export function numberAt(doc: Document, path: string[]): number | undefined {
  const v = doc.getIn(path);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
