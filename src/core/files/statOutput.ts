import type { FileEntry, FileStat, FileType } from '../types';

/**
 * Formats for `stat` inside the sandbox and parsers for what it prints. GNU coreutils (most
 * images) gets NUL-separated records that survive any file name; busybox (Alpine) has no
 * `--printf`, so it gets newline-separated records, and names with newlines are not supported
 * there.
 *
 *   GNU:     `%f|%s|%.3Y|%n\0%N\0`  (with QUOTING_STYLE=literal, %N is `name -> target`)
 *   busybox: `%f|%s|%Y|%n|%N\n`     (%N is `'name' -> 'target'` for links, else `name`)
 */
export const GNU_STAT_FORMAT = '%f|%s|%.3Y|%n\\0%N\\0';
export const BUSYBOX_STAT_FORMAT = '%f|%s|%Y|%n|%N';

/** Shell function `statf PATH…` that prints records in the first format the image's stat supports; the first line says which. */
export const STATF_SHELL = [
  'if stat --printf "" / 2>/dev/null; then',
  `  statf() { QUOTING_STYLE=literal stat --printf '${GNU_STAT_FORMAT}' -- "$@"; }; statfind() { QUOTING_STYLE=literal find . -mindepth 1 -maxdepth 1 -exec stat --printf '${GNU_STAT_FORMAT}' -- {} +; }; echo gnu`,
  'else',
  `  statf() { stat -c '${BUSYBOX_STAT_FORMAT}' -- "$@"; }; statfind() { find . -mindepth 1 -maxdepth 1 -exec stat -c '${BUSYBOX_STAT_FORMAT}' -- {} +; }; echo busybox`,
  'fi',
].join('\n');

interface RawRecord {
  rawMode: number;
  size: number;
  mtimeMs: number;
  name: string;
  linkTarget?: string;
}

const S_IFMT = 0o170000;

export function fileTypeOf(rawMode: number): FileType {
  switch (rawMode & S_IFMT) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'directory';
    case 0o120000:
      return 'symlink';
    default:
      return 'other';
  }
}

/** Parses the output of a script that ran `STATF_SHELL` and then `statf`/`statfind`. */
export function parseStatOutput(output: Buffer | string): RawRecord[] {
  const text = Buffer.isBuffer(output) ? output.toString('utf8') : output;
  const newline = text.indexOf('\n');
  const flavour = text.slice(0, newline);
  const body = text.slice(newline + 1);
  if (flavour === 'gnu') return parseGnu(body);
  if (flavour === 'busybox') return parseBusybox(body);
  throw new Error(`unexpected stat output: ${JSON.stringify(text.slice(0, 80))}`);
}

function head(fields: string): { rawMode: number; size: number; mtimeMs: number; rest: string } | null {
  const m = /^([0-9a-f]+)\|(\d+)\|(\d+(?:\.\d+)?)\|/.exec(fields);
  if (!m) return null;
  return { rawMode: parseInt(m[1], 16), size: Number(m[2]), mtimeMs: Math.round(Number(m[3]) * 1000), rest: fields.slice(m[0].length) };
}

function parseGnu(body: string): RawRecord[] {
  const parts = body.split('\0');
  const records: RawRecord[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const h = head(parts[i]);
    if (!h) throw new Error(`unexpected stat record: ${JSON.stringify(parts[i].slice(0, 80))}`);
    const record: RawRecord = { rawMode: h.rawMode, size: h.size, mtimeMs: h.mtimeMs, name: h.rest };
    if (fileTypeOf(h.rawMode) === 'symlink') record.linkTarget = parts[i + 1].slice(h.rest.length + ' -> '.length);
    records.push(record);
  }
  return records;
}

function parseBusybox(body: string): RawRecord[] {
  const records: RawRecord[] = [];
  for (const line of body.split('\n')) {
    if (!line) continue;
    const h = head(line);
    if (!h) throw new Error(`unexpected stat record: ${JSON.stringify(line.slice(0, 80))}`);
    const { rest } = h;
    let record: RawRecord | undefined;
    if (fileTypeOf(h.rawMode) === 'symlink') {
      // `name|'name' -> 'target'`: find the split where the quoted copy of the name follows.
      for (let i = rest.indexOf('|'); i >= 0; i = rest.indexOf('|', i + 1)) {
        const name = rest.slice(0, i);
        const prefix = `'${name}' -> '`;
        if (rest.startsWith(prefix, i + 1) && rest.endsWith("'")) {
          record = { rawMode: h.rawMode, size: h.size, mtimeMs: h.mtimeMs, name, linkTarget: rest.slice(i + 1 + prefix.length, -1) };
          break;
        }
      }
    } else if (rest.length % 2 === 1) {
      // `name|name`
      const name = rest.slice(0, (rest.length - 1) / 2);
      if (rest === `${name}|${name}`) record = { rawMode: h.rawMode, size: h.size, mtimeMs: h.mtimeMs, name };
    }
    if (!record) throw new Error(`unexpected stat record: ${JSON.stringify(line.slice(0, 80))}`);
    records.push(record);
  }
  return records;
}

export function toFileStat(record: RawRecord, path: string): FileStat {
  const stat: FileStat = { path, type: fileTypeOf(record.rawMode), size: record.size, mtimeMs: record.mtimeMs, mode: record.rawMode & 0o7777 };
  if (record.linkTarget !== undefined) stat.linkTarget = record.linkTarget;
  return stat;
}

/** Entries of `dir` from `statfind` output (names come as `./name`), sorted by name. */
export function toEntries(records: RawRecord[], dir: string): FileEntry[] {
  return records
    .map((record) => {
      const name = record.name.replace(/^\.\//, '');
      return { ...toFileStat(record, dir === '/' ? `/${name}` : `${dir}/${name}`), name };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
