import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';

/**
 * Reading a sandbox's whole filesystem as one tar stream, with whatever tar the image has.
 *
 * BusyBox's tar knows neither `--exclude` nor `-X`/`-T` (Debian's build: only c/x/t, -C, -f and a
 * few long options), so exclusions cannot be left to tar. The script inside names every
 * top-level entry except the excluded ones (`/proc`, `/sys`, `/dev` and top-level bind targets,
 * which must not even be read), and the host side drops the nested ones (`etc/hosts`, a bind
 * below a copied folder) from the stream before Docker imports it.
 */
const LIST_AND_TAR = [
  // "$@" starts with the top-level names to skip; $n of them. Names found are appended and the
  // skip list shifted away, so names with spaces or newlines stay intact (no word splitting).
  'n=$#',
  'cd / || exit 3',
  'for f in * .[!.]* ..?*; do',
  '  { [ -e "$f" ] || [ -L "$f" ]; } || continue',
  '  i=0; skip=0',
  '  for s in "$@"; do i=$((i+1)); [ "$i" -gt "$n" ] && break; if [ "$s" = "$f" ]; then skip=1; break; fi; done',
  '  [ "$skip" = 1 ] || set -- "$@" "$f"',
  'done',
  'shift "$n"',
  '[ "$#" -gt 0 ] || { echo "nothing to archive in /" >&2; exit 3; }',
  'exec tar -c -f - --numeric-owner "$@"',
].join('\n');

/** The exec argv that writes the archive to stdout; `excluded` are paths relative to `/`. */
export function snapshotTarArgv(excluded: string[]): string[] {
  const topLevel = [...new Set(excluded.map(normalise).filter((p) => p && !p.includes('/')))];
  return ['/bin/sh', '-c', LIST_AND_TAR, 'sh', ...topLevel];
}

/**
 * Tar's exit status 1 means "some files differ" in GNU tar — files that changed or vanished
 * while it read them, which leaves every other file whole — but it is also BusyBox's (and a
 * replaced tar's) plain failure. So 1 is accepted only when every message is one of GNU's
 * warnings about a changing file.
 */
export function tarSucceeded(exitCode: number, stderr: string): boolean {
  if (exitCode === 0) return true;
  if (exitCode !== 1) return false;
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.length > 0 && lines.every((l) => /file changed as we read it|file removed before we read it|socket ignored|Removing leading/.test(l));
}

export interface FilteredArchive {
  /** The archive without the excluded paths, for Docker to import. */
  output: Readable;
  /** Entries passed on; rejects when the input is not a complete tar archive. */
  done: Promise<{ entries: number }>;
}

/** Passes a tar stream on without the entries at or below `excluded` (relative to `/`). */
export function withoutExcluded(input: Readable, excluded: string[]): FilteredArchive {
  const skip = excluded.map(normalise).filter(Boolean);
  const isExcluded = (name: string) => {
    const rel = normalise(name);
    return skip.some((p) => rel === p || rel.startsWith(`${p}/`));
  };
  const extract = tar.extract();
  const pack = tar.pack();
  let entries = 0;
  const done = new Promise<{ entries: number }>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      if (isExcluded(header.name)) {
        stream.on('end', () => next());
        stream.resume();
        return;
      }
      entries++;
      if (header.type === 'file' || header.type === 'contiguous-file') {
        stream.pipe(pack.entry(header, (error) => (error ? reject(error) : next())));
      } else {
        pack.entry(header, (error) => (error ? reject(error) : undefined));
        stream.on('end', () => next());
        stream.resume();
      }
    });
    extract.on('finish', () => {
      pack.finalize();
      resolve({ entries });
    });
    extract.on('error', reject);
    input.on('error', reject);
  });
  // A cut-off archive must not reach Docker as if it were whole: end the import with an error.
  // The caller learns why from `done`; a consumer without an error listener must not crash.
  pack.on('error', () => undefined);
  done.catch((error: unknown) => pack.destroy(error instanceof Error ? error : new Error(String(error))));
  input.pipe(extract);
  return { output: pack, done };
}

function normalise(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}
