/**
 * Owns the webview panels: one Create Sandbox form per window and one Details panel per sandbox
 * (`createOrShow`), restored by VS Code after a reload through panel serializers (package.json
 * activates the extension for them with `onWebviewPanel:`). Nothing of a panel is created, and
 * no webview script loaded, before one is opened.
 */
import * as vscode from 'vscode';
import type { PanelContext } from './panelContext';
import { Disposable } from '../dispose';
import { CreateFormPanel } from './createFormPanel';
import { DetailsPanel } from './detailsPanel';
import { PanelTypes, isDetailsState } from '../../shared/webviewProtocol';
import { panelOptions } from './webviewHtml';

/**
 * Test-only: hands a message to a panel's channel as if its script had posted it, or returns what
 * a details panel shows. Not contributed in package.json, so it is in no palette or menu.
 */
export const WEBVIEW_TEST_COMMAND = 'sandboxes.webviews.test';

export type WebviewTestRequest = { panel: 'createForm'; message: unknown } | { panel: 'details'; sandboxId: string; message?: unknown };

export class WebviewPanels extends Disposable {
  private createForm: CreateFormPanel | undefined;
  private readonly details = new Map<string, DetailsPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly context: PanelContext,
  ) {
    super();
    this._register(
      vscode.window.registerWebviewPanelSerializer(PanelTypes.createForm, {
        // The script restores what was typed from its own saved state.
        deserializeWebviewPanel: async (panel) => {
          this.adoptCreateForm(panel);
        },
      }),
    );
    this._register(
      vscode.window.registerWebviewPanelSerializer(PanelTypes.details, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          if (!isDetailsState(state) || this.details.has(state.sandboxId)) {
            panel.dispose();
            return;
          }
          this.adoptDetails(panel, state.sandboxId);
        },
      }),
    );
    this._register(vscode.commands.registerCommand(WEBVIEW_TEST_COMMAND, (request: WebviewTestRequest) => this.test(request)));
    // Streams and timers stop with the extension; the panels themselves are the workbench's, which
    // restores them after a reload.
    this._register({ dispose: () => [this.createForm, ...this.details.values()].forEach((panel) => panel?.dispose()) });
  }

  showCreateForm(): void {
    if (this.createForm) {
      this.createForm.reveal();
      return;
    }
    this.adoptCreateForm(vscode.window.createWebviewPanel(PanelTypes.createForm, 'Create Sandbox', vscode.ViewColumn.Active, panelOptions(this.extensionUri)));
  }

  /** `beside`: next to the active editor (the form), rather than in its place. */
  async showDetails(sandboxId: string, options: { name?: string; beside?: boolean } = {}): Promise<void> {
    const existing = this.details.get(sandboxId);
    if (existing) {
      existing.reveal();
      return;
    }
    // Beside the form, the keyboard focus stays in the form, whose status line says what happened.
    const column = options.beside ? { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true } : vscode.ViewColumn.Active;
    this.adoptDetails(vscode.window.createWebviewPanel(PanelTypes.details, `Sandbox: ${options.name ?? sandboxId}`, column, panelOptions(this.extensionUri)), sandboxId);
  }

  private adoptCreateForm(panel: vscode.WebviewPanel): void {
    const form = new CreateFormPanel(panel, { ...this.context, extensionUri: this.extensionUri, showDetails: (id) => this.showDetails(id, { beside: true }) });
    this.createForm = form;
    panel.onDidDispose(() => {
      if (this.createForm === form) this.createForm = undefined;
    });
  }

  private adoptDetails(panel: vscode.WebviewPanel, sandboxId: string): void {
    const details = new DetailsPanel(panel, sandboxId, { ...this.context, extensionUri: this.extensionUri });
    this.details.set(sandboxId, details);
    panel.onDidDispose(() => {
      if (this.details.get(sandboxId) === details) this.details.delete(sandboxId);
    });
  }

  private async test(request: WebviewTestRequest): Promise<unknown> {
    if (request.panel === 'createForm') {
      if (!this.createForm) throw new Error('The Create Sandbox form is not open.');
      return this.createForm.channel.receive(request.message);
    }
    const details = this.details.get(request.sandboxId);
    if (!details) throw new Error(`No details panel is open for ${request.sandboxId}.`);
    return request.message === undefined ? details.snapshot() : details.channel.receive(request.message);
  }
}
