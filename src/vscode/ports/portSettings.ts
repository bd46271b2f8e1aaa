/**
 * The `sandboxes.ports.*` settings → the ports new sandboxes forward, and the address forwards
 * listen on. Pure: the configuration is passed in, so tests need no VS Code.
 */
import type { SandboxSpec } from '../../core/types';
import { PORT_FIELDS, type PortField } from '../../shared/tunnelKinds';
import { UserFacingError } from '../errors';
import { IPV4, IPV6 } from '../../shared/cidrPattern';
import type { SettingsReader } from '../network/networkSettings';
import { DEFAULT_BIND_ADDRESS, SettingKeys } from '../../shared/settingKeys';

/** The spec fields the port settings fill; only non-empty lists are present. */
export type PortSettings = Pick<SandboxSpec, PortField>;

export { PORT_FIELDS };

/**
 * Throws one `UserFacingError` naming every bad entry and the setting it is in, including a port
 * listed twice (a port is forwarded one way only).
 */
export function portSettingsFrom(settings: SettingsReader): PortSettings {
  const problems: string[] = [];
  const keys: string[] = [];
  const seen = new Map<number, string>();
  const result: PortSettings = {};
  for (const field of PORT_FIELDS) {
    const key = SettingKeys[field];
    const value = settings.get(key);
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) {
      problems.push(`Setting "${key}" is ${describeValue(value)}, but it must be a list of port numbers such as [8000].`);
      keys.push(key);
      continue;
    }
    const ports: number[] = [];
    const bad: string[] = [];
    for (const entry of value as unknown[]) {
      if (typeof entry !== 'number' || !Number.isInteger(entry) || entry < 1 || entry > 65535) {
        bad.push(`${describeValue(entry)} is not a port number from 1 to 65535`);
      } else if (seen.has(entry)) {
        bad.push(seen.get(entry) === key ? `${entry} is listed twice` : `${entry} is also in "${seen.get(entry)}"`);
      } else {
        seen.set(entry, key);
        ports.push(entry);
      }
    }
    if (bad.length > 0) {
      problems.push(`Setting "${key}" has ${bad.length === 1 ? 'an invalid entry' : `${bad.length} invalid entries`}: ${bad.join('; ')}.`);
      keys.push(key);
    }
    if (ports.length > 0) result[field] = ports;
  }
  if (problems.length > 0) {
    throw new UserFacingError(
      problems.join(' '),
      'Correct the entries named, in Settings or settings.json: whole numbers from 1 to 65535, each port in one list only (it is forwarded one way).',
      keys,
    );
  }
  return result;
}

/** Whether a spec forwards any port, so that its tunnels should be opened after creation. */
export function forwardsPorts(spec: PortSettings): boolean {
  return PORT_FIELDS.some((field) => (spec[field]?.length ?? 0) > 0);
}

/**
 * `localhost` or an IPv4 or IPv6 address, no zone id: something a listener can bind without a
 * DNS lookup. package.json carries the same text (test/unit/portSettings.test.ts keeps them in step).
 */
export const BIND_ADDRESS_PATTERN = `^(?:localhost|${IPV4}|${IPV6})$`;

export const BIND_ADDRESS_PATTERN_ERROR = 'Use an IP address of this machine, e.g. 127.0.0.1 (only this machine, the default), ::1, or 0.0.0.0 (every interface).';

const BIND_ADDRESS = new RegExp(BIND_ADDRESS_PATTERN, 'u');

export type BindAddress = { address: string; problem?: undefined } | { address: typeof DEFAULT_BIND_ADDRESS; problem: UserFacingError };

/**
 * The address tunnels listen on. An invalid value falls back to the narrowest one, 127.0.0.1,
 * with the problem to report: failing closed here means no forward is ever wider than intended.
 */
export function bindAddressFrom(settings: SettingsReader): BindAddress {
  const value = settings.get(SettingKeys.bindAddress);
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return { address: DEFAULT_BIND_ADDRESS };
  }
  if (typeof value === 'string' && BIND_ADDRESS.test(value.trim())) {
    return { address: value.trim() };
  }
  return {
    address: DEFAULT_BIND_ADDRESS,
    problem: new UserFacingError(
      `Setting "${SettingKeys.bindAddress}" is ${describeValue(value)}, which is not an IP address; forwarded ports listen on ${DEFAULT_BIND_ADDRESS} (this machine only) instead.`,
      `${BIND_ADDRESS_PATTERN_ERROR} Removing the setting restores the default.`,
      [SettingKeys.bindAddress],
    ),
  };
}

/** Whether forwards at this address can be reached from other machines. */
export function isLoopback(address: string): boolean {
  return address === 'localhost' || /^127\./.test(address) || address === '::1' || /^(?:0{0,4}:){7}0{0,3}1$/i.test(address);
}

function describeValue(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}…` : json;
}
