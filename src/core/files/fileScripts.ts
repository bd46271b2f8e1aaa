/**
 * The shell scripts behind the files API (one per operation, run with `/bin/sh -c`), the exit
 * codes they use for conditions the caller must tell apart, and the spare exec's script and
 * request format. Pure text: fileTransport.ts runs them, fileErrors.ts reads their exit codes.
 */
import { SURVEY_COMMAND } from './downloadLimits';
import { STATF_SHELL } from './statOutput';

/**
 * Exit codes the scripts below use for conditions the caller must tell apart; anything else is
 * read from the tool's own message (e.g. "Read-only file system").
 */
export const EXIT = { notFound: 70, exists: 71, notDirectory: 72, isDirectory: 73, spareUnused: 74, notEmpty: 75, denied: 76, noTool: 127 } as const;

/**
 * Starting a process through Docker costs ≈ 100 ms under gVisor, most of a small operation and
 * half of a 10 MiB read. So after an operation one exec is started ahead, idle in `read`: the
 * next operation sends it its command line and it becomes that command (exec), output, stdin
 * and exit code as if started fresh — the stream still ends with the process, so no framing is
 * needed and reads stay the sandbox's current view. It is given up after SPARE_IDLE_MS unused.
 * The idle reaper knows it by its name (FILES_SPARE_NAME) and does not count it as activity, so
 * file operations through it do not keep a sandbox alive (as before, when they were short execs
 * its once-a-second check rarely saw). A request is one line: the argv as shell words, newlines
 * spelled "$nl".
 */
export const SPARE_SCRIPT = `nl='
'
IFS= read -r request || exit ${EXIT.spareUnused}
eval "set -- $request"
exec "$@"`;
export function spareRequest(argv: string[]): string {
  const word = (arg: string) =>
    arg
      .split('\n')
      .map((part) => `'${part.replace(/'/g, `'\\''`)}'`)
      .join('"$nl"');
  return `${argv.map(word).join(' ')}\n`;
}

const PRELUDE = `set -u
missing() { [ ! -e "$1" ] && [ ! -L "$1" ]; }
parent_ok() { d=$(dirname -- "$1"); if [ ! -d "$d" ]; then if [ -e "$d" ]; then exit ${EXIT.notDirectory}; else exit ${EXIT.notFound}; fi; fi; }
`;

export const SCRIPTS = {
  stat: `${PRELUDE}missing "$1" && exit ${EXIT.notFound}
${STATF_SHELL}
statf "$1"`,
  list: `${PRELUDE}missing "$1" && exit ${EXIT.notFound}
[ -d "$1" ] || exit ${EXIT.notDirectory}
[ -r "$1" ] && [ -x "$1" ] || exit ${EXIT.denied}
cd -- "$1" || exit ${EXIT.denied}
${STATF_SHELL}
statfind`,
  write: `${PRELUDE}if [ -e "$1" ] || [ -L "$1" ]; then
  [ -d "$1" ] && exit ${EXIT.isDirectory}
  [ "$3" = 1 ] || exit ${EXIT.exists}
else
  [ "$2" = 1 ] || exit ${EXIT.notFound}
  if [ "$4" = 1 ]; then mkdir -p -- "$(dirname -- "$1")" || exit; else parent_ok "$1"; fi
fi
exec cat > "$1"`,
  mkdir: `${PRELUDE}if [ "$2" = 1 ]; then
  [ -d "$1" ] && exit 0
  exec mkdir -p -- "$1"
fi
missing "$1" || exit ${EXIT.exists}
parent_ok "$1"
exec mkdir -- "$1"`,
  remove: `${PRELUDE}missing "$1" && exit ${EXIT.notFound}
if [ -d "$1" ] && [ ! -L "$1" ]; then
  [ "$2" = 1 ] && exec rm -rf -- "$1"
  [ -z "$(ls -A -- "$1")" ] || exit ${EXIT.notEmpty}
  exec rmdir -- "$1"
fi
exec rm -f -- "$1"`,
  rename: `${PRELUDE}missing "$1" && exit ${EXIT.notFound}
parent_ok "$2"
if ! missing "$2"; then
  [ "$3" = 1 ] || exit ${EXIT.exists}
  if [ -d "$2" ] && [ ! -L "$2" ]; then
    [ -d "$1" ] && [ ! -L "$1" ] || exit ${EXIT.isDirectory}
    rm -rf -- "$2" || exit
  fi
fi
exec mv -f -- "$1" "$2"`,
  // What a download will hold (see parseSurvey): totals for progress, the caps, .git and .vscode.
  survey: `${PRELUDE}missing "$1" && exit ${EXIT.notFound}
${SURVEY_COMMAND}`,
  tarOut: `${PRELUDE}cd -- "$(dirname -- "$1")" || exit ${EXIT.notFound}
exec tar -c -f - -- "$(basename -- "$1")"`,
  tarIn: `${PRELUDE}mkdir -p -- "$1" || exit
exec tar -x -f - -C "$1"`,
};
