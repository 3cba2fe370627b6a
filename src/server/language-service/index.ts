/**
 * The language service's pure core for `*.spt.yaml` and `*.sweep.yaml`: text documents in, LSP
 * objects out. No connection and no `vscode` here, so tests (and other editors' servers) call it
 * directly. Sweep documents (by file name) get ./sweep.ts's hover and completion.
 */
import type { Position, TextDocument } from 'vscode-languageserver-textdocument';
import type { CompletionList, Hover } from 'vscode-languageserver-types';
import { complete as completeExperiment } from './completion';
import { hover as hoverExperiment } from './hover';
import { isSweepUri, sweepComplete, sweepHover } from './sweep';

export { codeActions } from './code-actions';
export { DISABLE_COMMENT } from './disable-comments';
export { clearFileCache } from './file-checks';
export { isSweepUri } from './sweep';
export {
  DIAGNOSTIC_SOURCE,
  isTooLarge,
  type ValidateOptions,
  type ValidationOutput,
  validate,
  validateDocument,
} from './validate';

export function hover(doc: TextDocument, pos: Position): Hover | null {
  return isSweepUri(doc.uri) ? sweepHover(doc, pos) : hoverExperiment(doc, pos);
}

export function complete(doc: TextDocument, pos: Position): CompletionList {
  return isSweepUri(doc.uri) ? sweepComplete(doc, pos) : completeExperiment(doc, pos);
}
