/**
 * The claim's policy without an exec start: a pooled sandbox's guard gets a waiting shell ahead
 * (started by the pool that owns it), and the claim writes the policy to it. Starting an exec is
 * most of a policy apply's time (measured: `true` 66–100 ms, a whole apply 104–146 ms, on the
 * loaded 2-core machine), so this takes it off the claim.
 *
 * The policy travels as one line: `x<base64>` for each variable the apply script reads
 * (POLICY_VARS: the filter rules, our nat chain, the DNS gateway, the tag, the state), then `end`.
 * Every one of them, even when empty: the waiting shell is an exec, so it inherits the guard
 * container's environment, which holds the blocked policy's variables from the guard's creation
 * (a variable left out would be that stale value: the nat chain's then named another tag, the
 * apply's check failed, and every claim fell back to a new exec). The shell applies nothing unless
 * it read the whole line, newline included, with exactly those fields: a client that dies half
 * way leaves the guard's rules as they were (the same promise as applyPolicy's
 * rules-in-the-environment). Then the guard's own APPLY script loads and verifies them, and the
 * caller checks `verified <tag>` as applyPolicy does. Anything else (no waiting shell, an image
 * without base64, a variable this line does not know, a failure) falls back to applyPolicy.
 */
import type Docker from 'dockerode';
import { startExec } from '../exec';
import { applyPolicy, policyEnv, type NetworkInfo, type PolicyState } from '../network/guard';
import { APPLY_SCRIPT } from '../network/guardScripts';
import type { ExecProcess } from '../types';

/** What `policyEnv` gives the guard's APPLY script, in the line's order. */
export const POLICY_VARS = ['RULES_V4', 'RULES_V6', 'NAT_V4', 'NAT_V6', 'DNS_GATEWAY', 'TAG', 'STATE'] as const;

export const READ_POLICY = [
  'IFS= read -r line || exit 0',
  'set -f; set -- $line; set +f',
  `[ "$#" -eq ${POLICY_VARS.length + 1} ] && [ "$${POLICY_VARS.length + 1}" = end ] || { echo "the policy line was cut off" >&2; exit 4; }`,
  // The `.` keeps trailing newlines, which $(…) would strip.
  `${POLICY_VARS.map((name, i) => `${name}=$(printf %s "\${${i + 1}#x}" | base64 -d && echo .) && ${name}=\${${name}%.}`).join(' && ')} || exit 4`,
  `export ${POLICY_VARS.join(' ')}`,
].join('\n');
const SCRIPT = `${READ_POLICY}\n${APPLY_SCRIPT}`;
export const READY_POLICY_NAME = 'sandboxes-ready-policy';

/** The line the waiting shell reads (exported for tests). */
export function policyLine(env: Record<string, string>): string {
  const field = (v: string | undefined) => `x${Buffer.from(v ?? '', 'utf8').toString('base64')}`;
  return `${POLICY_VARS.map((name) => field(env[name])).join(' ')} end\n`;
}

/** Whether the line carries every variable of `env` (a new one in policyEnv must be added to POLICY_VARS). */
export function lineCarries(env: Record<string, string>): boolean {
  return Object.keys(env).every((name) => (POLICY_VARS as readonly string[]).includes(name));
}

export class ReadyPolicies {
  private readonly ready = new Map<string, Promise<ExecProcess | null>>();

  constructor(private readonly docker: Docker) {}

  /** Starts the waiting shell in a pooled sandbox's guard (in the background). */
  prepare(guardId: string): void {
    if (this.ready.has(guardId)) return;
    this.ready.set(
      guardId,
      startExec(this.docker, guardId, ['/bin/sh', '-c', SCRIPT, READY_POLICY_NAME]).catch(() => null),
    );
  }

  /** Loads and verifies the policy through the waiting shell if there is one, else with applyPolicy. */
  async apply(guardId: string, state: PolicyState, network: NetworkInfo): Promise<void> {
    const waiting = this.ready.get(guardId);
    this.ready.delete(guardId);
    const proc = await waiting;
    if (proc && (await this.through(proc, state, network))) return;
    await applyPolicy(this.docker, guardId, state, network);
  }

  private async through(proc: ExecProcess, state: PolicyState, network: NetworkInfo): Promise<boolean> {
    const { env, tag } = policyEnv(state, network);
    if (!lineCarries(env)) {
      proc.close();
      return false;
    }
    let output = '';
    proc.stdout.on('data', (chunk) => (output += chunk));
    proc.stderr.on('data', (chunk) => (output += chunk));
    proc.stdin.end(policyLine(env));
    const exitCode = await proc.wait().catch(() => -1);
    return exitCode === 0 && output.includes(`verified ${tag}`);
  }

  drop(guardId: string): void {
    const waiting = this.ready.get(guardId);
    this.ready.delete(guardId);
    void waiting?.then((p) => p?.close());
  }

  /** Drops the waiting shells of guards not in `keep`. */
  keepOnly(keep: ReadonlySet<string>): void {
    for (const id of [...this.ready.keys()]) if (!keep.has(id)) this.drop(id);
  }

  dispose(): void {
    for (const id of [...this.ready.keys()]) this.drop(id);
  }
}
