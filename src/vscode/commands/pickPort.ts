/**
 * Forward Port…'s "which port" step: the ports listening in the sandbox are offered first (with
 * those that listen on loopback only marked, since a forward cannot reach them), and any other
 * port can be typed. Without a listening port it is the plain input box it always was.
 */
import * as vscode from 'vscode';
import type { ListeningPort, Sandbox } from '../../core';
import { parsePortInput, validatePortInput } from '../ports/portFormat';
import { labelText } from '../untrustedText';
import { showInputBox } from '../uiText';

interface PortItem extends vscode.QuickPickItem {
  port: number;
}

export async function pickPort(sandbox: Sandbox, listening: readonly ListeningPort[], forwarded: ReadonlySet<number>): Promise<number | undefined> {
  if (listening.length === 0) return askPort(sandbox);
  const listed: PortItem[] = [...listening]
    .sort((a, b) => Number(a.loopbackOnly) - Number(b.loopbackOnly) || a.port - b.port)
    .map(({ port, loopbackOnly }) => ({
      label: String(port),
      description: forwarded.has(port) ? 'listening · forwarded' : loopbackOnly ? 'listening on 127.0.0.1 only: start it on 0.0.0.0 to forward it' : 'listening',
      port,
    }));
  const pick = vscode.window.createQuickPick<PortItem>();
  pick.title = labelText(`Forward Port: ${sandbox.name}`);
  pick.placeholder = 'A port listening in the sandbox, or type another port number';
  pick.items = listed;
  const typed = (): PortItem[] => {
    const value = pick.value.trim();
    if (validatePortInput(value) !== undefined || listed.some((i) => i.label === value)) return listed;
    return [{ label: value, description: 'type Enter to forward this port', alwaysShow: true, port: parsePortInput(value) }, ...listed];
  };
  return new Promise<number | undefined>((resolve) => {
    let done = false;
    const finish = (port: number | undefined) => {
      if (done) return;
      done = true;
      resolve(port);
      pick.dispose();
    };
    pick.onDidChangeValue(() => (pick.items = typed()));
    pick.onDidAccept(() => finish(pick.selectedItems[0]?.port ?? pick.activeItems[0]?.port));
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });
}

async function askPort(sandbox: Sandbox): Promise<number | undefined> {
  const value = await showInputBox({
    title: `Forward Port: ${sandbox.name}`,
    prompt: 'The port a server inside the sandbox listens on (on 0.0.0.0, not 127.0.0.1).',
    placeHolder: 'e.g. 8000',
    validateInput: validatePortInput,
  });
  return value === undefined ? undefined : parsePortInput(value);
}
