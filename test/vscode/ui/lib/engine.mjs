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
