/**
 * Finding and starting the session host: one detached process per user and Docker endpoint (as
 * the reaper is, lifetime.ts), reached through a Unix socket in the user's private run directory
 * (runDir.ts, 0700). A pid file written with O_EXCL decides which of two hosts starting at once
 * stays; a pid is only believed when its command line is a session host for this endpoint.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { SandboxError } from '../errors';
import { endpointKey, isProcessAlive, processCommandLine } from '../lifetime';
import { ensurePrivateDir } from '../runDir';

export interface SessionHostTarget {
  /** The user's private run directory (runDir.ts). */
  runDir: string;
  endpointDescription: string;
  dockerHost: string;
}

export function sessionSocketPath(runDir: string, endpointDescription: string): string {
  return path.join(runDir, `sessions-${endpointKey(endpointDescription)}.sock`);
}

export function sessionPidFile(runDir: string, endpointDescription: string): string {
  return path.join(runDir, `sessions-${endpointKey(endpointDescription)}.pid`);
}

export function sessionHostMarker(endpointDescription: string): string {
  return `--sandboxes-session-host=${endpointKey(endpointDescription)}`;
}

export function isSessionHostProcess(pid: number, endpointDescription: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return false;
  const argv = processCommandLine(pid);
  return !!argv && argv.includes(sessionHostMarker(endpointDescription)) && argv.some((arg) => path.basename(arg) === 'sessionHost.js');
}

/** Where the bundled host is: next to dist/core.js, or dist/ when running from sources. */
export function sessionHostScript(): string | null {
  const candidates = [
    path.join(__dirname, 'sessionHost.js'),
    path.join(__dirname, '..', '..', 'dist', 'sessionHost.js'),
    path.join(__dirname, '..', '..', '..', 'dist', 'sessionHost.js'),
  ];
  return candidates.find((file) => fs.existsSync(file)) ?? null;
}

/**
 * The socket, when it is one this user owns in the private run directory; null when there is
 * none. Anything else in its place is refused: the socket is a shell into every session.
 */
export function checkedSocket(runDir: string, endpointDescription: string): string | null {
  const socket = sessionSocketPath(ensurePrivateDir(runDir), endpointDescription);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(socket);
  } catch {
    return null;
  }
  const uid = process.getuid?.();
  if (!st.isSocket() || (uid !== undefined && st.uid !== uid)) {
    throw new SandboxError(
      'UNSAFE_RUN_DIR',
      `${socket} is not a socket of yours, so terminal sessions cannot use it.`,
      `Remove ${socket}; the next terminal starts a new session host.`,
    );
  }
  return socket;
}

/** Connects to the socket, or rejects (nothing listening, or it is gone). */
export function connectSocket(socket: string, timeoutMs = 2000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const connection = net.createConnection(socket);
    const timer = setTimeout(() => {
      connection.destroy();
      reject(new Error(`no answer from ${socket}`));
    }, timeoutMs);
    connection.once('connect', () => {
      clearTimeout(timer);
      resolve(connection);
    });
    connection.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * The socket of a running session host, starting one when none answers. Throws when the host
 * cannot be built or does not come up (the caller falls back to a terminal without a session).
 */
export async function ensureSessionHost(target: SessionHostTarget, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const existing = checkedSocket(target.runDir, target.endpointDescription);
  if (existing && (await answers(existing))) return existing;
  const script = sessionHostScript();
  if (!script) {
    throw new SandboxError(
      'SESSION_FAILED',
      'The terminal session host (dist/sessionHost.js) was not found, so terminals cannot survive a window reload.',
      'Build the project (npm run build).',
    );
  }
  const child = spawn(process.execPath, [script, sessionHostMarker(target.endpointDescription)], {
    detached: true,
    stdio: 'ignore',
    // ELECTRON_RUN_AS_NODE: inside desktop VS Code, execPath is Electron.
    env: {
      ...process.env,
      ...env,
      ELECTRON_RUN_AS_NODE: '1',
      SANDBOXES_SESSION_ENDPOINT: target.endpointDescription,
      SANDBOXES_SESSION_DOCKER_HOST: target.dockerHost,
      SANDBOXES_SESSION_RUN_DIR: target.runDir,
    },
  });
  child.unref();
  // Bounded: the host listens within a few hundred milliseconds of starting.
  for (let attempt = 0; attempt < 100; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const socket = checkedSocket(target.runDir, target.endpointDescription);
    if (socket && (await answers(socket))) return socket;
  }
  throw new SandboxError('SESSION_FAILED', 'The terminal session host did not start within 5 seconds.', `Look at ${path.join(target.runDir, 'sessions.log')}.`);
}

async function answers(socket: string): Promise<boolean> {
  try {
    (await connectSocket(socket, 1000)).destroy();
    return true;
  } catch {
    return false;
  }
}
