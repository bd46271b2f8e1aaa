// Which Debian archive this machine's APT already uses, for the setup scripts that build images
// from Debian packages (mmdebstrap) or add a suite for runsc. Read from the machine's own APT
// configuration: the scripts name no package host, so they work behind a local mirror, a proxy
// archive or a snapshot, and send nothing anywhere this machine's APT would not.
//
//   node scripts/lib/apt-mirror.mjs SUITE
//     prints the archive URI serving SUITE's main component, or exits 2 saying what to set.
//   SANDBOXES_DEBIAN_MIRROR   use this archive URI instead of looking
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The `deb` entries of APT's sources: one-line files (`deb [opts] URI SUITE COMPONENT...`) and
 * deb822 `.sources` stanzas (Types/URIs/Suites/Components, `Enabled: no` skipped).
 * @param {{ path: string, text: string }[]} files
 * @returns {{ uri: string, suites: string[], components: string[] }[]}
 */
export function parseSources(files) {
  const entries = [];
  for (const { path, text } of files) {
    if (path.endsWith('.sources')) entries.push(...parseDeb822(text));
    else entries.push(...parseOneLine(text));
  }
  return entries.filter((e) => e.uri && !e.uri.startsWith('cdrom:'));
}

function parseOneLine(text) {
  const entries = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (m) entries.push({ uri: trimSlash(m[1]), suites: [m[2]], components: m[3].split(/\s+/).filter(Boolean) });
  }
  return entries;
}

function parseDeb822(text) {
  const entries = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = {};
    let last;
    for (const raw of stanza.split('\n')) {
      if (/^\s*#/.test(raw)) continue;
      const field = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (field) {
        last = field[1].toLowerCase();
        fields[last] = field[2];
      } else if (last && /^\s+\S/.test(raw)) {
        fields[last] += ` ${raw.trim()}`;
      }
    }
    const list = (name) => (fields[name] ?? '').split(/\s+/).filter(Boolean);
    if (!list('types').includes('deb') || /^(no|false)$/i.test(fields.enabled ?? '')) continue;
    for (const uri of list('uris')) entries.push({ uri: trimSlash(uri), suites: list('suites'), components: list('components') });
  }
  return entries;
}

const trimSlash = (uri) => uri.replace(/\/+$/, '');

/**
 * The archive URI to take `suite` from: an entry that serves `suite` with `main`; else, on a
 * Debian host, the one serving the host's own suite (a Debian archive serves every suite).
 * @param {{ uri: string, suites: string[], components: string[] }[]} entries
 * @param {string} suite
 * @param {{ hostSuite?: string, hostIsDebian?: boolean }} [host]
 * @returns {string | null}
 */
export function findDebianMirror(entries, suite, host = {}) {
  const serving = (s) => entries.find((e) => e.suites.includes(s) && e.components.includes('main'));
  const direct = serving(suite);
  if (direct) return direct.uri;
  if (host.hostIsDebian && host.hostSuite) return serving(host.hostSuite)?.uri ?? null;
  return null;
}

/** APT's source files on this machine, in APT's order. */
export function readAptSources(root = '/etc/apt') {
  const files = [];
  const main = join(root, 'sources.list');
  if (existsSync(main)) files.push({ path: main, text: readFileSync(main, 'utf8') });
  const dir = join(root, 'sources.list.d');
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.list') || name.endsWith('.sources')) files.push({ path: join(dir, name), text: readFileSync(join(dir, name), 'utf8') });
    }
  }
  return files;
}

function osRelease() {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const get = (key) => new RegExp(`^${key}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1];
    return { hostIsDebian: get('ID') === 'debian', hostSuite: get('VERSION_CODENAME') };
  } catch {
    return {};
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const suite = process.argv[2];
  if (!suite) {
    console.error('usage: node scripts/lib/apt-mirror.mjs SUITE');
    process.exit(64);
  }
  const override = process.env.SANDBOXES_DEBIAN_MIRROR?.trim();
  const mirror = override || findDebianMirror(parseSources(readAptSources()), suite, osRelease());
  if (!mirror) {
    console.error(
      `No Debian archive serving "${suite} main" was found in this machine's APT configuration ` +
        '(/etc/apt/sources.list, /etc/apt/sources.list.d/*.list and *.sources). ' +
        `Set SANDBOXES_DEBIAN_MIRROR to the URL of a Debian archive that serves ${suite} (the URI of a "deb" line), ` +
        'e.g. SANDBOXES_DEBIAN_MIRROR=<the URL of the Debian archive your apt uses>, and run the script again.',
    );
    process.exit(2);
  }
  console.log(trimSlash(mirror));
}
