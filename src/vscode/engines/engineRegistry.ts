/**
 * One `SandboxClient` per configured engine (engineEntries.ts), made on first use and disposed
 * when its entry changes or goes, and which engine listed which sandbox last: commands given a
 * bare sandbox id act on that sandbox's own engine. No `vscode` import: the client service
 * (client.ts) feeds it the settings.
 */
import type { Sandbox, SandboxClient } from '../../core';
import { DEFAULT_ENGINE, lookupOrder, type EngineEntry } from './engineEntries';

export class EngineRegistry {
  private entries: readonly EngineEntry[] = [];
  private readonly clients = new Map<string, { host: string | undefined; client: SandboxClient }>();
  /** Sandbox id → engine key, from each engine's last listing. */
  private readonly listedOn = new Map<string, string>();

  constructor(private readonly connectTo: (entry: EngineEntry) => SandboxClient) {}

  /** The engines now, default first. Clients whose entry changed or went are disposed; returns their keys. */
  setEntries(entries: readonly EngineEntry[]): string[] {
    this.entries = entries;
    const changed: string[] = [];
    for (const [key, held] of this.clients) {
      const entry = entries.find((e) => e.key === key);
      if (!entry || entry.host !== held.host) {
        held.client.dispose();
        this.clients.delete(key);
        changed.push(key);
      }
    }
    for (const [id, key] of this.listedOn) if (!entries.some((e) => e.key === key)) this.listedOn.delete(id);
    return changed;
  }

  get engines(): readonly EngineEntry[] {
    return this.entries;
  }

  entry(key: string): EngineEntry | undefined {
    return this.entries.find((e) => e.key === key);
  }

  /** The client of an engine, made on first use. An unknown key is a programming error. */
  clientOf(key: string = DEFAULT_ENGINE): SandboxClient {
    const held = this.clients.get(key);
    if (held) return held.client;
    const entry = this.entry(key);
    if (!entry) throw new Error(`No Docker engine "${key}" is configured (sandboxes.docker.engines).`);
    const client = this.connectTo(entry);
    this.clients.set(key, { host: entry.host, client });
    return client;
  }

  /** Drops one engine's client (or all), so the next use connects again. */
  reset(key?: string): void {
    for (const [k, held] of this.clients) {
      if (key !== undefined && k !== key) continue;
      held.client.dispose();
      this.clients.delete(k);
    }
  }

  /** Records what an engine listed: those ids are on it. */
  noteListed(key: string, sandboxIds: readonly string[]): void {
    for (const [id, k] of this.listedOn) if (k === key) this.listedOn.delete(id);
    for (const id of sandboxIds) this.listedOn.set(id, key);
  }

  /** One sandbox known to be on an engine (just created there). */
  noteOne(key: string, sandboxId: string): void {
    this.listedOn.set(sandboxId, key);
  }

  /** The engine that listed the sandbox last, if any did. */
  engineOf(sandboxId: string): string | undefined {
    return this.listedOn.get(sandboxId);
  }

  /** The client of a sandbox's engine (as last listed), else the default engine's. */
  clientFor(sandboxId: string): SandboxClient {
    return this.clientOf(this.engineOf(sandboxId) ?? DEFAULT_ENGINE);
  }

  /**
   * The sandbox on its engine: the named engine only, or for a bare id the engine that listed it,
   * then the default, then the others. A NOT_FOUND (or an unreachable engine) moves on; when no
   * engine has it, the first engine's error is thrown (it names that engine's endpoint).
   */
  async fromId(id: string, engine?: string): Promise<Sandbox> {
    if (engine !== undefined) return this.clientOf(engine).fromId(id);
    let first: unknown;
    for (const key of lookupOrder(this.engineOf(id), this.entries)) {
      try {
        const sandbox = await this.clientOf(key).fromId(id);
        this.listedOn.set(sandbox.id, key);
        return sandbox;
      } catch (error) {
        first ??= error;
        const code = (error as { code?: unknown }).code;
        if (code !== 'NOT_FOUND' && code !== 'DOCKER_UNREACHABLE') throw error;
      }
    }
    throw first;
  }

  dispose(): void {
    this.reset();
  }
}
