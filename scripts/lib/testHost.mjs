// Is this machine set up for the test suites? A few quick looks (a second or so when it is),
// one per thing scripts/setup-test-host.sh provides, so `npm test` runs that script only when
// something the chosen suites need is missing. Nothing here changes the machine.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_PATH, CODE_SERVER_VERSION, cacheRoot } from './codeServer.mjs';

export const TEST_IMAGE = process.env.SANDBOXES_TEST_IMAGE || 'sandboxes-test/base:bookworm-2';
export const GUARD_IMAGE = process.env.SANDBOXES_GUARD_IMAGE || 'sandboxes/guard:2';

const DOCKER = ['integration', 'vscode'];

/**
 * @typedef {{ name: string, ok: boolean, detail: string, suites: string[] }} HostCheck
 * @returns {HostCheck[]} one entry per thing the suites need, with the suites that need it
 */
export function checkTestHost() {
  const checks = [];
  const docker = (args) => spawnSync('docker', args, { encoding: 'utf8', timeout: 10_000 });
  const info = docker(['info', '--format', '{{json .Runtimes}}']);
  const answers = info.status === 0;
  const said = (info.stderr || info.error?.message || '').trim().split('\n').pop() ?? '';
  const why =
    info.error?.code === 'ENOENT'
      ? 'the docker command is not installed'
      : /permission denied/i.test(said)
        ? "permission denied on Docker's socket"
        : said.slice(0, 160) || 'no answer';
  checks.push({ name: 'Docker answers', ok: answers, detail: answers ? 'docker info' : why, suites: DOCKER });
  const unknown = answers ? '' : ': not known while Docker does not answer';
  let runtimes = {};
  try {
    runtimes = answers ? JSON.parse(info.stdout) : {};
  } catch {
    // not JSON: treated as no runtimes
  }
  for (const [runtime, what] of [
    ['runsc', 'gVisor runtime'],
    ['runsc-netstack', 'gVisor runtime in netstack mode, for the old-runsc trap tests'],
  ]) {
    checks.push({ name: `${runtime} registered`, ok: runtime in runtimes, detail: what + unknown, suites: runtime === 'runsc' ? DOCKER : ['integration'] });
  }
  for (const [image, what] of [
    [GUARD_IMAGE, 'network guard image'],
    [TEST_IMAGE, 'offline test image'],
  ]) {
    const present = answers && docker(['image', 'inspect', '--format', '{{.Id}}', image]).status === 0;
    checks.push({ name: `${image} present`, ok: present, detail: what + unknown, suites: DOCKER });
  }
  const remoteTools = ['/usr/sbin/sshd', '/usr/bin/ssh-agent', '/usr/bin/openssl'].filter((f) => !executable(f));
  checks.push({
    name: 'sshd, ssh-agent and openssl installed',
    ok: remoteTools.length === 0,
    detail: remoteTools.length ? `missing ${remoteTools.join(', ')} (the remote-engine test)` : 'the remote-engine test',
    suites: ['integration'],
  });
  const codeServerDir = process.env.SANDBOXES_CODE_SERVER_DIR || join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
  const codeServerBin = join(codeServerDir, 'node_modules', '.bin', 'code-server');
  const codeServer = executable(codeServerBin) && existsSync(join(codeServerDir, `.installed-${CODE_SERVER_VERSION}`));
  checks.push({ name: `code-server ${CODE_SERVER_VERSION} installed`, ok: codeServer, detail: codeServerDir, suites: ['vscode'] });
  checks.push({ name: 'Chromium installed', ok: executable(CHROMIUM_PATH), detail: CHROMIUM_PATH, suites: ['vscode'] });
  return checks;
}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Why a non-root user cannot reach Docker, when that is the problem (setup-test-host.sh does not fix it). */
export function dockerPermissionHint(checks) {
  const docker = checks.find((c) => c.name === 'Docker answers');
  return docker && !docker.ok && /permission denied/i.test(docker.detail)
    ? `You cannot use Docker's socket as ${process.env.USER || 'this user'}: ask for access (e.g. \`sudo usermod -aG docker $USER\`, which is as good as root, then log in again), or run the tests as root.`
    : '';
}
