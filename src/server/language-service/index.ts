/**
 * The language service's pure core for `*.spt.yaml`: text documents in, LSP objects out. No
 * connection and no `vscode` here, so tests (and other editors' servers) call it directly.
 */
export { codeActions } from './code-actions';
export { complete } from './completion';
export { DISABLE_COMMENT } from './disable-comments';
export { clearFileCache } from './file-checks';
export { hover } from './hover';
export {
  DIAGNOSTIC_SOURCE,
  type ValidateOptions,
  type ValidationOutput,
  validate,
  validateDocument,
} from './validate';
