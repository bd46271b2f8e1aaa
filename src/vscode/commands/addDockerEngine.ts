/**
 * "Add Docker Engine…": offers the Docker CLI's contexts (`docker context ls`) and a typed
 * endpoint, asks for a name, and appends the engine to `sandboxes.docker.engines` in the user
 * settings (a repository cannot add one). Returns the entry added, `undefined` when dismissed.
 * `{ name, host }` as argument adds without asking (tests, scripts).
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { contextsFrom, withEngine } from '../engines/engineEntries';
import { SettingKeys } from '../../shared/settingKeys';
import type { CommandContext } from './commandContext';
import { showInformationMessage, showInputBox } from '../uiText';

const TYPED = 'typed';

export async function addDockerEngine(context: CommandContext, arg?: unknown): Promise<{ name: string; host: string } | undefined> {
  const given = typeof arg === 'object' && arg !== null ? (arg as { name?: unknown; host?: unknown }) : undefined;
  if (given !== undefined && (typeof given.host !== 'string' || given.host.trim() === '')) {
    throw new TypeError(`Expected { name?, host } with a string "host", got ${JSON.stringify(arg) ?? typeof arg}.`);
  }
  const entry = given
    ? { host: String(given.host).trim(), name: typeof given.name === 'string' && given.name.trim() ? given.name.trim() : String(given.host).trim() }
    : await ask(context);
  if (!entry) return undefined;
  const config = vscode.workspace.getConfiguration();
  const current = config.inspect(SettingKeys.dockerEngines)?.globalValue;
  await config.update(SettingKeys.dockerEngines, withEngine(current, entry), vscode.ConfigurationTarget.Global);
  context.log.info(`Added Docker engine "${entry.name}" at ${entry.host} to ${SettingKeys.dockerEngines}.`);
  if (!given) void showInformationMessage(`Docker engine "${entry.name}" added: the Sandboxes view shows it, and Create asks where.`);
  return entry;
}

async function ask(context: CommandContext): Promise<{ name: string; host: string } | undefined> {
  const contexts = await dockerContexts(context);
  const items: (vscode.QuickPickItem & { pick: { name: string; host: string } | typeof TYPED })[] = [
    ...contexts.map((c) => ({ label: `$(server) ${c.name}`, description: c.host, detail: c.description || undefined, pick: { name: c.name, host: c.host } })),
    { label: '$(edit) Enter an endpoint…', description: 'ssh://user@host, tcp://host:2376, unix:///path', pick: TYPED },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Add Docker Engine',
    placeHolder: contexts.length > 0 ? 'A Docker context, or an endpoint of your own' : 'No Docker contexts found: enter an endpoint',
  });
  if (!picked) return undefined;
  if (picked.pick !== TYPED) return picked.pick;
  const host = await showInputBox({
    title: 'Add Docker Engine: Endpoint',
    placeHolder: 'ssh://user@host',
    validateInput: (value) =>
      /^(unix|tcp|ssh|https?):\/\/\S+$|^\/\S+$/.test(value.trim()) ? undefined : 'An endpoint such as ssh://user@host, tcp://host:2376 or unix:///path',
  });
  if (!host) return undefined;
  const name = await showInputBox({ title: 'Add Docker Engine: Name', value: host.trim(), prompt: 'How the Sandboxes view and the pickers name it' });
  if (name === undefined) return undefined;
  return { host: host.trim(), name: name.trim() || host.trim() };
}

/** The CLI's contexts; none (and a log line saying why) when the docker CLI is missing or fails. */
function dockerContexts(context: CommandContext): Promise<{ name: string; host: string; description: string }[]> {
  return new Promise((resolve) => {
    execFile('docker', ['context', 'ls', '--format', '{{json .}}'], { timeout: 10_000 }, (error, stdout) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        context.log.info(
          missing ? 'Add Docker Engine: the docker CLI is not installed, so no Docker contexts are offered.' : `Add Docker Engine: docker context ls failed: ${error.message}`,
        );
        if (missing) void showInformationMessage('The docker CLI is not installed, so no Docker contexts are offered: enter an endpoint instead.');
        resolve([]);
        return;
      }
      resolve(contextsFrom(stdout));
    });
  });
}
