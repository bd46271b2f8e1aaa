/**
 * The network part of "Check Setup": per registered runtime, whether network policies are
 * enforced there, and whether the guard image that enforces them exists. Pure, so it is
 * unit-tested; commands/checkSetup.ts asks Docker.
 */
import type { RuntimeNetworking } from '../../core/network/runtimeMode';
import type { CheckItem, NetworkMode } from '../../core/types';
import { describeRuntimeNetworking, runtimeSupports } from '../network/networkFormat';
import { SettingKeys } from '../../shared/settingKeys';

export interface NetworkCheckInput {
  runtimes: { name: string; networking: RuntimeNetworking }[];
  /** The runtime new sandboxes use (`sandboxes.defaults.runtime`). */
  configuredRuntime: string;
  guardImage: { name: string; present: boolean };
  /** The workspace's network mode; `undefined` when the settings are invalid (the settings check says so). */
  settingsMode: NetworkMode | undefined;
}

export function networkCheckItems(input: NetworkCheckInput): CheckItem[] {
  const configured = input.runtimes.find((r) => r.name === input.configuredRuntime);
  const others = input.runtimes.filter((r) => r !== configured).sort((a, b) => a.name.localeCompare(b.name));
  const items = [...(configured ? [configured] : []), ...others].map((runtime) => runtimeItem(runtime, runtime === configured, input.settingsMode));

  // Every sandbox but those of a --network=none runtime gets a guard container.
  const needsGuard = configured?.networking !== 'none';
  const guard = `"${input.guardImage.name}"`;
  items.push(
    input.guardImage.present
      ? { name: 'Network guard image', ok: true, detail: `${guard} is present; a small container from it enforces each sandbox's network policy.` }
      : {
          name: 'Network guard image',
          ok: !needsGuard,
          detail: `${guard} is not on this machine. Each sandbox's network policy is enforced by a small container from it, so ${needsGuard ? 'creating sandboxes fails' : 'only sandboxes of --network=none runtimes can be created'}.`,
          fix: `Build it with \`sudo bash scripts/setup-host.sh\` (or scripts/build-guard-image.sh) from the extension repository, or set ${SettingKeys.guardImage} to an image with /bin/sh, iptables and ip6tables.`,
        },
  );
  return items;
}

function runtimeItem(runtime: { name: string; networking: RuntimeNetworking }, isConfigured: boolean, settingsMode: NetworkMode | undefined): CheckItem {
  const name = `Network policy: ${runtime.name}${isConfigured ? ' (new sandboxes)' : ''}`;
  const detail = describeRuntimeNetworking(runtime.networking);
  // Only the runtime in use can fail, and only when it cannot give what the settings ask for.
  if (!isConfigured || settingsMode === undefined || runtimeSupports(runtime.networking, settingsMode)) {
    return { name, ok: true, detail };
  }
  const fix =
    runtime.networking === 'netstack'
      ? `Set ${SettingKeys.runtime} to a runtime registered with --network=host (scripts/setup-host.sh registers runsc that way), or clear the workspace's network settings to get open sandboxes.`
      : `Set ${SettingKeys.blockNetwork} to true, or ${SettingKeys.runtime} to a runtime registered with --network=host.`;
  return { name, ok: false, detail: `${detail} The workspace's network settings ask for ${settingsMode} sandboxes, so creating one fails.`, fix };
}
