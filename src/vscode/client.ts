/**
 * Owns the extension's `SandboxClient`. It is created on first use (activation stays cheap and
 * never touches Docker) and recreated when `sandboxes.docker.host` or
 * `sandboxes.network.guardImage` changes, so the new value applies to the next operation
 * without a reload.
 */
import * as vscode from 'vscode';
import { connect, type SandboxClient } from '../core';
import type { Logger } from '../core/types';
import { Disposable, toDisposable } from './dispose';
import { readDockerHost, readGuardImage, SettingKeys } from './settings';

export class SandboxClientService extends Disposable {
  private current: SandboxClient | undefined;

  private readonly onDidChangeClientEmitter = this._register(new vscode.EventEmitter<void>());
  /** Fires after the Docker endpoint or guard image changed; views refresh from the new client. */
  readonly onDidChangeClient = this.onDidChangeClientEmitter.event;

  constructor(private readonly logger: Logger) {
    super();
    this._register(toDisposable(() => this.reset()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        const changed = [SettingKeys.dockerHost, SettingKeys.guardImage].filter((key) => event.affectsConfiguration(key));
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
      this.logger.debug(`Connecting to Docker at ${dockerHost ?? 'DOCKER_HOST or the default socket'}${guardImage ? `, guard image ${guardImage}` : ''}.`);
      this.current = connect({ dockerHost, guardImage, logger: this.logger });
    }
    return this.current;
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
