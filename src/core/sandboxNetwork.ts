import { SandboxError } from './errors';
import { LABEL } from './labels';
import type { SandboxHost } from './sandboxHost';
import type { NetworkPolicy, RuntimeNetworking } from '../shared/networkModes';
import { assertEnforceable } from './network/runtimeMode';
import { applyPolicy, ensureNetwork, guardAddress, readPolicyState, type NetworkInfo, type PolicyState } from './network/guard';
import { modeOf, needsGateway, validatePolicy } from './network/policy';
import { configureGateway, ensureGateway, findGateway, removeGateway } from './network/gateway';
import type { TunnelTarget } from './tunnels/listener';
import { openExecRelay } from './tunnels/execRelay';
import { forwardOrRelay } from './tunnels/forwardOrRelay';
import type { NetworkPolicyInput, NetworkState, SandboxInfo } from './types';

/** What the network side needs of its sandbox handle (an interface: no import cycle with sandbox.ts). */
export interface NetworkedSandbox {
  readonly id: string;
  readonly containerId: string;
  readonly name: string;
  info(): Promise<SandboxInfo>;
}

/**
 * One sandbox's network, through its guard container: the policy in force, changing it (fail
 * closed, with the egress gateway for domain allowlists), and where tunnels connect. `Sandbox`
 * delegates to it.
 */
export class SandboxNetwork {
  constructor(
    private readonly host: SandboxHost,
    private readonly sandbox: NetworkedSandbox,
  ) {}

  /** The network policy in force, as the sandbox's guard recorded it (any client, after reloads). */
  async state(): Promise<NetworkState> {
    const info = await this.sandbox.info();
    const networking = await this.host.runtimeNetworking(info.runtime);
    if (networking === 'none')
      return { mode: 'blocked', blockNetwork: true, cidrAllowlist: [], domainAllowlist: [], followsDefaults: false, enforced: true, forwardedPorts: [], forwards: [] };
    const [guard] = await this.guardIds();
    const state = guard && info.state === 'running' ? await readPolicyState(this.host.docker, guard).catch(() => null) : null;
    // No recorded state: the guard holds its deny-all rules (or the sandbox predates guards).
    const policy: PolicyState = state ?? { blockNetwork: networking === 'kernel' && Boolean(guard), cidrAllowlist: [], followsDefaults: false, forwards: [] };
    return stateView(policy, networking === 'kernel' && Boolean(guard));
  }

  /**
   * Change the network policy of the running sandbox, live (Modal's policy swap). Tightening also
   * cuts open connections to destinations no longer allowed. Fail closed: when the new policy
   * cannot be loaded and verified, the sandbox is left with no network at all, or stopped.
   */
  async setPolicy(input: NetworkPolicyInput, options: { followsDefaults?: boolean; onlyIfFollowsDefaults?: boolean } = {}): Promise<NetworkState> {
    const policy = validatePolicy(input);
    const info = await this.sandbox.info();
    if (info.state !== 'running') {
      throw new SandboxError(
        'NOT_RUNNING',
        `Sandbox ${this.sandbox.name} is not running (${info.state}), so its network policy cannot change.`,
        'Create a new sandbox with the policy you want.',
      );
    }
    const networking = await this.host.runtimeNetworking(info.runtime);
    try {
      assertEnforceable(info.runtime, networking, policy);
    } catch (error) {
      if (modeOf(policy) !== 'open') await this.stopFailClosed();
      throw new SandboxError(
        'POLICY_UNSUPPORTED',
        `${(error as SandboxError).message} Sandbox ${this.sandbox.name} was stopped rather than left with a network it was not meant to have.`,
        (error as SandboxError).fix,
      );
    }
    const [guard] = await this.guardIds();
    if (!guard) {
      throw new SandboxError(
        'POLICY_UNSUPPORTED',
        `Sandbox ${this.sandbox.name} has no network guard (it was created before network policies existed), so its policy cannot change.`,
        'Create a new sandbox.',
      );
    }
    const previous = await readPolicyState(this.host.docker, guard).catch(() => null);
    // Re-applying defaults must not undo an explicit choice made meanwhile (e.g. Toggle Network).
    if (options.onlyIfFollowsDefaults && !previous?.followsDefaults) return this.state();
    const state: PolicyState = { ...policy, followsDefaults: options.followsDefaults === true, forwards: previous?.forwards ?? [] };
    const network = await ensureNetwork(this.host.docker);
    try {
      await this.applyWithGateway(guard, policy, state, network, networking);
    } catch (error) {
      let outcome = 'It now has no network (blocked).';
      try {
        await applyPolicy(this.host.docker, guard, { ...state, blockNetwork: true, cidrAllowlist: [] }, network);
      } catch {
        await this.stopFailClosed();
        outcome = 'Blocking its network failed too, so it was stopped.';
      }
      const cause = error instanceof SandboxError ? error : undefined;
      throw new SandboxError('POLICY_FAILED', `${cause?.message ?? String(error)} ${outcome}`, cause?.fix ?? 'See the log for details.', { cause: error });
    }
    const listed = [...state.cidrAllowlist, ...(state.domainAllowlist ?? [])];
    this.host.logger?.info(`Sandbox ${this.sandbox.name}: network policy is now ${modeOf(state)}${listed.length ? ` (${listed.join(', ')})` : ''}`);
    // The guard verified exactly this state: no need to read it back (an exec saved per change).
    return stateView(state, true);
  }

  /** The guard's rules for `state`, with the egress gateway set up first or removed after as needed. */
  private async applyWithGateway(guard: string, policy: NetworkPolicy, state: PolicyState, network: NetworkInfo, networking: RuntimeNetworking): Promise<void> {
    const docker = this.host.docker;
    // Domain allowlist: the gateway first (it cuts what it no longer allows, and listens on new
    // ports before the guard sends them), then the guard's rules pointing at it.
    if (needsGateway(policy) && networking === 'kernel') {
      // The sandbox's tags go on the gateway too (scripts and tests find their objects by them).
      const guardLabels = (await docker.getContainer(guard).inspect()).Config.Labels ?? {};
      const tags = Object.fromEntries(Object.entries(guardLabels).filter(([key]) => key.startsWith(LABEL.tagPrefix)));
      const gateway = await ensureGateway(docker, { sandboxId: this.sandbox.id, image: this.host.gateway.image, network, labels: tags });
      await configureGateway(docker, gateway, guard, policy, network, this.host.gateway.resolvers);
      state.gateway = { v4: gateway.v4, v6: gateway.v6 };
    }
    await applyPolicy(docker, guard, state, network);
    // Leaving domain mode: the guard no longer points at the gateway, so it can go.
    if (!state.gateway) {
      const old = await findGateway(docker, this.sandbox.id).catch(() => undefined);
      if (old) await removeGateway(docker, old.Id).catch(() => undefined);
    }
  }

  /**
   * Where a tunnel connects: the guard's address (cached; looked up again after a failure), or,
   * on a remote engine, a relay through the guard over the engine's connection.
   */
  target(port: number): () => Promise<TunnelTarget> {
    if (this.host.portPath === 'relay' || this.host.portPath === 'forward') {
      let guard: Promise<string> | undefined;
      const forwardTcp = this.host.portPath === 'forward' ? this.host.forwardTcp?.bind(this.host) : undefined;
      let address: Promise<string> | undefined;
      let currentGuard: string | undefined;
      const relay = () =>
        openExecRelay(this.host.docker, currentGuard as string, port).catch((error: unknown) => {
          guard = undefined;
          address = undefined;
          throw error;
        });
      // One choice per forwarded port, kept across its connections (tunnels/forwardOrRelay.ts).
      const open = forwardTcp
        ? forwardOrRelay(async () => {
            address ??= guardAddress(this.host.docker, currentGuard as string);
            return forwardTcp(await address, port);
          }, relay)
        : relay;
      return async () => {
        guard ??= this.requireGuard('reach its ports');
        try {
          currentGuard = await guard;
          return { relay: open };
        } catch (error) {
          guard = undefined;
          throw error;
        }
      };
    }
    let address: Promise<string> | undefined;
    return async () => {
      address ??= this.requireGuard('reach its ports').then((guard) => guardAddress(this.host.docker, guard));
      try {
        return { host: await address, port };
      } catch (error) {
        address = undefined;
        throw error;
      }
    };
  }

  async requireGuard(what: string): Promise<string> {
    const info = await this.sandbox.info();
    if (info.state !== 'running') {
      throw new SandboxError('NOT_RUNNING', `Sandbox ${this.sandbox.name} is not running (${info.state}), so it cannot ${what}.`, 'Create a new sandbox.');
    }
    const [guard] = await this.guardIds();
    // A --network=none runtime's sandbox has a guard too (it holds its network files), but no network.
    if (!guard || (await this.host.runtimeNetworking(info.runtime)) === 'none') {
      throw new SandboxError(
        'TUNNEL_FAILED',
        `Sandbox ${this.sandbox.name} has no network (its runtime gives it loopback only), so it cannot ${what}.`,
        'Use a runtime with a network (runsc registered with --network=host, or runc).',
      );
    }
    return guard;
  }

  private async stopFailClosed(): Promise<void> {
    await this.host.docker
      .getContainer(this.sandbox.containerId)
      .kill()
      .catch(() => undefined);
  }

  /** The guard container(s) holding this sandbox's network namespace. */
  async guardIds(): Promise<string[]> {
    try {
      const guards = await this.host.docker.listContainers({ all: true, filters: { label: [`${LABEL.id}=${this.sandbox.id}`, `${LABEL.role}=guard`] } });
      return guards.map((g) => g.Id);
    } catch {
      return [];
    }
  }
}

function stateView(policy: PolicyState, enforced: boolean): NetworkState {
  return {
    mode: modeOf(policy),
    blockNetwork: policy.blockNetwork,
    cidrAllowlist: policy.cidrAllowlist,
    domainAllowlist: policy.domainAllowlist ?? [],
    followsDefaults: policy.followsDefaults,
    enforced,
    forwardedPorts: policy.forwards.map((f) => f.port),
    forwards: policy.forwards,
  };
}
