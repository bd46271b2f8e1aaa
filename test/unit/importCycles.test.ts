/**
 * No import cycle in src/, type-only imports included (docs/architecture.md, "Layers"). A cycle,
 * even of types, means a service lives in the wrong place: the engine's `Sandbox` reaching into
 * the whole client, or a webview panel importing from a command file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cycles, importGraph, specifiers } from '../lib/importGraph';

test('the import scanner sees value, type, re-export, side-effect and dynamic imports', () => {
  const source = [
    "import { a } from './a';",
    "import type { B } from './b';",
    "export { c } from './c';",
    "export type * from './d';",
    "import './e';",
    "const f = await import('./f');",
    "import {\n  type G,\n  h,\n} from './g';",
    "// import { x } from './commented';",
    "/* import { y } from './block'; */",
  ].join('\n');
  assert.deepEqual(specifiers(source).sort(), ['./a', './b', './c', './d', './e', './f', './g']);
});

test('src/ has no import cycle, types included', () => {
  const found = cycles(importGraph());
  assert.deepEqual(found, [], `import cycles:\n${found.map((c) => `  ${c.join(' ↔ ')}`).join('\n')}`);
});
