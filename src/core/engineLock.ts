/**
 * The reaper's lock held on a remote engine itself (issue #17): clients on several machines may
 * use one remote engine, and each starts a reaper on its own machine; the pid file in its run
 * directory (reaper.ts) only keeps one per machine. The engine is the one place they all see.
 *
 * The lock is a container named `sandboxes-reaper`: Docker refuses a second container of the
 * same name (409), so of two reapers taking it exactly one wins. Its holder attaches to its stdin
 * before starting it (`StdinOnce`, `AutoRemove`), and it runs a loop that reads lines with a
 * timeout. The holder writes a line every HEARTBEAT_MS. The lock ends, and the container with it,
 * when:
 *  - the holder's connection closes (the process died, its SSH or TLS connection dropped): Docker
 *    closes the container's stdin, the read sees EOF;
 *  - no line came for SILENCE_S (a connection left half open by a machine that went to sleep or off
 *    the network, which sshd may not notice for hours; or dockerd restarted with live-restore and
 *    nobody is attached any more): the read times out.
 * A lock container created but never started (its holder died in between) or stopped but not
 * removed is stale: the next taker removes it by id (never by name, which could be a new holder's).
 *
 * This only decides which machine's reaper ends sandboxes; it is no part of the network policy,
 * which stays in each sandbox's guard and fails closed on its own. Everyone who can create a
 * container on the engine can hold or remove this lock, as they can kill any sandbox.
 */
import * as os from 'node:os';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { dockerStatus } from './errors';

export const REAPER_LOCK_NAME = 'sandboxes-reaper';
export const REAPER_LOCK_LABEL = 'sandboxes.reaper-lock';
/** `<hostname>/<pid>` of the reaper holding the lock (for people and tests; not trusted for anything). */
export const REAPER_HOLDER_LABEL = 'sandboxes.reaper-holder';

export const HEARTBEAT_MS = 5_000;
export const SILENCE_S = 20;
/** A lock container that has not started this long after its creation is a dead taker's. */
const UNSTARTED_STALE_MS = 30_000;

/** The lock's loop: a line at least every SILENCE_S seconds, or it ends (EOF or timeout). */
export const LOCK_COMMAND = ['bash', '-c', `while read -r -t ${SILENCE_S} _; do :; done`];

export function lockContainerConfig(image: string, holder: string): Docker.ContainerCreateOptions {
  return {
    name: REAPER_LOCK_NAME,
    Image: image,
    Entrypoint: [],
    Cmd: LOCK_COMMAND,
    User: '65534:65534',
    AttachStdin: true,
    AttachStdout: false,
    AttachStderr: false,
    OpenStdin: true,
    StdinOnce: true,
    Tty: false,
    // Not `sandboxes.managed`: listings, the reaper and clean-ups never take it for a sandbox.
    Labels: { [REAPER_LOCK_LABEL]: 'true', [REAPER_HOLDER_LABEL]: holder },
    HostConfig: {
      AutoRemove: true,
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: 32 * 1024 * 1024,
      PidsLimit: 8,
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

/**
 * `held: false, notALock: true`: a live container has the lock's name but is not one (another
 * command, or not ended by its holder's stdin): a reaper then reaps without the lock rather than
 * wait for ever behind it.
 */
export type LockState = { held: true } | { held: false; holder: string | null; notALock?: boolean };

/**
 * Whether a container with the lock's name is a lock made by `lockContainerConfig`: its command,
 * stdin closed with its holder's, removed when it ends. Anyone who can create containers there can
 * still fake one exactly (and keep it attached); what this stops is a container that merely took
 * the name (by mistake, or a `sleep` planted to stop every reaper for good).
 */
export function looksLikeLock(inspect: {
  Config?: { Cmd?: string[] | null; StdinOnce?: boolean; OpenStdin?: boolean; Labels?: Record<string, string> | null };
  HostConfig?: { AutoRemove?: boolean };
}): boolean {
  const config = inspect.Config;
  return (
    JSON.stringify(config?.Cmd ?? null) === JSON.stringify(LOCK_COMMAND) &&
    config?.StdinOnce === true &&
    config?.OpenStdin === true &&
    config?.Labels?.[REAPER_LOCK_LABEL] === 'true' &&
    inspect.HostConfig?.AutoRemove === true
  );
}

/**
 * Whether a lock container found on the engine still holds the lock, from its inspect: running,
 * or created moments ago (its taker is attaching). Pure, so the rules are unit-tested.
 */
export function lockIsLive(inspect: { State?: { Status?: string }; Created?: string }, now = Date.now()): boolean {
  const status = inspect.State?.Status;
  if (status === 'running' || status === 'restarting') return true;
  if (status === 'created') {
    const created = Date.parse(inspect.Created ?? '');
    return Number.isFinite(created) && now - created < UNSTARTED_STALE_MS;
  }
  return false; // exited, dead, removing, paused: nobody holds it through stdin any more
}

export class EngineLock {
  private containerId: string | null = null;
  private stream: Duplex | null = null;
  private heartbeat: NodeJS.Timeout | undefined;
  private lost = false;
  readonly holder: string;

  constructor(
    private readonly docker: Docker,
    private readonly image: string,
    holder = `${os.hostname()}/${process.pid}`,
  ) {
    this.holder = holder;
  }

  /** True while this process holds the lock (its attach is up). Cheap: no Docker call. */
  holding(): boolean {
    return this.containerId !== null && !this.lost;
  }

  /**
   * Takes the lock when free (or stale); `{ held: false, holder }` when another reaper holds it.
   * Throws on Docker errors other than the name conflict (e.g. the guard image is missing).
   */
  async take(): Promise<LockState> {
    if (this.holding()) return { held: true };
    await this.dropOwn();
    for (let attempt = 0; attempt < 3; attempt++) {
      // Look first: a reaper standing by asks every few seconds, and a look is one cheap call.
      const other = await this.inspectByName();
      if (other && lockIsLive(other)) {
        const holder = other.Config?.Labels?.[REAPER_HOLDER_LABEL] ?? null;
        return looksLikeLock(other) ? { held: false, holder } : { held: false, holder, notALock: true };
      }
      // Stale: remove that very container (by id, never by name: that could be a new holder's).
      if (other)
        await this.docker
          .getContainer(other.Id)
          .remove({ force: true })
          .catch(() => undefined);
      let container: Docker.Container;
      try {
        container = await this.docker.createContainer(lockContainerConfig(this.image, this.holder));
      } catch (error) {
        if (dockerStatus(error) === 409) continue; // another reaper took it meanwhile: look again
        throw error;
      }
      this.containerId = container.id;
      this.lost = false;
      try {
        const stream = (await container.attach({ stream: true, stdin: true, stdout: false, stderr: false, hijack: true })) as unknown as Duplex;
        this.stream = stream;
        const lose = () => {
          this.lost = true;
          clearInterval(this.heartbeat);
        };
        stream.on('end', lose);
        stream.on('close', lose);
        stream.on('error', lose);
        stream.resume();
        await container.start();
      } catch (error) {
        await this.dropOwn();
        throw error;
      }
      this.heartbeat = setInterval(() => {
        if (!this.lost) this.stream?.write('\n');
      }, HEARTBEAT_MS);
      this.heartbeat.unref?.();
      return { held: true };
    }
    return { held: false, holder: null };
  }

  /**
   * Checks with the engine that the lock container is still ours and running: a half-open
   * connection keeps `holding()` true while the engine may have ended it after SILENCE_S.
   */
  async verify(): Promise<boolean> {
    if (!this.holding()) return false;
    try {
      const found = await this.docker.getContainer(this.containerId as string).inspect();
      if (found.State?.Running) return true;
    } catch (error) {
      if (dockerStatus(error) !== 404) return true; // cannot tell (engine briefly away): keep going
    }
    this.lost = true;
    return false;
  }

  /**
   * Gives the lock up and waits (bounded) until the engine has removed its container, so that a
   * client that then finds no lock and starts a reaper is not told "held" by a dying one.
   */
  async release(): Promise<void> {
    await this.dropOwn();
  }

  /** Ends this process's lock container (closing stdin, then removing it by id), if any. */
  private async dropOwn(): Promise<void> {
    clearInterval(this.heartbeat);
    const id = this.containerId;
    this.containerId = null;
    if (this.stream) {
      this.stream.end();
      this.stream.destroy();
      this.stream = null;
    }
    if (!id) return;
    // Removing by id: if it is already gone (AutoRemove), that is the answer.
    await this.docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
    for (let i = 0; i < 50; i++) {
      try {
        await this.docker.getContainer(id).inspect();
      } catch (error) {
        if (dockerStatus(error) === 404) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async inspectByName(): Promise<Docker.ContainerInspectInfo | null> {
    try {
      return await this.docker.getContainer(REAPER_LOCK_NAME).inspect();
    } catch (error) {
      if (dockerStatus(error) === 404) return null;
      throw error;
    }
  }
}
