/**
 * Entry point of the detached reaper process (bundled to dist/reaper.js). It enforces sandbox
 * lifetimes while no editor runs, and exits once no running sandbox has a deadline left.
 *
 * Its pid file and log are in the user's private run directory (runDir.ts), never read or
 * written through a symlink; a pid file is only believed when the process it names is a reaper
 * for this endpoint (lifetime.ts, isReaperProcess).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { isLocalEngine, resolveEndpoint } from './docker';
import { EngineLock, REAPER_LOCK_NAME } from './engineLock';
import { isReaperProcess, readPidFile, reapOnce, reaperPidFile, somethingToWatch, type ReapDecision } from './lifetime';
import { DEFAULT_GUARD_IMAGE } from './network/guardImage';
import { createExclusive, defaultRunDir, ensurePrivateDir, openAppendNoFollow, replaceFile } from './runDir';
import { StartWatcher, Wakeup } from './reaperWake';
import { recordReaped, type ReapReason } from './reapRecord';

/** A look now and then even when Docker's events say nothing (they are the fast path, not the only one). */
const MAX_SLEEP_MS = 30_000;
/** While the event stream is down, look every second: a new sandbox may have a short deadline. */
const POLL_MS = 1000;
/** Keep watching a little after the last deadline, in case a new sandbox is being created. */
const LINGER_MS = 10_000;
/** Standing by (another machine's reaper holds a remote engine's lock): how often to look whether it still does. */
const STANDBY_MS = 2_000;
/** Holding a remote engine's lock: how often to ask the engine that it is still ours. */
const VERIFY_MS = 5_000;

/**
 * Takes this endpoint's pid file (or returns null: another reaper watches it), then starts the
 * log and the watch on Docker's events.
 */
function startWatching() {
  const endpoint = resolveEndpoint(process.env.SANDBOXES_REAPER_DOCKER_HOST || undefined);
  const endpointDescription = process.env.SANDBOXES_REAPER_ENDPOINT || endpoint.description;
  const runDir = ensurePrivateDir(process.env.SANDBOXES_REAPER_RUN_DIR || defaultRunDir());
  const pidFile = reaperPidFile(runDir, endpointDescription);
  const lock = new PidLock(pidFile, endpointDescription);
  if (!lock.take()) return null;
  process.on('exit', () => lock.release());
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));

  const logger = fileLogger(path.join(runDir, 'reaper.log'));
  logger.info(`watching ${endpoint.description}`);
  const docker = new Docker(endpoint.options);
  const wakeup = new Wakeup();
  const events = new StartWatcher(
    docker,
    () => wakeup.wake(),
    (why) => logger.warn(`${why}; looking every second meanwhile`),
  );
  events.start();
  // A remote engine may have clients on other machines, each starting a reaper there: the
  // engine's own lock (engineLock.ts) lets one of them reap, the others stand by.
  const engineLock = isLocalEngine(endpoint) ? null : new EngineLock(docker, process.env.SANDBOXES_REAPER_GUARD_IMAGE || DEFAULT_GUARD_IMAGE);
  return { lock, logger, docker, wakeup, events, runDir, engineLock: engineLock ? new EngineTurn(engineLock, logger) : null };
}

type FileLogger = ReturnType<typeof fileLogger>;

/** Whether this reaper may reap now, as far as a remote engine's lock goes; logs each change. */
class EngineTurn {
  private lastVerified = 0;
  private standingBy: string | null | undefined;
  private lockless = false;

  constructor(
    readonly lock: EngineLock,
    private readonly logger: FileLogger,
  ) {}

  async mine(): Promise<boolean> {
    if (this.lock.holding()) {
      if (Date.now() - this.lastVerified < VERIFY_MS) return true;
      this.lastVerified = Date.now();
      if (await this.lock.verify()) return true;
      this.logger.warn("lost the engine's reaper lock (the connection to the engine dropped); taking it again");
    }
    try {
      const state = await this.lock.take();
      if (!state.held && state.notALock) return this.withoutLock(`a container named ${REAPER_LOCK_NAME} that is no reaper lock has its name`);
      this.lockless = false;
      if (state.held) {
        this.lastVerified = Date.now();
        this.standingBy = undefined;
        this.logger.info(`holding the engine's reaper lock as ${this.lock.holder}`);
        return true;
      }
      // The holder label is anyone's text (whoever can create containers there): one printable line in the log.
      const holder = state.holder === null ? 'another reaper' : state.holder.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
      if (this.standingBy !== state.holder) this.logger.info(`standing by: ${holder} holds the engine's reaper lock`);
      this.standingBy = state.holder;
      return false;
    } catch (error) {
      return this.withoutLock(`cannot take the engine's reaper lock (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  /**
   * No lock can be had (the guard image is missing on the engine, or something else took its
   * name): reaping twice is harmless (a kill of a dead sandbox is a no-op), not reaping is not.
   */
  private withoutLock(why: string): true {
    if (!this.lockless) this.logger.warn(`${why}; reaping without it`);
    this.lockless = true;
    return true;
  }
}

async function main(): Promise<void> {
  const watching = startWatching();
  if (!watching) return;
  const { lock, logger, docker, wakeup, events, runDir, engineLock } = watching;
  const onKill = (containerId: string, reason: ReapReason) => recordReaped(runDir, containerId, reason);
  const lastActive = new Map<string, number>();
  const nothingToWatch = (d: ReapDecision) => d.nextCheckMs === null && d.kill.length === 0;
  let idleSince: number | null = null;
  let failures = 0;
  for (;;) {
    if (!lock.stillOurs()) {
      logger.info('another reaper watches this endpoint now; exiting');
      return;
    }
    const maxSleep = events.connected() ? MAX_SLEEP_MS : POLL_MS;
    let sleepMs: number;
    if (engineLock && !(await engineLock.mine())) {
      // Standing by: the holder reaps. Exit like a reaper once nothing has a lifetime; the
      // holder dying frees the lock, and the next look takes it.
      idleSince = (await somethingToWatch(docker).catch(() => true)) ? null : (idleSince ?? Date.now());
      if (idleSince !== null && Date.now() - idleSince >= LINGER_MS) return logger.info('nothing left to watch; exiting');
      await wakeup.sleep(STANDBY_MS);
      continue;
    }
    try {
      const decision = await reapOnce(docker, lastActive, logger, Date.now(), onKill);
      failures = 0;
      if (nothingToWatch(decision)) {
        idleSince ??= Date.now();
        const lingered = Date.now() - idleSince;
        if (lingered >= LINGER_MS) {
          // Give the pid file up first, then look once more. A client that created a sandbox
          // before it was gone saw a reaper and started none, but that sandbox is seen by this
          // last look; a client that came later found no reaper and started one.
          lock.release();
          await engineLock?.lock.release();
          const last = await reapOnce(docker, lastActive, logger, Date.now(), onKill).catch(() => null);
          if (last === null || nothingToWatch(last) || !lock.take()) {
            logger.info('nothing left to watch; exiting');
            return;
          }
          idleSince = null;
          continue;
        }
        sleepMs = Math.min(maxSleep, LINGER_MS - lingered);
      } else {
        idleSince = null;
        sleepMs = Math.min(maxSleep, Math.max(50, decision.nextCheckMs ?? 0));
      }
    } catch (error) {
      logger.warn(`cannot read sandboxes: ${error instanceof Error ? error.message : String(error)}`);
      // Docker restarting or briefly unreachable: keep trying for a while, then give up (a
      // restarted daemon does not restart our containers, so nothing is left to enforce).
      if (++failures > 60) return;
      sleepMs = POLL_MS;
    }
    await wakeup.sleep(sleepMs);
  }
}

/** This endpoint's pid file as a lock: taken when free, stale or naming a process that is no reaper. */
class PidLock {
  constructor(
    private readonly file: string,
    private readonly endpointDescription: string,
  ) {}

  take(): boolean {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        createExclusive(this.file, String(process.pid));
        return true;
      } catch {
        const owner = readPidFile(this.file);
        // The client that spawned us wrote our pid already, so nobody starts a second reaper.
        if (owner === process.pid) return true;
        if (owner !== null && isReaperProcess(owner, this.endpointDescription)) return false;
        fs.rmSync(this.file, { force: true });
      }
    }
    return false;
  }

  /**
   * Two clients can start a reaper each at the same moment; the pid file names the one that
   * stays. A file that went missing (a cleaned runtime directory) is written again.
   */
  stillOurs(): boolean {
    const owner = readPidFile(this.file);
    if (owner === process.pid) return true;
    if (owner !== null && isReaperProcess(owner, this.endpointDescription)) return false;
    try {
      replaceFile(this.file, String(process.pid));
    } catch {
      // the run directory went away: keep enforcing, clients will start another reaper at worst
    }
    return true;
  }

  release(): void {
    if (readPidFile(this.file) === process.pid) fs.rmSync(this.file, { force: true });
  }
}

/** Appends to the run directory's log, never through a symlink (runDir.ts); silent if it cannot be opened. */
function fileLogger(file: string) {
  let fd: number | null = null;
  try {
    fd = openAppendNoFollow(file);
  } catch {
    // No log is better than no reaper.
  }
  const write = (level: string) => (message: string) => {
    if (fd !== null) fs.writeSync(fd, `${new Date().toISOString()} [${process.pid}] ${level} ${message}\n`);
  };
  return { trace: () => undefined, debug: () => undefined, info: write('info'), warn: write('warn'), error: write('error') };
}

main().then(
  () => process.exit(0),
  () => process.exit(1),
);
