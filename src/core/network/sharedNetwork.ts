/**
 * The user-defined bridge network all sandboxes' guards are on (created once, labelled), and the
 * addresses open mode must still refuse on it: Docker's own subnets and gateways, and this
 * machine's when the engine is local.
 */
import * as os from 'node:os';
import type Docker from 'dockerode';
import { dockerStatus } from '../errors';
import { LABEL } from '../labels';

export const NETWORK_NAME = 'sandboxes';

export interface NetworkInfo {
  name: string;
  gatewayV4?: string;
  gatewayV6?: string;
  /**
   * Addresses of Docker's own networks that open mode refuses even when they are public: the
   * sandboxes network's and docker0's subnets, and every bridge network's gateway (this machine).
   */
  dockerAddresses?: string[];
  /** The engine runs on this machine (a unix socket): its interface addresses are the host's. */
  local?: boolean;
}

interface NetworkListing {
  Name: string;
  Driver?: string;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] };
}

/** The shared user-defined bridge of all sandboxes (created once, labelled). */
export async function ensureNetwork(docker: Docker): Promise<NetworkInfo> {
  // Docker's other networks only add addresses to refuse: a failure to list them is not fatal.
  const others = docker.listNetworks().catch(() => [] as NetworkListing[]);
  const local = Boolean((docker.modem as { socketPath?: unknown }).socketPath);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return networkInfo(await docker.getNetwork(NETWORK_NAME).inspect(), (await others) as NetworkListing[], local);
    } catch (error) {
      if (dockerStatus(error) !== 404) throw error;
    }
    try {
      await docker.createNetwork({ Name: NETWORK_NAME, Driver: 'bridge', CheckDuplicate: true, Labels: { [LABEL.managed]: 'true', [LABEL.role]: 'network' } });
    } catch (error) {
      if (dockerStatus(error) !== 409) throw error; // created concurrently by another client: use it
    }
  }
  return networkInfo(await docker.getNetwork(NETWORK_NAME).inspect(), (await others) as NetworkListing[], local);
}

function networkInfo(network: NetworkListing, all: NetworkListing[], local: boolean): NetworkInfo {
  const info: NetworkInfo = { name: network.Name, local, dockerAddresses: [] };
  for (const config of network.IPAM?.Config ?? []) {
    if (config.Gateway?.includes(':')) info.gatewayV6 ??= config.Gateway;
    else if (config.Gateway) info.gatewayV4 ??= config.Gateway;
  }
  for (const other of [network, ...all]) {
    if (other.Driver !== undefined && other.Driver !== 'bridge') continue;
    for (const config of other.IPAM?.Config ?? []) {
      if (config.Gateway) info.dockerAddresses!.push(config.Gateway);
      // Subnets of our own network and docker0 (the default bridge); other networks' containers
      // are reachable only if someone connects the guard to them, on purpose.
      if (config.Subnet && (other.Name === network.Name || other.Name === 'bridge')) info.dockerAddresses!.push(config.Subnet);
    }
  }
  return info;
}

/**
 * What open mode refuses of this machine and Docker beyond the non-public ranges: Docker's
 * network addresses and, when the engine is local, every address of this machine's interfaces
 * (read at each apply, so bridges created since are included). A remote engine's host addresses
 * cannot be known from here (documented in docs/security.md).
 */
export function ownAddresses(network: NetworkInfo): string[] {
  const addresses = [...(network.dockerAddresses ?? [])];
  if (network.local) {
    for (const entry of Object.values(os.networkInterfaces()).flat()) {
      if (entry && !entry.internal && !/^fe80:/i.test(entry.address)) addresses.push(entry.address);
    }
  }
  return addresses;
}
