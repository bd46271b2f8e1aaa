/**
 * Owns the extension's `SandboxClient`s: the default engine's (`client`) and, with
 * `sandboxes.docker.engines`, one per further engine (engines/engineRegistry.ts; `clientOf`,
 * `clientFor(sandboxId)`, `fromId`). Each is created on first use (activation stays cheap and
 * never touches Docker) and recreated when its entry changes; all of them when `sandboxes.docker.host`,
 * `sandboxes.network.guardImage`, `sandboxes.network.gatewayResolvers` (in force at each sandbox's next
 * policy change) or `sandboxes.ports.bindAddress` changes, so the new value
 * applies to the next operation without a reload (ports/sandboxTunnels.ts reopens the forwards
 * the old client closed).
 */
import * as vscode from 'vscode';
import { connect, type SandboxClient } from '../core';
import type { Logger } from '../core/types';
import { Disposable, toDisposable } from './dispose';
import { withFix } from './errors';
import { isLoopback } from './ports/portSettings';
import { readBindAddress, readDockerEngines, readDockerHost, readGatewayResolvers, readGuardImage, readPoolMemoryBudget, SettingKeys } from './settings';
import type { Sandbox } from '../core';
import { DEFAULT_ENGINE, engineEntriesFrom, type EngineEntry } from './engines/engineEntries';
import { EngineRegistry } from './engines/engineRegistry';
import { showWarningMessage } from './uiText';

export interface SandboxClientOptions {
  /** Where the engine keeps the local CA and the ports of earlier forwards: the extension's global storage. */
  stateDir?: string;
}

export class SandboxClientService extends Disposable {
  private readonly registry = new EngineRegistry((entry) => this.connectTo(entry));
  /** Whether the entries were read since the last settings change. */
  private entriesRead = false;
  /** The `sandboxes.docker.engines` problems last logged, so they are not logged on every read. */
  private loggedEngineProblems = '';

  private readonly onDidChangeClientEmitter = this._register(new vscode.EventEmitter<void>());
  /** Fires after the Docker endpoint, guard image or bind address changed; views refresh from the new client. */
  readonly onDidChangeClient = this.onDidChangeClientEmitter.event;

  /** The invalid bind address last warned about, so it is not shown again on every reconnect. */
  private warnedBindAddress: string | undefined;
  /** Likewise for the gateway resolvers. */
  private warnedResolvers: string | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly options: SandboxClientOptions = {},
  ) {
    super();
    this._register(toDisposable(() => this.reset()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        const changed = [SettingKeys.dockerHost, SettingKeys.guardImage, SettingKeys.gatewayResolvers, SettingKeys.bindAddress, SettingKeys.poolMemoryBudget].filter((key) =>
          event.affectsConfiguration(key),
        );
        if (changed.length > 0) {
          this.logger.info(`${changed.join(' and ')} changed; reconnecting on next use.`);
          this.reset();
          this.onDidChangeClientEmitter.fire();
        } else if (event.affectsConfiguration(SettingKeys.dockerEngines)) {
          // Only the engines whose entry changed or went reconnect; the others keep their client.
          const dropped = this.registry.setEntries(this.readEntries());
          this.logger.info(`${SettingKeys.dockerEngines} changed${dropped.length ? `; reconnecting ${dropped.join(', ')} on next use` : ''}.`);
          this.onDidChangeClientEmitter.fire();
        }
      }),
    );
  }

  /** The default engine's client (`sandboxes.docker.host`). */
  get client(): SandboxClient {
    return this.clientOf(DEFAULT_ENGINE);
  }

  /** The engines configured now, default first; one entry when `sandboxes.docker.engines` is empty. */
  get engines(): readonly EngineEntry[] {
    if (!this.entriesRead) {
      this.registry.setEntries(this.readEntries());
      this.entriesRead = true;
    }
    return this.registry.engines;
  }

  /** More than one engine: the tree groups by engine, pickers name it, Create asks where. */
  get multiEngine(): boolean {
    return this.engines.length > 1;
  }

  /** An engine's client, made on first use. */
  clientOf(engine: string): SandboxClient {
    if (this.isDisposed) {
      throw new Error('The gVisor Sandboxes extension has been deactivated.');
    }
    void this.engines;
    return this.registry.clientOf(engine);
  }

  /** The client of the engine that last listed this sandbox, else the default engine's. */
  clientFor(sandboxId: string): SandboxClient {
    void this.engines;
    return this.clientOf(this.registry.engineOf(sandboxId) ?? DEFAULT_ENGINE);
  }

  /** The engine key that last listed this sandbox, if any did. */
  engineOf(sandboxId: string): string | undefined {
    return this.registry.engineOf(sandboxId);
  }

  /** The engine's entry (name, endpoint), if configured. */
  engineEntry(engine: string): EngineEntry | undefined {
    void this.engines;
    return this.registry.entry(engine);
  }

  /** Records an engine's listing (SandboxList, pickers): later commands route those ids to it. */
  noteListed(engine: string, sandboxIds: readonly string[]): void {
    this.registry.noteListed(engine, sandboxIds);
  }

  /** A sandbox just created there: routed there before the next listing says so. */
  noteCreated(engine: string, sandboxId: string): void {
    this.registry.noteOne(engine, sandboxId);
  }

  /** A sandbox on the named engine, or for a bare id on the engine that has it (registry's order). */
  fromId(id: string, engine?: string): Promise<Sandbox> {
    if (this.isDisposed) {
      return Promise.reject(new Error('The gVisor Sandboxes extension has been deactivated.'));
    }
    void this.engines;
    return this.registry.fromId(id, engine);
  }

  private readEntries(): readonly EngineEntry[] {
    const { engines, problems } = engineEntriesFrom(readDockerHost(), readDockerEngines());
    const text = problems.join(' ');
    if (text !== this.loggedEngineProblems) {
      this.loggedEngineProblems = text;
      for (const problem of problems) this.logger.warn(problem);
    }
    return engines;
  }

  private connectTo(entry: EngineEntry): SandboxClient {
    const dockerHost = entry.host;
    const guardImage = readGuardImage();
    const tunnelBindHost = this.bindAddress();
    this.logger.debug(
      `Connecting to Docker${entry.key === DEFAULT_ENGINE ? '' : ` engine "${entry.name}"`} at ${dockerHost ?? 'DOCKER_HOST or the default socket'}${guardImage ? `, guard image ${guardImage}` : ''}; forwards listen on ${tunnelBindHost}.`,
    );
    const gatewayResolvers = this.gatewayResolvers();
    const poolMemoryBudgetMiB = readPoolMemoryBudget();
    return connect({ dockerHost, guardImage, logger: this.logger, stateDir: this.options.stateDir, tunnelBindHost, gatewayResolvers, poolMemoryBudgetMiB });
  }

  /** `sandboxes.network.gatewayResolvers`: the valid entries, with a warning naming the others. */
  private gatewayResolvers(): string[] | undefined {
    const { resolvers, problem } = readGatewayResolvers();
    if (problem) {
      const text = withFix(problem.message, problem.fix);
      this.logger.warn(text);
      if (this.warnedResolvers !== problem.message) {
        this.warnedResolvers = problem.message;
        void showWarningMessage(text);
      }
    }
    if (resolvers) this.logger.info(`Egress gateways resolve names through ${resolvers.join(', ')} (${SettingKeys.gatewayResolvers}).`);
    return resolvers;
  }

  /** `sandboxes.ports.bindAddress`, or 127.0.0.1 with a warning when it is invalid. */
  private bindAddress(): string {
    const { address, problem } = readBindAddress();
    if (problem) {
      const text = withFix(problem.message, problem.fix);
      this.logger.warn(text);
      if (this.warnedBindAddress !== problem.message) {
        this.warnedBindAddress = problem.message;
        const openSettings = 'Open Settings';
        void showWarningMessage(text, openSettings).then((choice) => {
          if (choice === openSettings) void vscode.commands.executeCommand('workbench.action.openSettings', SettingKeys.bindAddress);
        });
      }
    } else if (!isLoopback(address)) {
      this.logger.warn(
        `Forwarded ports listen on ${address} (${SettingKeys.bindAddress}): other machines that can reach this one can connect to them, without authentication.`,
      );
    }
    return address;
  }

  /**
   * Operations still running on the old client (an open terminal, say) may fail when it is
   * disposed: acceptable, since the user just pointed the extension at another Docker engine.
   */
  private reset(): void {
    this.registry.reset();
    this.entriesRead = false;
  }
}
