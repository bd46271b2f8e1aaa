/**
 * Entry point of the detached terminal session host (bundled to dist/sessionHost.js): it keeps
 * sandbox shells and their scrollback while windows reload, so their terminals reattach. It needs
 * nothing in the image. It serves one Unix socket in the user's private run directory and exits
 * by itself when it has had no session and no client for a while (sessions/sessionServer.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { resolveEndpoint } from './docker';
import { readPidFile } from './lifetime';
import { createExclusive, defaultRunDir, ensurePrivateDir, openAppendNoFollow } from './runDir';
import { isSessionHostProcess, sessionPidFile, sessionSocketPath } from './sessions/sessionHostProcess';
import { DEFAULT_IDLE_MS, DEFAULT_MAX_SESSIONS, DEFAULT_SCROLLBACK_BYTES, SessionServer } from './sessions/sessionServer';

function numberFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** This endpoint's pid file, taken with O_EXCL; a stale one (its process is no session host) is replaced. */
function takePidFile(file: string, endpointDescription: string): boolean {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      createExclusive(file, String(process.pid));
      return true;
    } catch {
      const owner = readPidFile(file);
      if (owner === process.pid) return true;
      if (owner !== null && isSessionHostProcess(owner, endpointDescription)) return false;
      fs.rmSync(file, { force: true });
    }
  }
  return false;
}

async function main(): Promise<void> {
  const endpoint = resolveEndpoint(process.env.SANDBOXES_SESSION_DOCKER_HOST || undefined);
  const endpointDescription = process.env.SANDBOXES_SESSION_ENDPOINT || endpoint.description;
  const runDir = ensurePrivateDir(process.env.SANDBOXES_SESSION_RUN_DIR || defaultRunDir());
  const pidFile = sessionPidFile(runDir, endpointDescription);
  if (!takePidFile(pidFile, endpointDescription)) return;
  const socketPath = sessionSocketPath(runDir, endpointDescription);
  // The pid file is ours: whatever is at the socket's path is a dead host's.
  fs.rmSync(socketPath, { force: true });
  const logger = fileLogger(path.join(runDir, 'sessions.log'));
  // `server` is made below; a signal cannot arrive before (no await in between).
  const stop = () => {
    server.close();
    if (readPidFile(pidFile) === process.pid) {
      fs.rmSync(socketPath, { force: true });
      fs.rmSync(pidFile, { force: true });
    }
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const server = new SessionServer({
    socketPath,
    docker: new Docker(endpoint.options),
    logger,
    scrollbackBytes: numberFromEnv('SANDBOXES_SESSION_SCROLLBACK_BYTES', DEFAULT_SCROLLBACK_BYTES),
    maxSessions: numberFromEnv('SANDBOXES_SESSION_MAX', DEFAULT_MAX_SESSIONS),
    idleMs: numberFromEnv('SANDBOXES_SESSION_IDLE_MS', DEFAULT_IDLE_MS),
    onIdle: () => {
      logger.info('no session and no client left; exiting');
      stop();
    },
  });
  await server.listen();
  logger.info(`serving ${endpoint.description} on ${socketPath}`);
}

/** Appends to the run directory's log, never through a symlink (runDir.ts); silent if it cannot be opened. */
function fileLogger(file: string) {
  let fd: number | null = null;
  try {
    fd = openAppendNoFollow(file);
  } catch {
    // No log is better than no terminals.
  }
  const write = (level: string) => (message: string) => {
    if (fd !== null) fs.writeSync(fd, `${new Date().toISOString()} [${process.pid}] ${level} ${message}\n`);
  };
  return { trace: () => undefined, debug: () => undefined, info: write('info'), warn: write('warn'), error: write('error') };
}

main().catch(() => process.exit(1));
