/**
 * Says in the log, once per value, which workspace or folder settings do not count and why (a
 * repository's settings may tighten the sandbox, never loosen it: effectiveSettings.ts). Checked
 * after activation, on every change of a `sandboxes.*` setting and when the workspace is trusted.
 */
import * as vscode from 'vscode';
import { Disposable, toDisposable } from './dispose';
import { describeIgnored, type IgnoredSetting } from './effectiveSettings';
import type { ExtensionLog } from './log';

export class IgnoredSettingsReporter extends Disposable {
  /** What was logged, so an unchanged value is not logged again on every save. */
  private readonly logged = new Set<string>();

  constructor(
    private readonly log: ExtensionLog,
    private readonly read: () => IgnoredSetting[],
  ) {
    super();
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('sandboxes')) this.report();
      }),
    );
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.report()));
    // Off the activation path: comparing allowlists loads the engine's CIDR parser.
    const activated = setImmediate(() => this.report());
    this._register(toDisposable(() => clearImmediate(activated)));
  }

  private report(): void {
    if (this.isDisposed) return;
    try {
      for (const item of this.read()) {
        const line = describeIgnored(item);
        if (this.logged.has(line)) continue;
        this.logged.add(line);
        this.log.warn(line);
      }
    } catch (err) {
      this.log.failure('checking the workspace settings', err);
    }
  }
}
