/**
 * The language of experiment (`*.spt.yaml`) and sweep (`*.sweep.yaml`) files: its id (package.json
 * `contributes.languages`) and the document selectors the language client and the CodeLens use, so
 * VS Code's YAML support and Red Hat's YAML extension (which follow the `yaml` language) leave these
 * files to the SPT language server. Pure data: no `vscode`.
 */

export const SPT_LANGUAGE_ID = 'spt-yaml';

/** The file name patterns package.json maps to the language. */
export const SPT_FILENAME_PATTERNS = ['*.spt.yaml', '*.sweep.yaml'] as const;

interface DocumentFilter {
  language: string;
  scheme?: string;
  pattern?: string;
}

/** What the language server is given: every document of the language, saved or untitled. */
export const LANGUAGE_SERVER_SELECTOR: DocumentFilter[] = [
  { language: SPT_LANGUAGE_ID, scheme: 'file' },
  { language: SPT_LANGUAGE_ID, scheme: 'untitled' },
];

/** Experiment files only (the Run CodeLens, Run Experiment). */
export const EXPERIMENT_SELECTOR: DocumentFilter = {
  language: SPT_LANGUAGE_ID,
  scheme: 'file',
  pattern: '**/*.spt.yaml',
};

export const isExperimentPath = (file: string): boolean => /\.spt\.ya?ml$/i.test(file);
