/**
 * A repository's .git/config is copied into sandboxes without its credentials. It is where
 * `git clone https://user:TOKEN@host/repo` leaves the token (remote.origin.url), where CI
 * writes `http.extraheader = AUTHORIZATION: bearer …`, and where `credential.*` names helpers
 * and their files. The rest (remotes, branches, core settings) is kept, so git in the sandbox
 * still knows its remotes; leaving the whole file out would break `git status` there instead.
 *
 * Pure (no Node modules): unit-tested line by line.
 */

/** Whether `rel` (POSIX, inside a copied folder) is a git config file that can hold credentials. */
export function isGitConfigPath(rel: string): boolean {
  const parts = rel.split('/');
  const at = parts.indexOf('.git');
  if (at < 0) return false;
  const rest = parts.slice(at + 1);
  const name = rest.at(-1);
  if (rest.length === 1) return name === 'config' || name === 'config.worktree';
  // Submodules' and linked worktrees' own configs: .git/modules/<name…>/config, .git/worktrees/<name>/config.worktree.
  if (rest[0] === 'modules') return (name === 'config' || name === 'config.worktree') && !rest.includes('refs') && !rest.includes('logs') && !rest.includes('objects');
  if (rest[0] === 'worktrees') return rest.length === 3 && name === 'config.worktree';
  return false;
}

/** Keys whose values are secrets or carry them, in any section (compared in lower case). */
const SECRET_KEY = /token|password|passwd|secret|extraheader|cookie/;
/** Sections left out whole: credential helpers and per-URL credential settings. */
const SECRET_SECTION = /^credential$/;

/**
 * The config text with credentials removed: userinfo (`user:token@`) dropped from every URL
 * (in values and in section names such as `[url "https://tok@host/"]`), `[credential…]`
 * sections and keys such as `extraheader`, `*token*`, `*password*` left out, with their
 * continuation lines. `removed` counts what changed, for logs.
 */
export function scrubGitConfig(text: string): { text: string; removed: number } {
  const out: string[] = [];
  let removed = 0;
  let dropSection = false;
  let dropContinuation = false;
  for (const line of text.split('\n')) {
    if (dropContinuation) {
      removed++;
      dropContinuation = continues(line);
      continue;
    }
    // git allows a key on the header's own line: `[core] bare = false`.
    const header = /^\s*\[([^\]"\s]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (header) dropSection = SECRET_SECTION.test(header[1].toLowerCase().split('.')[0]);
    if (dropSection) {
      removed++;
      continue;
    }
    const head = header ? withoutUserinfo(header[0]) : '';
    const body = header ? line.slice(header[0].length) : line;
    if (head !== (header?.[0] ?? '')) removed++;
    const key = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*(=|$)/.exec(body)?.[1]?.toLowerCase();
    if (key && SECRET_KEY.test(key)) {
      removed++;
      dropContinuation = continues(line);
      if (header) out.push(head);
      continue;
    }
    const clean = withoutUserinfo(body);
    if (clean !== body) removed++;
    out.push(head + clean);
  }
  return { text: out.join('\n'), removed };
}

/**
 * `scheme://userinfo@host` → `scheme://host`. For ssh the user name is how you log in, not a
 * secret: only a password after it goes.
 */
export function withoutUserinfo(text: string): string {
  return text.replace(/\b([A-Za-z][A-Za-z0-9+.-]*):\/\/([^\s/"'\\]*)@/g, (_, scheme: string, userinfo: string) => {
    if (/ssh/i.test(scheme)) {
      const user = userinfo.split(':')[0];
      return user ? `${scheme}://${user}@` : `${scheme}://`;
    }
    return `${scheme}://`;
  });
}

/** A value continues on the next line when the line ends with an odd number of backslashes. */
function continues(line: string): boolean {
  const trailing = /\\+$/.exec(line.replace(/\r$/, ''))?.[0].length ?? 0;
  return trailing % 2 === 1;
}
