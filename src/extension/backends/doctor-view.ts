/**
 * Read-only virtual documents (scheme `spt-doctor`) holding the doctor report, run summaries and run
 * comparisons as markdown, shown in
 * the markdown preview (or as text when the built-in markdown extension is disabled).
 */
import * as vscode from 'vscode';

export const DOCTOR_SCHEME = 'spt-doctor';

export class DoctorDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(DOCTOR_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  /** Shows `markdown` as `<title>.md` (the same title replaces the earlier content). */
  async show(markdown: string, title = 'Compute Backends'): Promise<void> {
    const uri = vscode.Uri.from({ scheme: DOCTOR_SCHEME, path: `/${title.replace(/[\\/]/g, '-')}.md` });
    this.contents.set(uri.toString(), markdown);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      await vscode.window.showTextDocument(doc, { preview: true });
    }
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
