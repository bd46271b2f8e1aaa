import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { test } from '../harness';

export { run, runTests } from '../harness';

const EXTENSION_ID = 'sandboxes.gvisor-sandboxes';

test('the extension is installed and activates', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed in this VS Code`);
  await ext.activate();
  assert.equal(ext.isActive, true);
});

test('it registers sandboxes.checkSetup', async () => {
  const commands = await vscode.commands.getCommands(true);
  assert.ok(commands.includes('sandboxes.checkSetup'), 'sandboxes.checkSetup is not a registered command');
});

test('its API is no thenable and still reaches the engine', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext);
  // VS Code resolves activation with the API, reading `then`: forwarding it loaded the engine inside activation.
  const api = (await ext.activate()) as Record<string, unknown>;
  assert.equal(api.then, undefined);
  assert.equal('then' in api, false);
  assert.equal(typeof api.connect, 'function');
  assert.equal(typeof api.validateSpec, 'function');
  assert.equal(typeof api.client, 'function');
});
