import { OLD_RUNSC_FIX, SETUP_FIX, isSandboxError } from './errors';
import { DEFAULT_RUNTIME } from './spec';
import { isGvisorRuntime } from '../shared/runtimes';
import type { CheckItem, CheckReport, CreateOptions, ExecOptions, RunResult, SandboxSpec } from './types';
import type { RuntimeRegistration } from '../shared/runtimes';

/** What the setup check needs from a client (SandboxClient is one): no dependency on the client itself. */
export interface SetupProbe {
  ping(): Promise<void>;
  readonly endpoint: { description: string };
  readonly docker: { version(): Promise<{ Version: string; ApiVersion: string }> };
  runtimes(refresh?: boolean): Promise<Map<string, RuntimeRegistration>>;
  create(spec: SandboxSpec, options: CreateOptions): Promise<{ run(argv: string[], options?: ExecOptions): Promise<RunResult>; terminate(): Promise<void> }>;
}

const OLD_RUNSC_WORKAROUND = '--network=host';

/**
 * What "Check Setup" reports: Docker reachable, the runtime registered (and how), and a real
 * trial sandbox that proves gVisor runs. Each failed item carries the fix.
 */
export async function runSetupCheck(client: SetupProbe, options: { image?: string; runtime?: string }): Promise<CheckReport> {
  const runtime = options.runtime || DEFAULT_RUNTIME;
  const items: CheckItem[] = [];
  const done = () => ({ ok: items.every((i) => i.ok), items });

  try {
    await client.ping();
    const version = await client.docker.version();
    items.push({ name: 'Docker engine', ok: true, detail: `Docker ${version.Version} (API ${version.ApiVersion}) at ${client.endpoint.description}` });
  } catch (error) {
    items.push(failed('Docker engine', error));
    return done();
  }

  const runtimes = await client.runtimes(true);
  const registered = runtimes.get(runtime);
  if (!registered) {
    items.push({ name: `Runtime "${runtime}"`, ok: false, detail: `not registered with Docker (registered: ${[...runtimes.keys()].join(', ') || 'none'})`, fix: SETUP_FIX });
    return done();
  }
  const args = registered.runtimeArgs ?? [];
  const workaround = args.includes(OLD_RUNSC_WORKAROUND)
    ? `; registered with ${OLD_RUNSC_WORKAROUND}, the workaround for runsc releases older than 20240807 (gVisor then uses the host network stack inside the sandbox's own network namespace; see README "Host setup")`
    : '';
  items.push({ name: `Runtime "${runtime}"`, ok: true, detail: `${registered.path ?? runtime}${args.length ? ` ${args.join(' ')}` : ''}${workaround}` });

  if (!options.image) {
    items.push({ name: 'Trial sandbox', ok: false, detail: 'no image configured', fix: 'Set sandboxes.defaults.image (or pass an image) and check again.' });
    return done();
  }
  const gvisor = isGvisorRuntime(runtime, registered);
  try {
    const sandbox = await client.create({ image: options.image, runtime, tags: { 'sandboxes-check': 'true' } }, { probe: true });
    try {
      const result = await sandbox.run(['/bin/sh', '-c', 'dmesg 2>/dev/null | head -n 1; uname -r'], { timeoutSeconds: 30 });
      const output = result.stdout.trim();
      const kernel = output.split('\n').pop() ?? '';
      const isGvisor = /gVisor/.test(output);
      if (gvisor && !isGvisor) {
        items.push({
          name: 'Trial sandbox',
          ok: false,
          detail: `ran, but shows no sign of gVisor (kernel ${kernel})`,
          fix: `Check that runtime "${runtime}" in /etc/docker/daemon.json points at gVisor's runsc. ${SETUP_FIX}`,
        });
      } else {
        items.push({ name: 'Trial sandbox', ok: true, detail: `${options.image} under ${runtime}: ${isGvisor ? `gVisor kernel ${kernel}` : `kernel ${kernel}`}` });
      }
    } finally {
      await sandbox.terminate();
    }
  } catch (error) {
    if (isSandboxError(error, 'RUNTIME_BROKEN')) {
      items.push({ name: 'Trial sandbox', ok: false, detail: `old-runsc trap: ${error.message}`, fix: OLD_RUNSC_FIX });
    } else {
      items.push(failed('Trial sandbox', error));
    }
  }
  return done();
}

function failed(name: string, error: unknown): CheckItem {
  if (isSandboxError(error)) return { name, ok: false, detail: error.message, fix: error.fix };
  return { name, ok: false, detail: error instanceof Error ? error.message : String(error), fix: 'See the log for details.' };
}
