/**
 * Keeps the network policy of this window's sandboxes in step with the `sandboxes.network.*`
 * settings, live. A sandbox follows the settings when it was created from them (the engine records
 * `followsDefaults`); one given an explicit policy, by the API or "Toggle Network", is left alone.
 * Only sandboxes tagged with this window's workspace are touched: another window may have other
 * settings for its own sandboxes.
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { NetworkState } from '../../core/types';
import type { SandboxClientService } from '../client';
import { Disposable, toDisposable } from '../dispose';
import { showErrorNotification } from '../errorNotification';
import { UserFacingError, isSandboxErrorLike, presentError, withFix } from '../errors';
import type { ExtensionLog } from '../log';
import { currentWorkspaceTag, readNetworkSettings } from '../settings';
import { NETWORK_SETTINGS_SECTION, SettingKeys } from '../settingKeys';
import { describePolicy, summarizeReapplyFailures, type ReapplyFailure } from './networkFormat';
import { samePolicy, type NetworkSettings } from './networkSettings';
import { WORKSPACE_TAG } from './workspaceTag';

/**
 * Settings edits can come in bursts (settings sync, several keys written at once): apply the last.
 * Short, because a change must be in force within a second, and writing settings alone can take
 * a third of that; the sandboxes' current policies are read meanwhile.
 */
const DEBOUNCE_MS = 50;

type Outcome =
  | { kind: 'applied'; ms: number }
  | { kind: 'unchanged' }
  | { kind: 'explicit' }
  | { kind: 'gone' }
  | { kind: 'failed'; message: string };

interface Pass {
  reason: string;
  /** Whether problems are shown as notifications (a settings change) or only logged (catch-up). */
  notify: boolean;
}

/** This window's running sandboxes and the policy each has, or why they could not be read. */
type Snapshot =
  | { ok: true; sandboxes: { sandbox: Sandbox; state: NetworkState | Error }[] }
  | { ok: false; error: unknown };

export class NetworkDefaultsService extends Disposable {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private queued: Pass | undefined;
  /** Read while the debounce runs, so a pass starts with it; only taken when no pass is changing policies. */
  private snapshot: Promise<Snapshot> | undefined;
  /** The last invalid-settings message shown, so an unchanged mistake is not shown again on every save. */
  private shownInvalid: string | undefined;

  private readonly onDidApplyEmitter = this._register(new vscode.EventEmitter<string[]>());
  /** Fires with the ids of the sandboxes whose policy a pass changed (no Docker event says so). */
  readonly onDidApply = this.onDidApplyEmitter.event;

  constructor(
    private readonly clients: SandboxClientService,
    private readonly log: ExtensionLog,
  ) {
    super();
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        // guardImage is in the section too, but changes no policy (the client service handles it).
        if (
          event.affectsConfiguration(NETWORK_SETTINGS_SECTION) &&
          (event.affectsConfiguration(SettingKeys.blockNetwork) || event.affectsConfiguration(SettingKeys.cidrAllowlist))
        ) {
          this.schedule({ reason: 'Network settings changed', notify: true });
        }
      }),
    );
    // After a reload, or with another Docker endpoint, the settings may have changed while nobody
    // was applying them: catch up, quietly, off the activation path.
    this._register(
      this.clients.onDidChangeClient(() => {
        this.snapshot = undefined;
        this.schedule({ reason: 'Reconnected to Docker', notify: false });
      }),
    );
    this._register(toDisposable(() => clearTimeout(this.timer)));
    // Not inside activate(): the pass's first listing creates the client, which loads the engine.
    const activated = setImmediate(() => this.schedule({ reason: 'Extension activated', notify: false }));
    this._register(toDisposable(() => clearImmediate(activated)));
  }

  private schedule(pass: Pass): void {
    clearTimeout(this.timer);
    // A settings change outranks a quiet catch-up that was waiting.
    this.queued = this.queued?.notify && !pass.notify ? this.queued : pass;
    // While a pass runs, policies are changing: the next pass reads them afresh instead.
    if (!this.running) {
      this.snapshot ??= this.takeSnapshot();
    }
    this.timer = setTimeout(() => void this.drain(), DEBOUNCE_MS);
  }

  /** One pass at a time; changes arriving meanwhile run once more, with the settings of then. */
  private async drain(): Promise<void> {
    if (this.running) {
      return;
    }
    this.running = true;
    try {
      while (this.queued && !this.isDisposed) {
        const pass = this.queued;
        const snapshot = this.snapshot ?? this.takeSnapshot();
        this.queued = undefined;
        this.snapshot = undefined;
        await this.reapply(pass, snapshot).catch((err: unknown) => this.log.failure('re-applying the network settings', err));
      }
    } finally {
      this.running = false;
    }
  }

  private async takeSnapshot(): Promise<Snapshot> {
    try {
      const sandboxes = await this.clients.client.list({ tags: { [WORKSPACE_TAG]: currentWorkspaceTag() }, all: false });
      const states = await Promise.all(
        sandboxes.map((sandbox) => sandbox.networkPolicy().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))),
      );
      return { ok: true, sandboxes: sandboxes.map((sandbox, i) => ({ sandbox, state: states[i] ?? new Error('no state') })) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  private async reapply(pass: Pass, snapshotPromise: Promise<Snapshot>): Promise<void> {
    const started = Date.now();
    let policy: NetworkSettings;
    try {
      policy = readNetworkSettings();
    } catch (err) {
      if (!(err instanceof UserFacingError)) {
        throw err;
      }
      this.reportInvalid(pass, err);
      return;
    }
    this.shownInvalid = undefined;

    const snapshot = await snapshotPromise;
    if (!snapshot.ok) {
      const text = `${pass.reason}: could not list this workspace's sandboxes to apply the network settings (${describePolicy(policy)}).`;
      this.log.warn(`${text} ${snapshot.error instanceof Error ? snapshot.error.message : String(snapshot.error)}`);
      if (pass.notify) {
        const presentation = presentError(snapshot.error, 'Applying the network settings');
        if (presentation.kind !== 'cancelled') {
          this.notify({ ...presentation, text: `${text} ${presentation.text}` });
        }
      }
      return;
    }

    const count = snapshot.sandboxes.length;
    if (pass.notify || count > 0) {
      this.log.info(`${pass.reason}: now ${describePolicy(policy)}; checking ${count} running sandbox${count === 1 ? '' : 'es'} of this workspace.`);
    }
    // In parallel: the new policy must be in force everywhere within a second.
    const outcomes = await Promise.all(snapshot.sandboxes.map(({ sandbox, state }) => this.applyTo(sandbox, state, policy)));

    const failures: ReapplyFailure[] = [];
    let applied = 0;
    outcomes.forEach((outcome, i) => {
      const name = snapshot.sandboxes[i]?.sandbox.name ?? '?';
      if (outcome.kind === 'failed') failures.push({ name, message: outcome.message });
      if (outcome.kind === 'applied') applied++;
    });
    const changed = snapshot.sandboxes.filter((_, i) => outcomes[i]?.kind === 'applied' || outcomes[i]?.kind === 'failed').map(({ sandbox }) => sandbox.id);
    if (changed.length > 0) this.onDidApplyEmitter.fire(changed);
    if (count > 0) {
      this.log.info(`${pass.reason}: applied to ${applied}, failed for ${failures.length}, of ${count} in ${Date.now() - started} ms.`);
    }
    if (applied > 0) {
      vscode.window.setStatusBarMessage(`$(shield) Network settings applied to ${applied} sandbox${applied === 1 ? '' : 'es'}`, 5000);
    }
    if (failures.length > 0) {
      const text = summarizeReapplyFailures(policy, failures, count);
      this.log.error(text);
      this.notify({ kind: 'actionable', text, actions: ['showLog'], settingKeys: [] });
    }
  }

  private async applyTo(sandbox: Sandbox, current: NetworkState | Error, policy: NetworkSettings): Promise<Outcome> {
    const started = Date.now();
    try {
      if (current instanceof Error) {
        throw current;
      }
      if (!current.followsDefaults) {
        this.log.debug(`Sandbox ${sandbox.name}: has its own network policy (${describePolicy(current)}); left alone.`);
        return { kind: 'explicit' };
      }
      if (samePolicy(current, policy)) {
        this.log.debug(`Sandbox ${sandbox.name}: network already ${describePolicy(policy)}.`);
        return { kind: 'unchanged' };
      }
      const state = await sandbox.setNetworkPolicy(policy, { followsDefaults: true, onlyIfFollowsDefaults: true });
      const ms = Date.now() - started;
      this.log.info(`Sandbox ${sandbox.name} (${sandbox.id}): network ${describePolicy(current)} → ${describePolicy(state)} in ${ms} ms.`);
      return { kind: 'applied', ms };
    } catch (err) {
      // Ended or removed since it was listed: there is nothing left to apply a policy to.
      if (isSandboxErrorLike(err) && (err.code === 'NOT_RUNNING' || err.code === 'NOT_FOUND')) {
        this.log.info(`Sandbox ${sandbox.name}: ended before its network could change; skipped.`);
        return { kind: 'gone' };
      }
      if (isSandboxErrorLike(err)) {
        this.log.error(`Sandbox ${sandbox.name}: network settings not applied: ${withFix(err.message, err.fix)}`);
      } else {
        this.log.failure(`applying the network settings to sandbox ${sandbox.name}`, err);
      }
      return { kind: 'failed', message: err instanceof Error ? err.message : String(err) };
    }
  }

  private reportInvalid(pass: Pass, err: UserFacingError): void {
    this.log.warn(`${pass.reason}, but they are invalid; nothing was applied: ${withFix(err.message, err.fix)}`);
    if (!pass.notify || err.message === this.shownInvalid) {
      return;
    }
    this.shownInvalid = err.message;
    const presentation = presentError(err, 'Applying the network settings');
    if (presentation.kind === 'actionable') {
      this.notify({
        ...presentation,
        text: `The network settings were not applied to this workspace's running sandboxes, which keep their current policy. ${presentation.text}`,
      });
    }
  }

  /** Not awaited: a notification stays up until dismissed, and the next pass must not wait for it. */
  private notify(presentation: Parameters<typeof showErrorNotification>[1]): void {
    void showErrorNotification(this.log, presentation).catch((err: unknown) => this.log.failure('notification', err));
  }
}
