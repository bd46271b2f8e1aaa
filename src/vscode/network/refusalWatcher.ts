/**
 * What the egress gateways refused (issue #12): every refusal of a running sandbox with a domain
 * allowlist goes to the output channel, and a refused name raises a rate-limited notification
 * "Sandbox X was refused example.org:443 — Allow for This Sandbox / Add to Workspace Allowlist /
 * Ignore". Nothing is allowed without the click; the click runs `sandboxes.allowRefusedName`
 * (commands/allowRefusedName.ts), whose change goes through SandboxChanges like any other, and a
 * workspace entry counts only where the settings rules let it (effectiveSettings.ts).
 */
import * as vscode from 'vscode';
import type { NetworkEvent, SandboxInfo } from '../../core/types';
import type { SandboxClientService } from '../client';
import { Disposable, toDisposable } from '../dispose';
import type { ExtensionLog } from '../log';
import type { SandboxList } from '../tree/sandboxList';
import { showWarningMessage } from '../uiText';
import { CommandIds } from '../commands/commandIds';
import { describeRefusal, entryFor, shouldNotify } from './refusalText';

export class RefusalWatcher extends Disposable {
  private readonly watching = new Map<string, AbortController>();
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly clients: SandboxClientService,
    private readonly log: ExtensionLog,
    private readonly list: SandboxList,
  ) {
    super();
    this._register(list.onDidChange(() => void this.sync()));
    this._register(toDisposable(() => this.stopAll()));
  }

  private stopAll(): void {
    for (const controller of this.watching.values()) controller.abort();
    this.watching.clear();
  }

  /** Follows the gateways of running domain-allowlist sandboxes; stops following the others. */
  private async sync(): Promise<void> {
    const running = this.list.current.sandboxes.filter((s) => s.state === 'running');
    const keep = new Set<string>();
    for (const info of running) {
      const state = await this.list.networkState(info).catch(() => undefined);
      if (this.isDisposed) return;
      if (!state || state instanceof Error || (state.domainAllowlist ?? []).length === 0) continue;
      keep.add(info.id);
      if (!this.watching.has(info.id)) this.follow(info);
    }
    for (const [id, controller] of this.watching) {
      if (!keep.has(id)) {
        controller.abort();
        this.watching.delete(id);
      }
    }
  }

  private follow(info: SandboxInfo): void {
    const controller = new AbortController();
    this.watching.set(info.id, controller);
    const sandbox = this.clients.clientFor(info.id).handle(info);
    void (async () => {
      try {
        for await (const event of sandbox.networkEvents({ history: 0, follow: true, signal: controller.signal })) {
          this.log.info(describeRefusal(info.name, event));
          const entry = entryFor(event);
          if (entry && shouldNotify(this.seen, info.id, entry, Date.now())) void this.offer(info, entry, event);
        }
      } catch {
        // The gateway went away (the sandbox ended or left domain mode): the next sync decides.
      } finally {
        if (this.watching.get(info.id) === controller) this.watching.delete(info.id);
      }
    })();
  }

  private async offer(info: SandboxInfo, entry: string, event: NetworkEvent): Promise<void> {
    const allow = 'Allow for This Sandbox';
    const workspace = 'Add to Workspace Allowlist';
    const choice = await showWarningMessage(
      `Sandbox "${info.name}" was refused ${entry}${event.port && !entry.includes(':') ? `:${event.port}` : ''} (${event.protocol}): it is not on its domain allowlist.`,
      allow,
      workspace,
      'Ignore',
    );
    const scope = choice === allow ? 'sandbox' : choice === workspace ? 'workspace' : undefined;
    if (!scope) return;
    // The command does the change (through SandboxChanges) and logs it, and reports its own failures.
    await vscode.commands.executeCommand(CommandIds.allowRefusedName, { sandboxId: info.id, entry, scope });
  }
}
