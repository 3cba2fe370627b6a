/**
 * The Runs view (`spt.runs`): maps the RunTreeNodes of buildRunTree to TreeItems. The model is rebuilt
 * on refresh(); live updates are throttled so a fast trainer does not flood the view.
 */
import * as vscode from 'vscode';
import type { RunTreeNode } from './run-tree-model';

const STATUS_COLORS: Partial<Record<string, string>> = {
  finished: 'testing.iconPassed',
  failed: 'testing.iconFailed',
  unreadable: 'list.warningForeground',
  running: 'charts.blue',
  created: 'charts.blue',
};

export class RunsTreeProvider implements vscode.TreeDataProvider<RunTreeNode>, vscode.Disposable {
  private nodes: RunTreeNode[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  constructor(
    private readonly build: () => RunTreeNode[],
    private readonly throttleMs = 750,
  ) {
    this.nodes = build();
  }

  /** Rebuilds now. */
  refresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.last = Date.now();
    this.nodes = this.build();
    this.changed.fire();
  }

  /** Rebuilds at most every `throttleMs` (live step and epoch updates). */
  refreshSoon(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.throttleMs - Date.now());
    this.timer = setTimeout(() => this.refresh(), wait);
  }

  get roots(): readonly RunTreeNode[] {
    return this.nodes;
  }

  getChildren(node?: RunTreeNode): RunTreeNode[] {
    return node ? (node.children ?? []) : this.nodes;
  }

  getTreeItem(node: RunTreeNode): vscode.TreeItem {
    const hasChildren = !!node.children?.length;
    const item = new vscode.TreeItem(
      node.label,
      !hasChildren
        ? vscode.TreeItemCollapsibleState.None
        : node.kind === 'experiment'
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = node.id;
    item.description = node.description;
    item.contextValue = node.contextValue;
    if (node.icon) {
      const color = node.status ? STATUS_COLORS[node.status] : undefined;
      item.iconPath = new vscode.ThemeIcon(node.icon, color ? new vscode.ThemeColor(color) : undefined);
    }
    if (node.tooltip) item.tooltip = new vscode.MarkdownString(node.tooltip);
    if (node.kind === 'artifact' && node.resourcePath) {
      item.resourceUri = vscode.Uri.file(node.resourcePath);
      item.command = { command: 'vscode.open', title: 'Open', arguments: [item.resourceUri] };
    }
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}
