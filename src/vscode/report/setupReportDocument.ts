/**
 * A read-only virtual document holding the last "Check Setup" report, shown as a Markdown
 * preview. Virtual, so closing it never asks to save, and re-running the check updates it in place.
 */
import * as vscode from 'vscode';
import { Disposable } from '../dispose';

export class SetupReportDocument extends Disposable implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'sandboxes-report';

  private readonly uri = vscode.Uri.from({ scheme: SetupReportDocument.scheme, path: '/Setup Check.md' });
  private markdown = '';

  private readonly onDidChangeEmitter = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.onDidChangeEmitter.event;

  constructor() {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(SetupReportDocument.scheme, this));
  }

  provideTextDocumentContent(): string {
    return this.markdown;
  }

  update(markdown: string): void {
    this.markdown = markdown;
    this.onDidChangeEmitter.fire(this.uri);
  }

  async show(): Promise<void> {
    try {
      await vscode.commands.executeCommand('markdown.showPreview', this.uri);
    } catch {
      // The built-in Markdown extension can be disabled; the source is readable too.
      const document = await vscode.workspace.openTextDocument(this.uri);
      await vscode.window.showTextDocument(document, { preview: true });
    }
  }
}
