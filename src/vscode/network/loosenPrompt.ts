import type { ExtensionLog } from '../log';
import { showWarningMessage } from '../uiText';
import { describePolicy } from './networkFormat';
import type { NetworkSettings } from './networkSettings';
import type { SettingsWriter } from './settingsWriters';

/**
 * The modal that asks before looser network settings are applied to sandboxes that could have
 * written those settings themselves (networkDefaults.ts), and what the user answered: one question
 * at a time, a policy kept out is not asked about again in this window, and an Apply is good for
 * the next pass only.
 */
export class LoosenPrompt {
  /** The looser policy (`policyKey`) the user is being asked about: one modal at a time. */
  private asking: string | undefined;
  /**
   * The looser policies the user kept out in this window: not asked about again, so a sandbox that
   * keeps rewriting the settings cannot wear the user down with the same question.
   */
  private readonly declined = new Set<string>();
  /** The looser policy the user chose to apply: good for the next pass only. */
  private approved: string | undefined;

  constructor(
    private readonly log: ExtensionLog,
    /** Starts a re-apply pass (after an answer). */
    private readonly schedule: (pass: { reason: string; notify: boolean }) => void,
  ) {}

  /** Whether the user chose Apply for this policy (`policyKey`); the approval is used up. */
  takeApproval(key: string): boolean {
    const approved = this.approved === key;
    this.approved = undefined;
    return approved;
  }

  /**
   * Not awaited: the modal stays up until answered, and tightening changes must not wait for it.
   * Nothing wider is applied unless the answer is Apply; dismissing it keeps the current policy.
   */
  ask(policy: NetworkSettings, key: string, held: { name: string; writers: SettingsWriter[] }[]): void {
    // One question at a time: its answer starts a pass, which asks again if the settings moved on.
    if (this.asking !== undefined || this.declined.has(key)) {
      const why =
        this.asking !== undefined ? 'waiting for your answer' : 'you chose to keep the current policy (Set Network Policy… › Follow workspace settings applies them anyway)';
      this.log.info(`The network settings (${describePolicy(policy)}) stay held back for ${held.map((h) => h.name).join(', ')}: ${why}.`);
      return;
    }
    this.asking = key;
    const names = held.map((h) => `"${h.name}"`).join(', ');
    const writers = [...new Map(held.flatMap((h) => h.writers).map((w) => [w.name, w])).values()];
    const writerText = writers.map((w) => `"${w.name}" can write ${w.file}`).join('; ');
    // Keep comes first, so it is the default button (Enter); Cancel and closing mean keep too: only a deliberate Apply widens.
    const keep = 'Keep Current Policy';
    const apply = 'Apply';
    const text = `Workspace settings now allow ${held.length === 1 ? 'sandbox' : 'sandboxes'} ${names} more network access: ${describePolicy(policy)}. These settings live in a folder that a sandbox can write.`;
    const detail =
      `Sandbox ${writerText} (a read-write mount), so code in it may have made this change. ` +
      'Until you choose Apply, the sandboxes keep their current policy (narrowed to what both allow); stricter settings are always applied at once.';
    void showWarningMessage(text, { modal: true, detail }, keep, apply).then(
      (choice) => {
        this.asking = undefined;
        if (choice === apply) {
          this.log.info(`You chose to apply the network settings (${describePolicy(policy)}) to ${names}.`);
          this.approved = key;
          this.declined.delete(key);
          this.schedule({ reason: 'Applying the network settings you allowed', notify: true });
        } else {
          this.log.info(`You kept the current network policy of ${names}; the settings (${describePolicy(policy)}) are not applied to them.`);
          this.declined.add(key);
          this.schedule({ reason: 'Network settings held back', notify: false });
        }
      },
      (err: unknown) => {
        this.asking = undefined;
        this.log.failure('asking to apply the network settings', err);
      },
    );
  }
}
