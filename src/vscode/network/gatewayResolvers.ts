/**
 * `sandboxes.network.gatewayResolvers`: the resolvers the egress gateway of domain-allowlist
 * sandboxes asks (ConnectOptions.gatewayResolvers). User scope only (effectiveSettings.ts): where a
 * sandbox's allowed names are resolved decides which addresses it may reach, so a repository may
 * not choose it. Pure, so it is unit-tested; client.ts reads it when it connects.
 */
import * as ipaddr from 'ipaddr.js';
import { validResolvers } from '../../core';
import { SettingKeys } from '../../shared/settingKeys';
import { UserFacingError } from '../errors';
import type { SettingsReader } from './networkSettings';

export interface GatewayResolvers {
  /** For connect(); `undefined`: the gateway's own resolver (Docker's embedded DNS). */
  resolvers: string[] | undefined;
  /** Entries that were left out, and why: shown as a warning. */
  problem?: UserFacingError;
}

export function gatewayResolversFrom(settings: SettingsReader): GatewayResolvers {
  const value = settings.get(SettingKeys.gatewayResolvers);
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return { resolvers: undefined };
  const entries: unknown[] = Array.isArray(value) ? value : [value];
  const usable: string[] = [];
  const bad: string[] = [];
  for (const entry of entries) {
    const [valid] = typeof entry === 'string' ? validResolvers([entry]) : [];
    // A loopback address would be the gateway's own container, where no resolver listens.
    if (valid === undefined || ipaddr.parse(valid).range() === 'loopback' || ipaddr.parse(valid).range() === 'unspecified') bad.push(JSON.stringify(entry) ?? String(entry));
    else if (!usable.includes(valid)) usable.push(valid);
  }
  if (bad.length === 0) return { resolvers: usable };
  const outcome = usable.length ? `the gateway asks only ${usable.join(', ')}` : "the gateway asks its own resolver (Docker's embedded DNS) instead";
  return {
    resolvers: usable.length ? usable : undefined,
    problem: new UserFacingError(
      `Setting "${SettingKeys.gatewayResolvers}" has ${bad.join(', ')}, which ${bad.length === 1 ? 'is not a usable resolver address' : 'are not usable resolver addresses'}; ${outcome}.`,
      'Use IP addresses (IPv4 or IPv6, no port, not loopback) of resolvers the gateway container can reach, e.g. ["192.0.2.53"].',
      [SettingKeys.gatewayResolvers],
    ),
  };
}
