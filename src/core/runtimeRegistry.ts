import type Docker from 'dockerode';
import { SETUP_FIX, SandboxError } from './errors';
import { DEFAULT_RUNTIME } from './spec';

/** A runtime as `docker info` reports it. */
export type RuntimeEntry = { path?: string; runtimeArgs?: string[] };

const RUNTIME_CACHE_MS = 10_000;

/**
 * The runtimes registered with one Docker engine and its data root, from `docker info`, cached
 * briefly: every create asks, and the answer rarely changes.
 */
export class RuntimeRegistry {
  private cached: { at: number; names: Map<string, RuntimeEntry>; rootDir?: string } | undefined;

  constructor(
    private readonly docker: Docker,
    private readonly endpointDescription: string,
    /** Turns "no engine there" into DOCKER_UNREACHABLE (the client's guard). */
    private readonly guard: <T>(call: () => Promise<T>) => Promise<T>,
  ) {}

  /** Registered runtimes as Docker reports them; `refresh` skips the cache. */
  async names(refresh = false): Promise<Map<string, RuntimeEntry>> {
    if (!refresh && this.cached && Date.now() - this.cached.at < RUNTIME_CACHE_MS) return this.cached.names;
    const info = await this.guard(() => this.docker.info());
    const names = new Map(Object.entries((info.Runtimes ?? {}) as Record<string, RuntimeEntry>));
    this.cached = { at: Date.now(), names, rootDir: typeof info.DockerRootDir === 'string' && info.DockerRootDir ? info.DockerRootDir : undefined };
    return names;
  }

  /** The engine's data root on its host (from the `docker info` that names() reads). */
  rootDir(): string {
    return this.cached?.rootDir ?? '/var/lib/docker';
  }

  /** RUNTIME_MISSING naming the registered runtimes when `runtime` is not one of them: never a silent fallback to runc. */
  require(runtime: string, names: Map<string, RuntimeEntry>): void {
    if (names.has(runtime)) return;
    const registered = [...names.keys()].join(', ') || 'none';
    if (runtime === DEFAULT_RUNTIME) {
      throw new SandboxError(
        'RUNTIME_MISSING',
        `gVisor's runtime "runsc" is not registered with the Docker engine at ${this.endpointDescription} (registered: ${registered}). Sandboxes never fall back to runc silently.`,
        SETUP_FIX,
      );
    }
    throw new SandboxError(
      'RUNTIME_MISSING',
      `Runtime "${runtime}" is not registered with the Docker engine (registered: ${registered}).`,
      `Use one of the registered runtimes (normally "runsc"), or register "${runtime}" in /etc/docker/daemon.json and reload Docker.`,
    );
  }
}
