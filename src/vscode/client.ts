/**
 * Owns the extension's `SandboxClient`. It is created on first use (activation stays cheap and
 * never touches Docker) and recreated when `sandboxes.docker.host`,
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
import { readBindAddress, readDockerHost, readGatewayResolvers, readGuardImage, SettingKeys } from './settings';
import { showWarningMessage } from './uiText';

export interface SandboxClientOptions {
  /** Where the engine keeps the local CA and the ports of earlier forwards: the extension's global storage. */
  stateDir?: string;
}

export class SandboxClientService extends Disposable {
  private current: SandboxClient | undefined;

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
        const changed = [SettingKeys.dockerHost, SettingKeys.guardImage, SettingKeys.gatewayResolvers, SettingKeys.bindAddress].filter((key) =>
          event.affectsConfiguration(key),
        );
        if (changed.length > 0) {
          this.logger.info(`${changed.join(' and ')} changed; reconnecting on next use.`);
          this.reset();
          this.onDidChangeClientEmitter.fire();
        }
      }),
    );
  }

  get client(): SandboxClient {
    if (this.isDisposed) {
      throw new Error('The gVisor Sandboxes extension has been deactivated.');
    }
    if (!this.current) {
      const dockerHost = readDockerHost();
      const guardImage = readGuardImage();
      const tunnelBindHost = this.bindAddress();
      this.logger.debug(
        `Connecting to Docker at ${dockerHost ?? 'DOCKER_HOST or the default socket'}${guardImage ? `, guard image ${guardImage}` : ''}; forwards listen on ${tunnelBindHost}.`,
      );
      const gatewayResolvers = this.gatewayResolvers();
      this.current = connect({ dockerHost, guardImage, logger: this.logger, stateDir: this.options.stateDir, tunnelBindHost, gatewayResolvers });
    }
    return this.current;
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
    this.current?.dispose();
    this.current = undefined;
  }
}
