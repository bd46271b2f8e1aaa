#!/usr/bin/env node
// `npm start`: sets up what it can on this machine and opens the extension in a real VS Code
// (code-server) on 127.0.0.1, with the current folder as workspace. Ctrl-C stops it.
//
//   npm start [-- --no-setup]
//   SANDBOXES_PORT   port to serve on (default 8080; a free one when it is taken)
//   SANDBOXES_CACHE  cache root (default ~/.cache/gvisor-sandboxes): code-server, start/ profile
//   SANDBOXES_VSIX   serve this prebuilt .vsix instead of building one
//   --no-setup       skip the Docker/gVisor host setup (scripts/setup-host.sh)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from './lib/codeServer.mjs';

const REPO = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
// SANDBOXES_VSIX: serve this prebuilt .vsix instead of building dist/gvisor-sandboxes.vsix.
const VSIX = process.env.SANDBOXES_VSIX || join(REPO, 'dist', 'gvisor-sandboxes.vsix');
const isRoot = process.getuid?.() === 0;
const noSetup = process.argv.includes('--no-setup');
const say = (m) => console.error(`[start] ${m}`);
const run = (cmd, args, what) => {
  say(`${what}: ${cmd} ${args.join(' ')}`);
  return spawnSync(cmd, args, { cwd: REPO, stdio: 'inherit' }).status === 0;
};
const fail = (m) => {
  say(`ERROR: ${m}`);
  process.exit(1);
};

if (!existsSync(join(REPO, 'node_modules'))) run('npm', ['install'], 'installing dependencies') || fail('npm install failed');
if (!process.env.SANDBOXES_VSIX) run('npm', ['run', 'package'], 'building the extension') || fail('npm run package failed');
existsSync(VSIX) || fail(`${VSIX} does not exist`);

if (!noSetup) {
  if (isRoot) {
    // Docker + runsc; without them the editor still starts and "Sandboxes: Check Setup" explains.
    if (!run('bash', ['scripts/setup-host.sh'], 'host setup')) say('WARNING: host setup failed (see above); starting the editor anyway');
  } else {
    const runtimes = spawnSync('docker', ['info', '--format', '{{json .Runtimes}}'], { encoding: 'utf8' });
    if (runtimes.status !== 0 || !runtimes.stdout.includes('runsc')) {
      say(`Docker with the gVisor runtime is not ready. Run once: sudo bash ${join(REPO, 'scripts/setup-host.sh')}`);
    }
  }
}
// As a non-root user this still installs code-server when Debian's packages are there; otherwise it
// prints the sudo commands to run and exits non-zero.
const cs = spawnSync('bash', [join(REPO, 'scripts/install-code-server.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (cs.status !== 0) fail('code-server is not installed (see above)');
process.env.SANDBOXES_CODE_SERVER = cs.stdout.trim().split('\n').pop();

const { installExtension, startCodeServer } = await import('./lib/codeServer.mjs');
const profile = join(cacheRoot(), 'start');
const dirs = { extensionsDir: join(profile, 'extensions'), userDataDir: join(profile, 'user-data') };
say('installing the extension into the start profile');
installExtension(VSIX, dirs);
// Machines without a registry cannot pull the default image (python:3.12-slim): point the start
// profile (not your own VS Code) at a local one instead, so the first sandbox works offline.
const settings = {};
const hasImage = (ref) => spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0;
if (!hasImage('python:3.12-slim')) {
  const local = ['sandboxes-test/base:bookworm-2', 'sandboxes/trial:busybox'].find(hasImage);
  if (local) {
    say(`python:3.12-slim is not on this machine; new sandboxes use ${local} (setting sandboxes.defaults.image)`);
    settings['sandboxes.defaults.image'] = local;
  }
}
const server = await startCodeServer({ ...dirs, folder: process.cwd(), port: Number(process.env.SANDBOXES_PORT) || 8080, settings });
console.log(`\ngVisor Sandboxes in VS Code: ${server.folderUrl}\n(code-server pid ${server.pid}, log ${server.logFile}; Ctrl-C to stop)\n`);

let stopping = false;
const shutdown = async (sig) => {
  if (stopping) return;
  stopping = true;
  say(`${sig}: stopping code-server`);
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
const { code, signal } = await server.done;
if (stopping) await new Promise(() => {}); // shutdown() exits
say(`code-server exited (${code ?? signal}); see ${server.logFile}`);
process.exit(code || 1);
