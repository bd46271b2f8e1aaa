/**
 * A real remote Docker engine on this machine, for the remote-engine tests (issue #17): a second
 * dockerd in a network namespace of its own (own data root, exec root, bridges and iptables,
 * runsc registered as on this machine), reachable from here only over SSH (Debian's sshd in that
 * namespace, key auth through an ssh-agent of the test's own) and over TCP with mutual TLS
 * (certificates made here). Its bridges use addresses this machine has no route to, and a
 * blackhole route for them makes sure that nothing sent to them ever leaves this machine: the
 * only way in is the engine's own connection, as with an engine on another host.
 *
 * Everything it creates is named after this process and removed by stop(), also after a failure
 * half way through start(). Processes are ended by the ids this module started.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RemoteEngine {
  /** `ssh://root@ADDRESS` (needs `SSH_AUTH_SOCK` = sshAuthSock, see withSshAgent). */
  sshHost: string;
  /** `https://ADDRESS:2376`, mutual TLS with the certificates in certDir. */
  tlsHost: string;
  certDir: string;
  sshAuthSock: string;
  /** The remote engine's address on the link to this machine. */
  address: string;
  /** The remote engine's bridge ranges: this machine has no route to them. */
  bridgeRanges: string[];
  /** The docker CLI against the remote engine (through its local socket: test setup only). */
  cli(args: string[]): string;
  /** Stops this remote engine's own dockerd (SIGTERM, by the pid this module started) and starts it again on the same data root. */
  restartDaemon(): Promise<void>;
  stop(): Promise<void>;
}

const SLOT = process.pid % 250;
const NETNS = `sbxr-${process.pid}`;
const HOST_LINK = `sbxrh${SLOT}`;
const REMOTE_LINK = `sbxrn${SLOT}`;
// RFC 2544's benchmarking range: no test or Docker network here uses it.
const LINK_PREFIX = `198.18.${SLOT}`;
const HOST_ADDRESS = `${LINK_PREFIX}.1`;
const REMOTE_ADDRESS = `${LINK_PREFIX}.2`;
const BRIDGE_RANGE = `${LINK_PREFIX}.128/25`;

function run(cmd: string, args: string[], options: { input?: Buffer | string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: options.timeout ?? 60_000,
    input: options.input,
    env: options.env ?? process.env,
    maxBuffer: 1 << 30,
  });
}

function quiet(cmd: string, args: string[]): void {
  try {
    run(cmd, args, { timeout: 30_000 });
  } catch {
    // cleanup of something that may not exist
  }
}

function safe(read: () => string): string {
  try {
    return read();
  } catch {
    return '';
  }
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; i < 1000 && Date.now() < end; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`remote engine: ${what} did not happen within ${timeoutMs / 1000} s`);
}

/** Why this machine cannot run the remote engine, or null when it can. */
export function remoteEngineMissing(): string | null {
  for (const [bin, why] of [
    ['/usr/sbin/sshd', 'openssh-server'],
    ['/usr/bin/ssh-agent', 'openssh-client'],
    ['/usr/bin/openssl', 'openssl'],
    ['/usr/bin/nsenter', 'util-linux'],
  ] as const) {
    if (!fs.existsSync(bin)) return `${bin} is missing (Debian package ${why}; npm test installs it through scripts/setup-test-host.sh)`;
  }
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and a second dockerd)';
  return null;
}

export async function startRemoteEngine(images: string[]): Promise<RemoteEngine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-remote-'));
  const socket = path.join(dir, 'docker.sock');
  const children: ChildProcess[] = [];
  const made = { netns: false, link: false, route: false };
  const certDir = path.join(dir, 'certs');
  const sshDir = path.join(dir, 'ssh');
  const cli = (args: string[]) => run('docker', ['-H', `unix://${socket}`, ...args], { timeout: 300_000 });

  const stop = async () => {
    try {
      const ids = cli(['ps', '-aq']).split('\n').filter(Boolean);
      if (ids.length) cli(['rm', '-f', '-v', ...ids]);
    } catch {
      // the engine may not have started
    }
    for (const child of children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    // Whatever still runs in the namespace was started by this engine (sshd's per-connection
    // children outlive the listener, and would wait forever once the link is gone).
    if (made.netns) {
      for (const pid of safe(() => run('ip', ['netns', 'pids', NETNS]))
        .split('\n')
        .filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (made.route) quiet('ip', ['route', 'del', 'blackhole', BRIDGE_RANGE]);
    if (made.link) quiet('ip', ['link', 'del', HOST_LINK]);
    if (made.netns) quiet('ip', ['netns', 'del', NETNS]);
    // Overlay mounts of the data root go with dockerd; a leftover one must not stop the removal.
    quiet('bash', ['-c', `grep -o " ${dir}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    run('ip', ['netns', 'add', NETNS]);
    made.netns = true;
    run('ip', ['link', 'add', HOST_LINK, 'type', 'veth', 'peer', 'name', REMOTE_LINK]);
    made.link = true;
    run('ip', ['link', 'set', REMOTE_LINK, 'netns', NETNS]);
    run('ip', ['addr', 'add', `${HOST_ADDRESS}/30`, 'dev', HOST_LINK]);
    run('ip', ['link', 'set', HOST_LINK, 'up']);
    const inNs = (args: string[]) => run('nsenter', [`--net=/run/netns/${NETNS}`, ...args]);
    inNs(['ip', 'addr', 'add', `${REMOTE_ADDRESS}/30`, 'dev', REMOTE_LINK]);
    inNs(['ip', 'link', 'set', REMOTE_LINK, 'up']);
    inNs(['ip', 'link', 'set', 'lo', 'up']);
    run('ip', ['route', 'add', 'blackhole', BRIDGE_RANGE]);
    made.route = true;

    makeCertificates(certDir, REMOTE_ADDRESS);
    const local = JSON.parse(fs.readFileSync('/etc/docker/daemon.json', 'utf8')) as { runtimes?: unknown };
    const config = {
      runtimes: local.runtimes,
      bip: `${LINK_PREFIX}.129/26`,
      'default-address-pools': [{ base: `${LINK_PREFIX}.192/26`, size: 28 }],
      hosts: [`unix://${socket}`, `tcp://${REMOTE_ADDRESS}:2376`],
      tlsverify: true,
      tlscacert: path.join(certDir, 'ca.pem'),
      tlscert: path.join(certDir, 'server-cert.pem'),
      tlskey: path.join(certDir, 'server-key.pem'),
    };
    fs.writeFileSync(path.join(dir, 'daemon.json'), JSON.stringify(config));
    // nsenter, not `ip netns exec`: the latter mounts a fresh /sys, hiding the cgroup mounts dockerd needs.
    const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
    const startDaemon = () =>
      spawn(
        'nsenter',
        [
          `--net=/run/netns/${NETNS}`,
          'dockerd',
          '--config-file',
          path.join(dir, 'daemon.json'),
          '--data-root',
          path.join(dir, 'data'),
          '--exec-root',
          path.join(dir, 'exec'),
          '--pidfile',
          path.join(dir, 'dockerd.pid'),
        ],
        { stdio: ['ignore', log, log] },
      );
    const answering = () => {
      try {
        cli(['version', '--format', '{{.Server.Version}}']);
        return true;
      } catch {
        return false;
      }
    };
    let daemon = startDaemon();
    children.push(daemon);
    await until('dockerd answering', answering, 60_000);
    const restartDaemon = async () => {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      if (daemon.exitCode === null && daemon.signalCode === null) throw new Error('remote engine: dockerd did not stop within 30 s');
      daemon = startDaemon();
      children.push(daemon);
      await until('dockerd answering again', answering, 60_000);
    };
    for (const image of images) run('bash', ['-o', 'pipefail', '-c', 'docker save "$1" | docker -H "unix://$2" load -q', 'load', image, socket], { timeout: 300_000 });

    fs.mkdirSync(sshDir, { mode: 0o700 });
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(sshDir, 'host_key')]);
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(sshDir, 'client_key')]);
    fs.copyFileSync(path.join(sshDir, 'client_key.pub'), path.join(sshDir, 'authorized_keys'));
    fs.mkdirSync('/run/sshd', { recursive: true });
    fs.writeFileSync(
      path.join(sshDir, 'sshd_config'),
      [
        `ListenAddress ${REMOTE_ADDRESS}:22`,
        `HostKey ${path.join(sshDir, 'host_key')}`,
        `AuthorizedKeysFile ${path.join(sshDir, 'authorized_keys')}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        'StrictModes no',
        `PidFile ${path.join(sshDir, 'sshd.pid')}`,
        // DOCKER_HOST: what `docker system dial-stdio` (run by the client over SSH) talks to.
        // SHLVL=1: bash started by sshd sources root's ~/.bashrc unless it is a nested shell; this
        // machine's runs `pyenv init`, which waited 60 s on a lock a killed session had left, and
        // every SSH test with it. A remote host's rc files are not what these tests are about.
        `SetEnv DOCKER_HOST=unix://${socket} SHLVL=1`,
        '',
      ].join('\n'),
    );
    const sshLog = fs.openSync(path.join(sshDir, 'sshd.log'), 'a');
    children.push(
      spawn('nsenter', [`--net=/run/netns/${NETNS}`, '/usr/sbin/sshd', '-D', '-f', path.join(sshDir, 'sshd_config'), '-E', path.join(sshDir, 'sshd.log')], {
        stdio: ['ignore', sshLog, sshLog],
      }),
    );
    const sshAuthSock = path.join(sshDir, 'agent.sock');
    children.push(spawn('ssh-agent', ['-D', '-a', sshAuthSock], { stdio: 'ignore' }));
    await until('ssh-agent listening', () => fs.existsSync(sshAuthSock), 10_000);
    run('ssh-add', ['-q', path.join(sshDir, 'client_key')], { env: { ...process.env, SSH_AUTH_SOCK: sshAuthSock } });
    await until(
      'sshd listening',
      () => {
        try {
          return inNs(['ss', '-ltn']).includes(`${REMOTE_ADDRESS}:22`);
        } catch {
          return false;
        }
      },
      10_000,
    );
    return {
      sshHost: `ssh://root@${REMOTE_ADDRESS}`,
      tlsHost: `https://${REMOTE_ADDRESS}:2376`,
      certDir,
      sshAuthSock,
      address: REMOTE_ADDRESS,
      bridgeRanges: [BRIDGE_RANGE],
      cli,
      restartDaemon,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A CA, a server certificate for the engine's address and a client certificate (Docker's file names). */
function makeCertificates(dir: string, address: string): void {
  fs.mkdirSync(dir, { mode: 0o700 });
  const at = (f: string) => path.join(dir, f);
  const ssl = (args: string[]) => run('openssl', args);
  ssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=sandboxes-test-ca',
    '-keyout',
    at('ca-key.pem'),
    '-out',
    at('ca.pem'),
  ]);
  for (const [name, ext] of [
    ['server', `subjectAltName=IP:${address}\nextendedKeyUsage=serverAuth`],
    ['', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    const prefix = name ? `${name}-` : '';
    fs.writeFileSync(at(`${prefix}ext.cnf`), ext + '\n');
    ssl([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=sandboxes-test-${name || 'client'}`,
      '-keyout',
      at(`${prefix}key.pem`),
      '-out',
      at(`${prefix}req.pem`),
    ]);
    ssl([
      'x509',
      '-req',
      '-in',
      at(`${prefix}req.pem`),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca-key.pem'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      at(`${prefix}ext.cnf`),
      '-out',
      at(`${prefix}cert.pem`),
    ]);
  }
}
