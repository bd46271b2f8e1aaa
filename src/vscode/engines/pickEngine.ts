/**
 * "Where?": the engine a new sandbox goes to, asked only when more than one is configured
 * (`sandboxes.docker.engines`), the default first and preselected.
 */
import * as vscode from 'vscode';
import type { SandboxClientService } from '../client';
import { DEFAULT_ENGINE } from './engineEntries';

/** The engine's key; `undefined` when the user dismissed the question. */
export async function pickEngine(clients: SandboxClientService, title: string): Promise<string | undefined> {
  const engines = clients.engines;
  if (engines.length <= 1) return DEFAULT_ENGINE;
  const items = engines.map((engine) => ({
    label: engine.key === DEFAULT_ENGINE ? `$(server) ${engine.name}` : `$(remote) ${engine.name}`,
    description: engine.host ?? 'DOCKER_HOST or the default socket',
    detail: engine.key === DEFAULT_ENGINE ? 'The default engine (sandboxes.docker.host)' : undefined,
    key: engine.key,
  }));
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Which Docker engine runs the new sandbox?' });
  return picked?.key;
}

/** A caller's `{ engine }` (command argument): a configured engine's key, or a TypeError naming the choices. */
export function checkedEngineKey(clients: SandboxClientService, engine: unknown): string {
  if (engine === undefined) return DEFAULT_ENGINE;
  if (typeof engine === 'string' && clients.engineEntry(engine)) return engine;
  throw new TypeError(`Expected "engine" to be one of ${clients.engines.map((e) => JSON.stringify(e.key)).join(', ')}, got ${JSON.stringify(engine) ?? typeof engine}.`);
}
