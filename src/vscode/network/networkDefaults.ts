/**
 * Keeps the network policy of this window's sandboxes in step with the `sandboxes.network.*`
 * settings, live. A sandbox follows the settings when it was created from them (the engine records
 * `followsDefaults`); one given an explicit policy, by the API or "Set Network Policy…", is left alone.
 * Only sandboxes tagged with this window's workspace are touched: another window may have other
 * settings for its own sandboxes.
 *
 * A change that makes a sandbox stricter is applied at once. A change that lets it reach more is
 * not applied on the settings' word while any running sandbox can write the files those settings
 * live in (a bind mount, i.e. `readwrite`, of a folder holding `.vscode/settings.json` or the
 * `.code-workspace` file): the sandbox may have written the change itself. The sandbox then gets
 * only what both policies allow, and a modal asks the user; nothing wider is applied until they
 * choose Apply.
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { NetworkState } from '../../core/types';
import type { SandboxClientService } from '../client';
import { Disposable, toDisposable } from '../dispose';
import { showErrorNotification } from '../errorNotification';
import { UserFacingError, isSandboxErrorLike, presentError, withFix } from '../errors';
import type { SandboxChanges } from '../sandboxChanges';
import type { ExtensionLog } from '../log';
import { currentWorkspaceTag, readNetworkSettings } from '../settings';
import { NETWORK_SETTINGS_SECTION, SettingKeys } from '../../shared/settingKeys';
import { describePolicy, summarizeReapplyFailures, type ReapplyFailure } from './networkFormat';
import { samePolicy, type NetworkSettings } from './networkSettings';
import { atLeastAsStrict, normalizePolicy, planReapply, policyKey } from './policyOrder';
import type { SettingsWriter } from './settingsWriters';
import { findSettingsWriters } from './settingsWriterLookup';
import { LoosenPrompt } from './loosenPrompt';
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
  | { kind: 'failed'; message: string }
  /** Looser settings held back: the sandbox got only what both policies allow (`narrowed` when that changed it). */
  | { kind: 'held'; writers: SettingsWriter[]; narrowed: boolean };

interface Pass {
  reason: string;
  /** Whether problems are shown as notifications (a settings change) or only logged (catch-up). */
  notify: boolean;
}

/**
 * This window's running sandboxes and the policy each has, or why they could not be read; and the
 * sandboxes (of any window) that could write this window's settings, read alongside so that
 * holding back a wider policy costs the re-apply no extra wait. Never rejects.
 */
type Snapshot = { ok: true; sandboxes: { sandbox: Sandbox; state: NetworkState | Error }[]; writers: Promise<SettingsWriter[]> } | { ok: false; error: unknown };

export class NetworkDefaultsService extends Disposable {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private queued: Pass | undefined;
  /** Read while the debounce runs, so a pass starts with it; only taken when no pass is changing policies. */
  private snapshot: Promise<Snapshot> | undefined;
  /** The last invalid-settings message shown, so an unchanged mistake is not shown again on every save. */
  private shownInvalid: string | undefined;
  /** The modal before looser settings, and what the user answered (loosenPrompt.ts). */
  private readonly loosen: LoosenPrompt;

  constructor(
    private readonly clients: SandboxClientService,
    private readonly log: ExtensionLog,
    /** Every policy change goes through it, so the views hear of it (no Docker event says so). */
    private readonly changes: SandboxChanges,
  ) {
    super();
    this.loosen = new LoosenPrompt(log, (pass) => this.schedule(pass));
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        // guardImage is in the section too, but changes no policy (the client service handles it).
        if (
          event.affectsConfiguration(NETWORK_SETTINGS_SECTION) &&
          (event.affectsConfiguration(SettingKeys.blockNetwork) ||
            event.affectsConfiguration(SettingKeys.cidrAllowlist) ||
            event.affectsConfiguration(SettingKeys.domainAllowlist))
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
    const writers = findSettingsWriters(() => this.clients.client.docker, this.log);
    try {
      // Every engine's (sandboxes.docker.engines): a tightened setting reaches this workspace's
      // sandboxes wherever they run. Another engine that cannot be listed is logged, not fatal;
      // the default engine's failure is, as before. Only this machine's engine can mount the
      // workspace, so the settings writers are looked for there alone.
      const tags = { [WORKSPACE_TAG]: currentWorkspaceTag() };
      const perEngine = await Promise.all(
        this.clients.engines.map((engine, i) =>
          this.clients
            .clientOf(engine.key)
            .list({ tags, all: false })
            .catch((err: unknown) => {
              if (i === 0) throw err;
              this.log.warn(`Network settings: could not list this workspace's sandboxes on engine "${engine.name}": ${err instanceof Error ? err.message : String(err)}`);
              return [];
            }),
        ),
      );
      const sandboxes = perEngine.flat();
      const states = await Promise.all(sandboxes.map((sandbox) => sandbox.networkPolicy().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))));
      return { ok: true, sandboxes: sandboxes.map((sandbox, i) => ({ sandbox, state: states[i] ?? new Error('no state') })), writers };
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
    const key = policyKey(policy);
    const approved = this.loosen.takeApproval(key);
    // Looked at only when some sandbox would be allowed more, and not when the user allowed this policy.
    const writersIfLoosening = () => (approved ? Promise.resolve([]) : snapshot.writers);
    // In parallel: the new policy must be in force everywhere within a second.
    const outcomes = await Promise.all(snapshot.sandboxes.map(({ sandbox, state }) => this.applyTo(sandbox, state, policy, writersIfLoosening)));

    this.reportOutcomes(pass, policy, snapshot.sandboxes, outcomes, started);
    const held = snapshot.sandboxes.flatMap(({ sandbox }, i) => {
      const outcome = outcomes[i];
      return outcome?.kind === 'held' ? [{ name: sandbox.name, writers: outcome.writers }] : [];
    });
    if (held.length > 0) this.loosen.ask(policy, key, held);
  }

  /** Logs the pass, shows how many it applied to, and reports the failures. */
  private reportOutcomes(pass: Pass, policy: NetworkSettings, sandboxes: readonly { sandbox: Sandbox }[], outcomes: readonly Outcome[], started: number): void {
    const count = sandboxes.length;
    const failures: ReapplyFailure[] = [];
    let applied = 0;
    outcomes.forEach((outcome, i) => {
      const name = sandboxes[i]?.sandbox.name ?? '?';
      if (outcome.kind === 'failed') failures.push({ name, message: outcome.message });
      if (outcome.kind === 'applied') applied++;
    });
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

  /** `writersIfLoosening`: the sandboxes that could have written the settings, asked only when `policy` allows this one more. */
  private async applyTo(sandbox: Sandbox, current: NetworkState | Error, policy: NetworkSettings, writersIfLoosening: () => Promise<SettingsWriter[]>): Promise<Outcome> {
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
      // Which sandboxes could have written the settings matters only for a wider policy.
      const writers = atLeastAsStrict(policy, current) ? [] : await writersIfLoosening();
      const { target, held } = planReapply(current, policy, writers.length > 0);
      const unchanged = samePolicy(normalizePolicy(current), target);
      if (held) {
        this.log.warn(
          `Sandbox ${sandbox.name}: the network settings allow more (${describePolicy(current)} → ${describePolicy(policy)}), but sandbox ${writers.map((w) => `${w.name} can write ${w.file}`).join(', ')}: held back until you choose Apply${unchanged ? '' : `; narrowed to ${describePolicy(target)} meanwhile`}.`,
        );
        if (unchanged) return { kind: 'held', writers, narrowed: false };
      }
      const state = await this.changes.setNetworkPolicy(sandbox, target, { followsDefaults: true, onlyIfFollowsDefaults: true }, { background: true });
      const ms = Date.now() - started;
      this.log.info(`Sandbox ${sandbox.name} (${sandbox.id}): network ${describePolicy(current)} → ${describePolicy(state)} in ${ms} ms.`);
      return held ? { kind: 'held', writers, narrowed: true } : { kind: 'applied', ms };
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
