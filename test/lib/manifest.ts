/**
 * package.json as VS Code shows it in English: every "%key%" string replaced with its text from
 * package.nls.json (VS Code does the same at load time). Tests that check what users read use
 * this; `rawManifest()` is the file as written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '../..');

export function rawManifest(): unknown {
  return JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
}

export function nlsStrings(): Record<string, string> {
  return JSON.parse(readFileSync(join(REPO, 'package.nls.json'), 'utf8')) as Record<string, string>;
}

/** The manifest with "%key%" strings resolved; an unknown key stays as written (the manifest test names it). */
export function localizedManifest<T>(): T {
  const nls = nlsStrings();
  const resolve = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const key = /^%([^%\s]+)%$/.exec(value)?.[1];
      return key !== undefined && key in nls ? nls[key] : value;
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
  };
  return resolve(rawManifest()) as T;
}
