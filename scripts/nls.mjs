#!/usr/bin/env node
// Moves every user-facing string still written plainly in package.json (command titles, view
// names, setting descriptions, walkthrough text: scripts/lib/nlsRules.cjs lists where) into
// package.nls.json, leaving "%key%" in its place, with a key derived from the entry (e.g.
// `command.sandboxes.terminate.title`). Idempotent: strings already "%key%" stay as they are.
// Keys already in package.nls.json keep their place; new ones are appended; keys package.json no
// longer uses are dropped (so after a merge, taking the other side's package.json and running
// this again gives a consistent pair).
//
//   node scripts/nls.mjs           move them, and say what moved
//   node scripts/nls.mjs --check   move nothing; exit 1 naming each plain string
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const { contributionStrings, nlsKeyOf, jsonPath } = createRequire(import.meta.url)('./lib/nlsRules.cjs');
const REPO = new URL('..', import.meta.url).pathname;
const MANIFEST = join(REPO, 'package.json');
const NLS = join(REPO, 'package.nls.json');

const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
const nls = existsSync(NLS) ? JSON.parse(readFileSync(NLS, 'utf8')) : {};
const plain = contributionStrings(manifest).filter((s) => nlsKeyOf(s.value) === undefined);

if (process.argv.includes('--check')) {
  for (const s of plain) console.log(`plain string at ${jsonPath(s.path)}: ${JSON.stringify(s.value.slice(0, 60))}`);
  console.log(plain.length ? `${plain.length} plain string(s): run node scripts/nls.mjs` : 'every user-facing string is in package.nls.json');
  process.exit(plain.length ? 1 : 0);
}

// Keys some "%key%" of package.json uses now; the others are stale and may be reused or dropped.
const used = new Set();
(function visit(value) {
  if (typeof value === 'string') {
    const key = nlsKeyOf(value);
    if (key !== undefined) used.add(key);
  } else if (value && typeof value === 'object') {
    Object.values(value).forEach(visit);
  }
})(manifest);

for (const s of plain) {
  const key = freeKey(s.key, s.value);
  used.add(key);
  nls[key] = s.value;
  let parent = manifest;
  for (const part of s.path.slice(0, -1)) parent = parent[part];
  parent[s.path.at(-1)] = `%${key}%`;
  console.log(`${jsonPath(s.path)} → %${key}%`);
}
const stale = Object.keys(nls).filter((key) => !used.has(key));
for (const key of stale) {
  delete nls[key];
  console.log(`dropped ${key} (package.json no longer uses it)`);
}
if (plain.length) writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
if (plain.length || stale.length) writeFileSync(NLS, `${JSON.stringify(nls, null, 2)}\n`);
console.log(`${plain.length} string(s) moved to package.nls.json, ${stale.length} unused key(s) dropped`);

/**
 * The derived key; when it holds another text that package.json still uses, the same key with a
 * number. A key no "%key%" uses any more (its text was edited, e.g. on another branch) is reused.
 */
function freeKey(key, text) {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? key : `${key}.${n}`;
    if (!(candidate in nls) || nls[candidate] === text || !used.has(candidate)) return candidate;
  }
}
