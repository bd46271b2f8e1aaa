import type Docker from 'dockerode';
import type { SandboxHost } from './sandboxHost';
import { LABEL } from './labels';
import { infoFromInspect } from './listing';
import { endReason } from './endReason';
import { readPolicyState } from './network/guard';
import type { SandboxEnding, SandboxSpec } from './types';

/**
 * Why the container in `inspect` ended (null while it runs) and the spec it was created with, for
 * `Sandbox.ending`. `guardIds` finds its guard, whose recorded policy goes with the ending.
 */
export async function endingOf(
  host: SandboxHost,
  inspect: Docker.ContainerInspectInfo,
  guardIds: () => Promise<string[]>,
  options: { engineWentAway?: boolean },
): Promise<SandboxEnding | null> {
  const info = infoFromInspect(inspect);
  if (info.state === 'running' || info.state === 'created' || info.state === 'paused' || info.state === 'restarting') return null;
  const labels = inspect.Config.Labels ?? {};
  const exitCode = inspect.State.ExitCode;
  const finishedAt = dockerTime(inspect.State.FinishedAt);
  const reason = endReason({
    exitCode,
    oomKilled: inspect.State.OOMKilled === true,
    finishedAt,
    expiresAt: info.expiresAt,
    reapedFor: host.reapedFor?.(inspect.Id) ?? null,
    engineWentAway: options.engineWentAway,
  });
  // A `docker kill` of the sandbox leaves its guard running a moment, with the policy in force.
  const [guardId] = await guardIds();
  const policy = guardId ? await readPolicyState(host.docker, guardId).catch(() => null) : null;
  return {
    reason,
    exitCode,
    finishedAt,
    spec: parseSpecLabel(labels[LABEL.spec]),
    policy: policy && { blockNetwork: policy.blockNetwork, cidrAllowlist: policy.cidrAllowlist, followsDefaults: policy.followsDefaults, forwards: policy.forwards ?? [] },
  };
}

/** Docker's zero time ("0001-01-01T00:00:00Z") means never. */
function dockerTime(value: string | undefined): Date | null {
  const ms = value ? Date.parse(value) : NaN;
  return Number.isFinite(ms) && ms > 0 ? new Date(ms) : null;
}

/** The spec a sandbox was created with, from its label (null when missing or unreadable). */
export function parseSpecLabel(value: string | undefined): SandboxSpec | null {
  try {
    return value ? (JSON.parse(value) as SandboxSpec) : null;
  } catch {
    return null;
  }
}
