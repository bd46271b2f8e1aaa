import { execFile } from 'node:child_process';

/**
 * What git itself would leave out of a folder in a work tree: `git ls-files --others --ignored
 * --exclude-standard --directory` honours every .gitignore, .git/info/exclude and the user's
 * global `core.excludesFile`, and never lists tracked files (git copies those even when a
 * pattern matches them). Paths come relative to `cwd`; an ignored folder as `name/`.
 *
 * Returns null when git cannot answer (not installed, not a work tree, a repository git
 * refuses as of dubious ownership): the caller then applies .gitignore files itself.
 *
 * The folder may be one a sandbox can write, .git/config included, so git runs without
 * anything from it that could start a program on this machine: no fsmonitor hook (the one
 * setting that ls-files would run), no untracked cache, no pager or prompt, and no
 * GIT_DIR-style variables from our environment pointing it elsewhere.
 */
export async function gitIgnoredPaths(cwd: string, timeoutMs = 60_000): Promise<Set<string> | null> {
  const args = ['-c', 'core.fsmonitor=false', '-c', 'core.untrackedCache=false', '--no-pager', 'ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory'];
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env: gitEnv(), timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer', windowsHide: true }, (error, stdout) => {
      // Not installed (ENOENT, a millisecond to learn, so not cached), not a work tree, refused: no answer.
      if (error) {
        resolve(null);
        return;
      }
      resolve(new Set(stdout.toString('utf8').split('\0').filter(Boolean)));
    });
  });
}

/** Variables that would make git read another repository, index or work tree than the folder's own. */
const REDIRECTING = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_CONFIG',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  'GIT_EXTERNAL_DIFF',
  'GIT_PAGER',
  'GIT_EDITOR',
];

/** Our environment (the user's global config and HOME count: core.excludesFile lives there), minus what redirects git. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
  for (const name of REDIRECTING) delete env[name];
  for (const name of Object.keys(env)) if (/^GIT_CONFIG_(KEY|VALUE)_\d+$/.test(name)) delete env[name];
  return env;
}
