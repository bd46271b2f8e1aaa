/**
 * Entry point of the detached reaper process (bundled to dist/reaper.js). It enforces sandbox
 * lifetimes while no editor runs, and exits once no running sandbox has a deadline left.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { resolveEndpoint } from './docker';
import { isProcessAlive, reapOnce, reaperPidFile } from './lifetime';

const MAX_SLEEP_MS = 30_000;
/** Keep watching a little after the last deadline, in case a new sandbox is being created. */
const LINGER_MS = 10_000;

async function main(): Promise<void> {
  const endpoint = resolveEndpoint(process.env.SANDBOXES_REAPER_DOCKER_HOST || undefined);
  const pidFile = reaperPidFile(process.env.SANDBOXES_REAPER_ENDPOINT || endpoint.description);
  if (!takeLock(pidFile)) return;
  const release = () => {
    try {
      if (fs.readFileSync(pidFile, 'utf8').trim() === String(process.pid)) fs.unlinkSync(pidFile);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));

  const docker = new Docker(endpoint.options);
  const logFile = path.join(path.dirname(pidFile), 'reaper.log');
  const write = (level: string) => (message: string) => fs.appendFileSync(logFile, `${new Date().toISOString()} [${process.pid}] ${level} ${message}\n`);
  const logger = { trace: () => undefined, debug: () => undefined, info: write('info'), warn: write('warn'), error: write('error') };
  logger.info(`watching ${endpoint.description}`);
  const lastActive = new Map<string, number>();
  let idleSince: number | null = null;
  let failures = 0;
  for (;;) {
    let sleepMs: number;
    try {
      const decision = await reapOnce(docker, lastActive, logger);
      failures = 0;
      if (decision.nextCheckMs === null && decision.kill.length === 0) {
        idleSince ??= Date.now();
        if (Date.now() - idleSince >= LINGER_MS) {
          logger.info('nothing left to watch; exiting');
          return;
        }
        sleepMs = 1000;
      } else {
        idleSince = null;
        sleepMs = Math.min(MAX_SLEEP_MS, Math.max(50, decision.nextCheckMs ?? 0));
      }
    } catch (error) {
      logger.warn(`cannot read sandboxes: ${error instanceof Error ? error.message : String(error)}`);
      // Docker restarting or briefly unreachable: keep trying for a while, then give up (a
      // restarted daemon does not restart our containers, so nothing is left to enforce).
      if (++failures > 60) return;
      sleepMs = 1000;
    }
    await new Promise((resolve) => setTimeout(resolve, sleepMs));
  }
}

function takeLock(pidFile: string): boolean {
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(pidFile, String(process.pid), { flag: 'wx' });
      return true;
    } catch {
      const owner = Number(fs.readFileSync(pidFile, 'utf8').trim());
      // The client that spawned us wrote our pid already, so nobody starts a second reaper.
      if (owner === process.pid) return true;
      if (Number.isInteger(owner) && owner > 0 && isProcessAlive(owner)) return false;
      fs.rmSync(pidFile, { force: true });
    }
  }
  return false;
}

main().then(
  () => process.exit(0),
  () => process.exit(1),
);
