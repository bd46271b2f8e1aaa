/**
 * Probing the network from inside a sandbox (fixtures/probe.py) and finding its guard: shared by
 * the network policy tests (network.test.ts) and the attacks on it (attack-network.test.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sandbox } from '../../src/core';
import { docker } from './helpers';

const PROBE = fs.readFileSync(path.join(__dirname, 'fixtures/probe.py'), 'utf8');

/** One connection attempt: kind (tcp, udp, dns, icmp, raw, loopback…), host and port. */
export type Check = [kind: string, host: string, port: number];

/** Runs every check inside the sandbox, as root: `checkKey(check)` → "ok:…" or "err:…". */
export async function probe(sandbox: Sandbox, checks: Check[]): Promise<Record<string, string>> {
  const result = await sandbox.run(['python3', '-c', PROBE, JSON.stringify(checks)]);
  assert.equal(result.exitCode, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** The key of a check in `probe`'s answer. */
export const checkKey = (c: Check) => c.join(' ');

/** The id of the guard container that holds the sandbox's network namespace. */
export async function guardIdOf(sandbox: Sandbox): Promise<string> {
  const [guard] = await docker.listContainers({ filters: { label: [`sandboxes.id=${sandbox.id}`, 'sandboxes.role=guard'] } });
  assert.ok(guard, 'every sandbox on a kernel-networked runtime has a guard');
  return guard.Id;
}
