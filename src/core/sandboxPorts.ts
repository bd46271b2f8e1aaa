import { SandboxError } from './errors';
import type { SandboxHost } from './sandboxHost';
import type { NetworkedSandbox, SandboxNetwork } from './sandboxNetwork';
import { applyPolicy, ensureNetwork, readPolicyState } from './network/guard';
import { waitForListening } from './tunnels/listener';
import { assertForwardArgs } from './tunnels/forwardArgs';
import type { ListeningPort } from './tunnels/listeningPorts';
import { PortScanner } from './tunnels/portScan';
import { PortWatcher, type PortWatch, type PortWatchEvent, type PortWatchOptions } from './tunnels/portWatcher';
import type { ForwardOptions, Tunnel } from './types';

/**
 * One sandbox's ports: forwarding them (the guard's inbound rules and this process's tunnels) and
 * finding what listens. `Sandbox` delegates to it.
 */
export class SandboxPorts {
  constructor(
    private readonly host: SandboxHost,
    private readonly sandbox: NetworkedSandbox,
    private readonly network: SandboxNetwork,
  ) {}

  /**
   * Opens this process's tunnels for every forwarded port (Modal's `tunnels()`), keyed by the
   * port inside the sandbox. Idempotent; another process (a reloaded window) opens its own.
   */
  async tunnels(): Promise<Record<number, Tunnel>> {
    const state = await this.network.state();
    const result: Record<number, Tunnel> = {};
    for (const forward of state.forwards) {
      result[forward.port] = await this.host.tunnelRegistry.ensure(this.sandbox.id, forward.port, forward.kind, this.network.target(forward.port));
    }
    return result;
  }

  /** Forward a port after creation, without recreating the sandbox; also allows it inbound. */
  async forwardPort(port: number, options: ForwardOptions = {}): Promise<Tunnel> {
    const kind = options.kind ?? 'unencrypted';
    assertForwardArgs(port, kind, options.localPort);
    const docker = this.host.docker;
    const guard = await this.network.requireGuard('forward ports');
    const state = (await readPolicyState(docker, guard)) ?? { blockNetwork: true, cidrAllowlist: [], followsDefaults: false, forwards: [] };
    if (!state.forwards.some((f) => f.port === port && f.kind === kind)) {
      const forwards = [...state.forwards.filter((f) => f.port !== port), { port, kind }];
      await applyPolicy(docker, guard, { ...state, forwards }, await ensureNetwork(docker));
    }
    const tunnel = await this.host.tunnelRegistry.ensure(this.sandbox.id, port, kind, this.network.target(port), options.localPort);
    if (options.waitMs) await waitForListening(this.network.target(port), options.waitMs, `port ${port} in sandbox ${this.sandbox.name}`);
    return tunnel;
  }

  /** Stop forwarding a port: closes this process's listener and refuses the port inbound again. */
  async stopForwarding(port: number): Promise<void> {
    await this.host.tunnelRegistry.close(this.sandbox.id, port);
    const guard = await this.network.requireGuard('stop forwarding');
    const state = await readPolicyState(this.host.docker, guard);
    if (state?.forwards.some((f) => f.port === port)) {
      await applyPolicy(this.host.docker, guard, { ...state, forwards: state.forwards.filter((f) => f.port !== port) }, await ensureNetwork(this.host.docker));
    }
  }

  /**
   * The TCP ports something in the sandbox listens on, in any image (tunnels/portScan.ts says how
   * they are read: a file read on this machine when the engine is local, else an exec).
   */
  async listeningPorts(): Promise<ListeningPort[]> {
    return (await this.portScanner()).scan();
  }

  /**
   * Polls the listening ports and reports changes (tunnels/portWatcher.ts): about once a second,
   * every 5 s while `setIdle(true)`, backing off after failures; stops by itself when the sandbox
   * ends. Call `stop()` when nobody needs it any more.
   */
  watchPorts(onEvent: (event: PortWatchEvent) => void, options: PortWatchOptions = {}): PortWatch {
    let scanner: Promise<PortScanner> | undefined;
    const scan = async () => {
      scanner ??= this.portScanner();
      try {
        return await (await scanner).scan();
      } catch (error) {
        scanner = undefined; // looked up again: the guard may have been replaced
        throw error;
      }
    };
    // A removed sandbox (NOT_FOUND) has ended too; any other failure to ask says nothing.
    const isRunning = () =>
      this.sandbox.info().then(
        (info) => info.state === 'running',
        (error: unknown) => (error instanceof SandboxError && error.code === 'NOT_FOUND' ? false : Promise.reject(error)),
      );
    return new PortWatcher(scan, isRunning, onEvent, options);
  }

  private async portScanner(): Promise<PortScanner> {
    const info = await this.sandbox.info();
    if (info.state !== 'running') {
      throw new SandboxError('NOT_RUNNING', `Sandbox ${this.sandbox.name} is not running (${info.state}), so nothing in it listens.`, 'Create a new sandbox.');
    }
    const [guardId] = await this.network.guardIds();
    return new PortScanner(this.host.docker, { containerId: this.sandbox.containerId, guardId, networking: await this.host.runtimeNetworking(info.runtime) });
  }
}
