/**
 * "Review Sandbox Changes" in the Source Control view, as a pull request reads: one source
 * control per reviewed sandbox, its files in "Changed in Sandbox" and, where the workspace file
 * changed too, "Conflicts". A click opens VS Code's diff editor (workspace file ↔ `sandbox:`
 * file); inline actions apply a file to the workspace or discard it in the sandbox, a group's
 * actions do all of it. The engine does the work (`sandbox.changes()`, `applyChanges`,
 * `discardChanges`): this file only shows it and asks.
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { ChangeOutcome, FileChange } from '../../core/types';
import { Disposable } from '../dispose';
import { sandboxUri } from '../files/sandboxFileSystemProvider';
import type { ExtensionLog } from '../log';
import type { SandboxChanges } from '../sandboxChanges';
import { showInformationMessage, showWarningMessage, withProgress } from '../uiText';
import { labelText } from '../untrustedText';

export const REVIEW_SCM_ID = 'sandboxes-review';
/** An empty document for the missing side of a created or deleted file. */
const EMPTY_SCHEME = 'sandboxes-review-empty';

const KIND_TEXT: Record<FileChange['kind'], string> = { created: 'Created in the sandbox', changed: 'Changed in the sandbox', deleted: 'Deleted in the sandbox' };
const KIND_ICON: Record<FileChange['kind'], string> = { created: 'diff-added', changed: 'diff-modified', deleted: 'diff-removed' };

/** A row of the list: VS Code hands the same object back to the inline actions. */
interface ChangeState extends vscode.SourceControlResourceState {
  readonly change: FileChange;
}

/** One sandbox under review. */
class Review extends Disposable {
  readonly scm: vscode.SourceControl;
  readonly changed: vscode.SourceControlResourceGroup;
  readonly conflicts: vscode.SourceControlResourceGroup;

  constructor(readonly sandbox: Sandbox) {
    super();
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    this.scm = this._register(vscode.scm.createSourceControl(REVIEW_SCM_ID, `Sandbox ${labelText(sandbox.name)}`, root));
    this.scm.inputBox.visible = false;
    this.conflicts = this._register(this.scm.createResourceGroup('conflicts', 'Conflicts (workspace changed too)'));
    this.changed = this._register(this.scm.createResourceGroup('changed', 'Changed in Sandbox'));
    this.conflicts.hideWhenEmpty = true;
    this.changed.hideWhenEmpty = false;
  }

  show(changes: FileChange[]): void {
    this.changed.resourceStates = changes.filter((c) => !c.conflict).map((c) => this.state(c));
    this.conflicts.resourceStates = changes.filter((c) => c.conflict).map((c) => this.state(c));
    this.scm.count = changes.length;
  }

  all(): FileChange[] {
    return [...this.conflicts.resourceStates, ...this.changed.resourceStates].map((s) => (s as ChangeState).change);
  }

  private state(change: FileChange): ChangeState {
    const workspaceUri = vscode.Uri.file(change.hostPath);
    const left = change.kind === 'created' ? emptyUri(change.rel) : workspaceUri;
    const right = change.kind === 'deleted' ? emptyUri(change.rel) : sandboxUri(this.sandbox.id, change.path);
    const what =
      KIND_TEXT[change.kind] +
      (change.conflict ? '; the workspace file changed too' : '') +
      (change.configFolder ? '; in .vscode (VS Code runs tasks and applies settings from there)' : '');
    return {
      change,
      resourceUri: workspaceUri,
      command: { command: 'vscode.diff', title: 'Open Changes', arguments: [left, right, `${labelText(change.rel)} (Workspace ↔ Sandbox ${labelText(this.sandbox.name)})`] },
      decorations: { tooltip: what, strikeThrough: change.kind === 'deleted', iconPath: new vscode.ThemeIcon(KIND_ICON[change.kind]) },
      contextValue: change.conflict ? 'sandboxChangeConflict' : 'sandboxChange',
    };
  }
}

function emptyUri(rel: string): vscode.Uri {
  return vscode.Uri.from({ scheme: EMPTY_SCHEME, path: `/${rel}` });
}

export class SandboxReviews extends Disposable {
  private readonly reviews = new Map<string, Review>();

  constructor(
    private readonly log: ExtensionLog,
    changes: SandboxChanges,
  ) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(EMPTY_SCHEME, { provideTextDocumentContent: () => '' }));
    // A terminated sandbox has nothing left to review.
    this._register(
      changes.onDidChange((change) => {
        if (change.what === 'terminated' && change.id) this.close(change.id);
      }),
    );
  }

  /** Lists the sandbox's changes in the Source Control view (again, if it is already there) and shows the view. */
  async open(sandbox: Sandbox): Promise<FileChange[]> {
    const changes = await withProgress({ location: vscode.ProgressLocation.Notification, title: `Reading the changes in sandbox ${sandbox.name}…` }, () => sandbox.changes());
    await this.closeGone();
    let review = this.reviews.get(sandbox.id);
    if (!review) {
      review = new Review(sandbox);
      this.reviews.set(sandbox.id, review);
    }
    review.show(changes);
    this.log.info(`Review of sandbox ${sandbox.name}: ${changes.length} change(s) (${changes.map((c) => `${c.kind} ${c.rel}`).join(', ') || 'none'}).`);
    await vscode.commands.executeCommand('workbench.view.scm');
    if (!changes.length) void showInformationMessage(`No changes in sandbox ${sandbox.name} since its workspace was copied in (or last applied).`);
    return changes;
  }

  /** Reviews of sandboxes removed elsewhere (a script, another window, the reaper) have nothing left to show. */
  private async closeGone(): Promise<void> {
    for (const review of [...this.reviews.values()]) {
      const gone = await review.sandbox.info().then(
        () => false,
        (error: unknown) => (error as { code?: string } | null)?.code === 'NOT_FOUND',
      );
      if (gone) this.close(review.sandbox.id);
    }
  }

  /** Reads the changes again. */
  async refresh(arg: unknown): Promise<void> {
    const review = this.reviewOf(arg);
    if (review) await this.open(review.sandbox);
  }

  close(arg: unknown): void {
    const review = typeof arg === 'string' ? this.reviews.get(arg) : this.reviewOf(arg);
    if (!review) return;
    this.reviews.delete(review.sandbox.id);
    review.dispose();
  }

  /** Applies the rows (or groups) the action was run on, asking first about conflicts and .vscode files. */
  async apply(args: unknown[]): Promise<ChangeOutcome[]> {
    const { review, changes } = this.selected(args);
    if (!review || !changes.length) return [];
    const conflicts = changes.filter((c) => c.conflict);
    let overwriteConflicts = false;
    if (conflicts.length) {
      const answer = await showWarningMessage(
        `${conflicts.length} file(s) changed in the workspace since sandbox ${review.sandbox.name} was created: ${names(conflicts)}. Overwrite them with the sandbox's version?`,
        { modal: true, detail: 'Your changes to these files would be lost. "Skip Them" applies the others only.' },
        'Overwrite',
        'Skip Them',
      );
      if (answer === undefined) return [];
      overwriteConflicts = answer === 'Overwrite';
    }
    const config = changes.filter((c) => c.configFolder);
    let configFolders = false;
    if (config.length) {
      const answer = await showWarningMessage(
        `Apply ${names(config)} into .vscode? VS Code runs tasks and applies settings from there, so a file from the sandbox there can run code on this machine.`,
        { modal: true },
        'Apply Them Too',
        'Skip Them',
      );
      if (answer === undefined) return [];
      configFolders = answer === 'Apply Them Too';
    }
    const chosen = changes.filter((c) => (overwriteConflicts || !c.conflict) && (configFolders || !c.configFolder));
    const outcomes = await review.sandbox.applyChanges(chosen, { overwriteConflicts, configFolders });
    await this.report(review, 'Applied', outcomes);
    return outcomes;
  }

  /** Discards the rows (or groups) in the sandbox, after asking. */
  async discard(args: unknown[]): Promise<ChangeOutcome[]> {
    const { review, changes } = this.selected(args);
    if (!review || !changes.length) return [];
    const answer = await showWarningMessage(
      `Discard ${changes.length === 1 ? `the change to ${changes[0].rel}` : `${changes.length} changes`} in sandbox ${review.sandbox.name}?`,
      { modal: true, detail: 'The sandbox gets back the file as it was copied in (a file it created is removed). The workspace is not touched.' },
      'Discard',
    );
    if (answer !== 'Discard') return [];
    const outcomes = await review.sandbox.discardChanges(changes);
    await this.report(review, 'Discarded', outcomes);
    return outcomes;
  }

  /** Logs every outcome, says what was not done, and lists the sandbox again. */
  private async report(review: Review, verb: string, outcomes: ChangeOutcome[]): Promise<void> {
    for (const o of outcomes) this.log.info(`Review of sandbox ${review.sandbox.name}: ${o.result} ${o.rel}${o.message ? ` (${o.message})` : ''}`);
    const done = outcomes.filter((o) => o.result === 'applied' || o.result === 'discarded');
    const notDone = outcomes.filter((o) => !done.includes(o));
    await this.open(review.sandbox);
    if (notDone.length) {
      void showWarningMessage(`${verb} ${done.length} of ${outcomes.length}. Not done: ${notDone.map((o) => `${o.rel}: ${o.message ?? o.result}`).join('; ')}`);
    }
  }

  /**
   * The changes an action was run on: the row clicked plus the rows selected with it, or every
   * row of a group, or (from the title or the Command Palette) every row of the review.
   */
  private selected(args: unknown[]): { review: Review | undefined; changes: FileChange[] } {
    const flat = args.flatMap((a) => (Array.isArray(a) ? a : [a]));
    const review = flat.map((a) => this.reviewOf(a)).find(Boolean) ?? (this.reviews.size === 1 ? [...this.reviews.values()][0] : undefined);
    if (!review) return { review, changes: [] };
    const changes: FileChange[] = [];
    for (const a of flat) {
      if (a && typeof a === 'object' && 'change' in a) changes.push((a as ChangeState).change);
      else if (a === review.changed || a === review.conflicts) changes.push(...a.resourceStates.map((s: vscode.SourceControlResourceState) => (s as ChangeState).change));
    }
    const unique = [...new Map(changes.map((c) => [c.path, c])).values()];
    return { review, changes: unique.length ? unique : flat.some((a) => a === review.scm) || !flat.length ? review.all() : [] };
  }

  private reviewOf(arg: unknown): Review | undefined {
    for (const review of this.reviews.values()) {
      if (arg === review.scm || arg === review.changed || arg === review.conflicts) return review;
      if (arg && typeof arg === 'object' && 'change' in arg && [...review.changed.resourceStates, ...review.conflicts.resourceStates].includes(arg as ChangeState))
        return review;
    }
    return undefined;
  }

  override dispose(): void {
    for (const review of this.reviews.values()) review.dispose();
    this.reviews.clear();
    super.dispose();
  }
}

function names(changes: FileChange[]): string {
  return (
    changes
      .slice(0, 5)
      .map((c) => c.rel)
      .join(', ') + (changes.length > 5 ? ', …' : '')
  );
}
