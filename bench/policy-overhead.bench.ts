/**
 * "Policy overhead": what an allowlist policy costs a request into the sandbox.
 * Two sandboxes run `python3 -m http.server 8000` (in /srv, so GET / is a small directory listing):
 *   ours:     created with cidrAllowlist ['192.0.2.0/24'] and unencryptedPorts [8000];
 *   baseline: created open, with unencryptedPorts [8000] too (without a forward no inbound
 *             connection is let in, in any mode).
 * Each is reached through its unencrypted tunnel (`sandbox.tunnels()`), a new connection per
 * request (http.get, agent: false), policy and open in turn, from a worker-thread client. Both
 * go through the same tunnel code, so the difference is the guard's netfilter rules.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, type Sandbox, type SandboxSpec } from '../src/core';
import { engineTags } from './lib/cleanup';
import { intFromEnv, result, type BenchContext, type BenchResult } from './lib/harness';
import { runClient, waitUntilServing, type ClientTarget } from './lib/httpClient';
import { createWithGuard } from './lib/sandboxes';

export async function policyOverheadBench(ctx: BenchContext): Promise<BenchResult> {
  const n = intFromEnv('BENCH_OVERHEAD_N', 300, 200);
  // A private state folder: the tunnels' CA and remembered ports stay out of the user's.
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-bench-'));
  const client = connect({ stateDir });
  const sandboxes: Sandbox[] = [];
  try {
    const spec = (policy: Partial<SandboxSpec>): SandboxSpec => ({
      image: ctx.image,
      tags: engineTags(ctx.runId),
      command: ['python3', '-m', 'http.server', '8000'],
      workdir: '/srv',
      unencryptedPorts: [8000],
      ...policy,
    });
    const withPolicy = await createWithGuard(client, spec({ cidrAllowlist: ['192.0.2.0/24'] }), ctx.log);
    sandboxes.push(withPolicy);
    const open = await createWithGuard(client, spec({}), ctx.log);
    sandboxes.push(open);
    const [policyState, openState] = await Promise.all([withPolicy.networkPolicy(), open.networkPolicy()]);
    if (policyState.mode !== 'allowlist' || !policyState.enforced || openState.mode !== 'open') {
      throw new Error(`unexpected policies: ${policyState.mode} (enforced ${policyState.enforced}) and ${openState.mode}`);
    }
    const targets: ClientTarget[] = [
      { name: 'policy', protocol: 'http', origin: (await withPolicy.tunnels())[8000].url },
      { name: 'open', protocol: 'http', origin: (await open.tunnels())[8000].url },
    ];
    await waitUntilServing(targets, '/', undefined);
    ctx.log(`  policy-overhead: ${n} requests per side, a new connection each, interleaved`);
    const out = await runClient({ mode: 'latency', targets, path: '/', connection: 'new', warmup: 20, n });
    return result(
      'policy-overhead',
      {
        ours: 'GET / through an unencrypted tunnel, new connection per request: sandbox with cidrAllowlist 192.0.2.0/24',
        baseline: 'the same into an open sandbox',
      },
      { ours: out.samples.policy, baseline: out.samples.open },
      { op: '<', ratio: 1.05, text: 'policy adds < 5 % (ratio < 1.05)' },
      { tails: [99], extra: { connections: out.connections, protocol: out.protocol } },
    );
  } finally {
    for (const s of sandboxes) await s.terminate().catch(() => undefined);
    await client.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
