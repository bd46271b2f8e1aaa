// Where package.json holds text people read, and the package.nls.json key each such string gets.
// One list for both `scripts/nls.mjs` (moves plain strings into package.nls.json) and
// `test/unit/packageJson.test.ts` (fails on any plain string left, naming its JSON path).
// VS Code replaces every "%key%" string of the manifest with package.nls.json's (or a language
// pack's) text, as its own extensions do.
'use strict';

/** Fields of a configuration schema (and its nested schemas) that the Settings editor shows. */
const SCHEMA_TEXT = ['title', 'description', 'markdownDescription', 'patternErrorMessage', 'errorMessage', 'deprecationMessage', 'markdownDeprecationMessage'];
const SCHEMA_TEXT_LISTS = ['enumDescriptions', 'markdownEnumDescriptions', 'enumItemLabels'];

/**
 * Every user-facing string location in `manifest`: `{ path, value, key }`, `path` being the JSON
 * path (keys and indexes) and `key` the package.nls.json key derived from the entry (its id, the
 * setting, the step), e.g. `command.sandboxes.terminate.title`.
 */
function contributionStrings(manifest) {
  const out = [];
  const at = (path, key) => {
    let value = manifest;
    for (const part of path) value = value == null ? undefined : value[part];
    if (typeof value === 'string') out.push({ path, value, key });
  };
  const list = (value) => (Array.isArray(value) ? value : []);
  const entries = (value) => (value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : []);
  const c = manifest.contributes ?? {};
  const C = ['contributes'];

  at(['displayName'], 'displayName');
  at(['description'], 'description');
  for (const kind of ['untrustedWorkspaces', 'virtualWorkspaces']) at(['capabilities', kind, 'description'], `capabilities.${kind}.description`);

  list(c.commands).forEach((cmd, i) => {
    at([...C, 'commands', i, 'title'], `command.${cmd.command}.title`);
    at([...C, 'commands', i, 'shortTitle'], `command.${cmd.command}.shortTitle`);
    at([...C, 'commands', i, 'category'], `category.${slug(cmd.category)}`);
  });
  for (const [where, containers] of entries(c.viewsContainers)) {
    list(containers).forEach((v, i) => at([...C, 'viewsContainers', where, i, 'title'], `viewsContainer.${v.id}.title`));
  }
  for (const [where, views] of entries(c.views)) {
    list(views).forEach((v, i) => {
      at([...C, 'views', where, i, 'name'], `view.${v.id}.name`);
      at([...C, 'views', where, i, 'contextualTitle'], `view.${v.id}.contextualTitle`);
    });
  }
  const welcomeCount = new Map();
  list(c.viewsWelcome).forEach((w, i) => {
    const n = (welcomeCount.get(w.view) ?? 0) + 1;
    welcomeCount.set(w.view, n);
    at([...C, 'viewsWelcome', i, 'contents'], `viewsWelcome.${w.view}.${n}`);
  });
  list(c.submenus).forEach((s, i) => at([...C, 'submenus', i, 'label'], `submenu.${s.id}.label`));

  const sections = Array.isArray(c.configuration)
    ? c.configuration.map((s, i) => [[...C, 'configuration', i], s, i])
    : c.configuration
      ? [[[...C, 'configuration'], c.configuration, 0]]
      : [];
  for (const [path, section, i] of sections) {
    at([...path, 'title'], `configuration.${section.id ?? i}.title`);
    for (const [key, schema] of entries(section.properties)) schemaStrings(at, [...path, 'properties', key], schema, `config.${key}`);
  }

  list(c.terminal?.profiles).forEach((p, i) => at([...C, 'terminal', 'profiles', i, 'title'], `terminal.profile.${p.id}.title`));

  list(c.walkthroughs).forEach((w, i) => {
    const path = [...C, 'walkthroughs', i];
    at([...path, 'title'], `walkthrough.${w.id}.title`);
    at([...path, 'description'], `walkthrough.${w.id}.description`);
    list(w.steps).forEach((step, j) => {
      const key = `walkthrough.${w.id}.step.${step.id}`;
      at([...path, 'steps', j, 'title'], `${key}.title`);
      at([...path, 'steps', j, 'description'], `${key}.description`);
      at([...path, 'steps', j, 'media', 'altText'], `${key}.media.altText`);
    });
  });

  list(c.languageModelTools).forEach((tool, i) => {
    for (const field of ['displayName', 'userDescription', 'modelDescription']) at([...C, 'languageModelTools', i, field], `languageModelTool.${tool.name}.${field}`);
  });
  list(c.chatParticipants).forEach((p, i) => {
    for (const field of ['fullName', 'description']) at([...C, 'chatParticipants', i, field], `chatParticipant.${p.id}.${field}`);
    list(p.commands).forEach((cmd, j) => at([...C, 'chatParticipants', i, 'commands', j, 'description'], `chatParticipant.${p.id}.command.${cmd.name}.description`));
  });
  return out;
}

/** A setting's texts, and those of the schemas inside it (array items, object properties). */
function schemaStrings(at, path, schema, key) {
  if (!schema || typeof schema !== 'object') return;
  for (const field of SCHEMA_TEXT) at([...path, field], `${key}.${field}`);
  for (const field of SCHEMA_TEXT_LISTS) {
    if (Array.isArray(schema[field])) schema[field].forEach((_, n) => at([...path, field, n], `${key}.${field}.${n}`));
  }
  if (schema.items && !Array.isArray(schema.items)) schemaStrings(at, [...path, 'items'], schema.items, `${key}.items`);
  for (const [name, inner] of Object.entries(schema.properties ?? {})) schemaStrings(at, [...path, 'properties', name], inner, `${key}.properties.${name}`);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
    schemaStrings(at, [...path, 'additionalProperties'], schema.additionalProperties, `${key}.additionalProperties`);
}

function slug(text) {
  return (
    String(text ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'untitled'
  );
}

/** `%key%` → key; anything else → undefined. */
function nlsKeyOf(value) {
  const match = /^%([^%\s]+)%$/.exec(value);
  return match ? match[1] : undefined;
}

/** `path` as a reader finds it in package.json, e.g. contributes.commands[3].title. */
function jsonPath(path) {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `${i ? '.' : ''}${part}` : `[${JSON.stringify(part)}]`)).join('');
}

module.exports = { contributionStrings, nlsKeyOf, jsonPath };
