// The engine beside the editor, as the UI tests drive it: the built dist/core.js (what other
// extensions and scripts load) with a state folder of its own, so its CA and tunnel ports never
// mix with the extension's.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export const IMAGE = process.env.SANDBOXES_TEST_IMAGE || 'sandboxes-test/base:bookworm-2';

/** A client of the engine; `dispose()` closes it (with the spare guard it kept) and removes its state folder. */
export function openEngine(label) {
  const { connect } = require(join(REPO, 'dist', 'core.js'));
  const stateDir = mkdtempSync(join(tmpdir(), `sandboxes-ui-${label}-`));
  const engine = connect({ stateDir });
  return {
    engine,
    async dispose() {
      await engine.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * The workspace tag the extension gives the sandboxes of the test window (src/vscode/network/
 * workspaceTag.ts: a hash of the folder's URI), so a test can create a sandbox with the engine
 * that the window counts as its own ("This workspace").
 */
export function workspaceTagOf(folder) {
  const { createHash } = require('node:crypto');
  const { pathToFileURL } = require('node:url');
  return createHash('sha256').update(pathToFileURL(folder).href).digest('hex').slice(0, 12);
}

/** `docker kill` of one container this test created, as another client on the machine would. */
export function dockerKill(containerId) {
  const { spawnSync } = require('node:child_process');
  const result = spawnSync('docker', ['kill', containerId], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`docker kill ${containerId.slice(0, 12)} failed: ${result.stderr || result.error}`);
}

/** A sandbox with no network and a copy of `workspaceFolder` at /workspace, tagged `test-run=<name>`. */
export function createWithWorkspaceCopy(engine, name, workspaceFolder) {
  return engine.create({
    name,
    image: IMAGE,
    blockNetwork: true,
    mounts: [{ source: workspaceFolder, mode: 'copy', target: '/workspace' }],
    tags: { 'test-run': name },
  });
}
