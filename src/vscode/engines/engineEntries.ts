/**
 * Which Docker engines the editor shows (issue #17, item 2): the default one
 * (`sandboxes.docker.host`, else DOCKER_HOST or the default socket) and those of
 * `sandboxes.docker.engines` (user settings only: a repository must not point the editor at an
 * engine). Pure, so the parsing and the routing order are unit-tested.
 */

/** The key of the default engine; commands and nodes without an engine mean it. */
export const DEFAULT_ENGINE = 'default';

export interface EngineEntry {
  /** Stable within the settings: `default`, or the entry's name. Tree ids and command args carry it. */
  readonly key: string;
  /** What the tree and pickers show. */
  readonly name: string;
  /** The endpoint; `undefined` for the default engine's fallback (DOCKER_HOST, then the default socket). */
  readonly host: string | undefined;
}

export interface EngineEntries {
  /** The default engine first, then the configured ones in their order. */
  readonly engines: readonly EngineEntry[];
  /** One sentence per entry left out, naming it and why. */
  readonly problems: readonly string[];
}

const ENDPOINT = /^(unix|tcp|ssh|https?|npipe):\/\/\S+$|^\/\S+$/;

/** The default engine's name: where it is, so two engines are told apart at a glance. */
export function defaultEngineName(host: string | undefined): string {
  return host === undefined ? 'Local' : `Default (${host})`;
}

/**
 * `raw` is `sandboxes.docker.engines` as read: an array of endpoint strings or `{ name, host }`.
 * Entries without a valid endpoint, duplicates of an endpoint already listed, and names already
 * taken are left out with a problem each: the other engines still show.
 */
export function engineEntriesFrom(defaultHost: string | undefined, raw: unknown): EngineEntries {
  const engines: EngineEntry[] = [{ key: DEFAULT_ENGINE, name: defaultEngineName(defaultHost), host: defaultHost }];
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { engines, problems };
  if (!Array.isArray(raw)) {
    return { engines, problems: ['sandboxes.docker.engines must be an array of endpoints or { "name", "host" } objects.'] };
  }
  const hosts = new Set<string>(defaultHost ? [defaultHost] : []);
  const names = new Set<string>([DEFAULT_ENGINE, engines[0].name.toLowerCase()]);
  raw.forEach((item: unknown, index) => {
    const where = `sandboxes.docker.engines[${index}]`;
    const host = typeof item === 'string' ? item.trim() : typeof item === 'object' && item !== null ? (item as { host?: unknown }).host : undefined;
    const givenName = typeof item === 'object' && item !== null ? (item as { name?: unknown }).name : undefined;
    if (typeof host !== 'string' || !ENDPOINT.test(host.trim())) {
      problems.push(`${where} is left out: ${JSON.stringify(host ?? item) ?? 'nothing'} is not an endpoint (ssh://user@host, tcp://host:2376, unix:///path or /path).`);
      return;
    }
    const endpoint = host.trim();
    const name = typeof givenName === 'string' && givenName.trim() !== '' ? givenName.trim() : endpoint;
    if (hosts.has(endpoint)) {
      problems.push(`${where} is left out: ${endpoint} is already listed.`);
      return;
    }
    if (names.has(name.toLowerCase())) {
      problems.push(`${where} is left out: the name "${name}" is already taken.`);
      return;
    }
    hosts.add(endpoint);
    names.add(name.toLowerCase());
    engines.push({ key: name, name, host: endpoint });
  });
  return { engines, problems };
}

/**
 * Where to look for a sandbox named by a bare id: the engine that listed it last, then the
 * default, then the others (a sandbox made since the last listing). Each engine once.
 */
export function lookupOrder(known: string | undefined, engines: readonly EngineEntry[]): string[] {
  const keys = engines.map((e) => e.key);
  const first = known !== undefined && keys.includes(known) ? [known] : [];
  return [...new Set([...first, DEFAULT_ENGINE, ...keys])];
}

/** The engine key a command argument carries (a tree node, `{ engine }`), if any. */
export function engineKeyFromArg(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const engine = (arg as { engine?: unknown }).engine;
  return typeof engine === 'string' && engine !== '' ? engine : undefined;
}

/** `sandboxes.docker.engines` with one more endpoint (the Add Docker Engine… command). */
export function withEngine(raw: unknown, entry: { name: string; host: string }): unknown[] {
  const list = Array.isArray(raw) ? [...(raw as unknown[])] : [];
  return [...list, { name: entry.name, host: entry.host }];
}

/** One line of `docker context ls --format '{{json .}}'`: the endpoints it offers. */
export function contextsFrom(output: string): { name: string; host: string; description: string }[] {
  const contexts: { name: string; host: string; description: string }[] = [];
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const c = JSON.parse(line) as { Name?: unknown; DockerEndpoint?: unknown; Description?: unknown };
      if (typeof c.Name === 'string' && typeof c.DockerEndpoint === 'string' && c.DockerEndpoint !== '') {
        contexts.push({ name: c.Name, host: c.DockerEndpoint, description: typeof c.Description === 'string' ? c.Description : '' });
      }
    } catch {
      // not a context line (a warning of the CLI): skipped
    }
  }
  return contexts;
}

/**
 * The engine a snapshot command acts on: a tree row's (its section's engine, else the engine that
 * listed its sandbox), a script's `{ ref, engine }`, else the default engine (with several engines,
 * the palette's picker lists every engine's: files/pickSnapshot.ts).
 */
export function snapshotEngineOf(arg: unknown, engineOf: (sandboxId: string) => string | undefined): string {
  if (typeof arg !== 'object' || arg === null) return DEFAULT_ENGINE;
  const node = arg as { kind?: unknown; sandboxId?: unknown; engine?: unknown; parent?: { engine?: unknown } };
  // A script's `{ ref, engine }`.
  if (typeof node.engine === 'string') return node.engine;
  if (node.kind !== 'snapshot') return DEFAULT_ENGINE;
  if (typeof node.parent?.engine === 'string') return node.parent.engine;
  return (typeof node.sandboxId === 'string' && node.sandboxId && engineOf(node.sandboxId)) || DEFAULT_ENGINE;
}
