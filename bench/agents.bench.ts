/**
 * The agent bridge (issue #15):
 *
 *   agent-tool-overhead  in a real extension host (code-server): `vscode.lm.invokeTool('sandbox_run',
 *                        {argv: ['true']})` against the engine's `sandbox.run(['true'])` on the same
 *                        agent sandbox, both from the same host, alternating. Target: median ratio ≤ 1.2.
 *                        The same probe times the first tool call of the session (it creates the agent
 *                        sandbox and copies the workspace in) beside Create Sandbox (the command, same
 *                        settings, same folder): reported, no target.
 *   mcp-roundtrip        an MCP client (the SDK, in this process) calling `sandbox_run` `true` on
 *                        dist/mcp.js over stdio, against the engine's `sandbox.run(['true'])` from this
 *                        process on the same sandbox, alternating. Reported. Also the first call (create
 *                        + copy) beside the engine's `client.create()` of the same spec.
 * Needs `npm run build` (dist/mcp.js). Every sandbox carries this run's tag; no network traffic.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { connect, type Sandbox } from '../src/core';
import { parseMcpOptions } from '../src/mcp/options';
import { engineTags } from './lib/cleanup';
import { intFromEnv, result, type BenchContext, type BenchResult } from './lib/harness';
import { round } from './lib/stats';
import { startSession } from './vscode.bench';

const MCP_SERVER = join(__dirname, '..', 'dist', 'mcp.js');

export async function agentToolOverheadBench(ctx: BenchContext): Promise<BenchResult> {
  const n = intFromEnv('BENCH_AGENT_N', 30, 3);
  const session = await startSession(ctx);
  try {
    const line = await session.sample({ mode: 'agent-tools', n, warmup: 3, tags: engineTags(ctx.runId) }, 10 * 60_000);
    const samples = line.samples as { ours: number[]; baseline: number[] };
    return result(
      'agent-tool-overhead',
      {
        ours: "vscode.lm.invokeTool('sandbox_run', {argv: ['true']}) in the extension host (tool service round trip, session, capped collection, terminal view)",
        baseline: "the engine's sandbox.run(['true']) on the same agent sandbox, from the same extension host",
      },
      samples,
      { op: '<=', ratio: 1.2, text: 'median ratio ≤ 1.2' },
      {
        extra: {
          firstToolCallMs: round(Number(line.firstCallMs), 1),
          createSandboxCommandMs: round(Number(line.createMs), 1),
          refusedCallMedianMs: round(Number(line.emptyCallMs), 1),
        },
      },
    );
  } finally {
    await session.close();
  }
}

export async function mcpRoundTripBench(ctx: BenchContext): Promise<BenchResult> {
  const n = intFromEnv('BENCH_AGENT_N', 30, 3);
  const workspace = mkdtempSync(join(tmpdir(), 'bench-mcp-ws-'));
  for (let i = 0; i < 20; i++) writeFileSync(join(workspace, `file${i}.txt`), `file ${i}\n`.repeat(100));
  const tags = engineTags(ctx.runId);
  const args = [MCP_SERVER, '--image', ctx.image, '--workspace', workspace, ...Object.entries(tags).flatMap(([k, v]) => ['--tag', `${k}=${v}`])];
  const client = connect();
  const transport = new StdioClientTransport({ command: process.execPath, args, stderr: 'ignore' });
  const mcp = new Client({ name: 'bench', version: '1.0.0' });
  let created: Sandbox | undefined;
  try {
    // The engine's create of the spec the server uses (same image, workspace copy, tags), for the first call's comparison.
    const { spec } = parseMcpOptions(args.slice(1), process.cwd(), `bench-${ctx.runId}`);
    const t0 = performance.now();
    created = await client.create(spec);
    const createMs = performance.now() - t0;
    await created.terminate();
    created = undefined;
    await mcp.connect(transport);
    const call = async () => {
      const r = (await mcp.callTool({ name: 'sandbox_run', arguments: { argv: ['true'] } })) as { isError?: boolean; content: { text: string }[] };
      if (r.isError) throw new Error(`sandbox_run true: ${r.content[0]?.text}`);
    };
    const t1 = performance.now();
    await call();
    const firstCallMs = performance.now() - t1;
    const [sandbox] = await client.list({ tags: { ...tags, agent: 'mcp' }, all: false });
    if (!sandbox) throw new Error('no MCP agent sandbox after the first call');
    const engine = async () => {
      const r = await sandbox.run(['true']);
      if (r.exitCode !== 0) throw new Error(`run true: ${r.exitCode}`);
    };
    const samples = { ours: [] as number[], baseline: [] as number[] };
    for (let i = 0; i < n + 3; i++) {
      const ms: Record<string, number> = {};
      for (const side of i % 2 === 0 ? ['ours', 'baseline'] : ['baseline', 'ours']) {
        const start = performance.now();
        await (side === 'ours' ? call() : engine());
        ms[side] = performance.now() - start;
      }
      if (i >= 3) {
        samples.ours.push(ms.ours!);
        samples.baseline.push(ms.baseline!);
      }
    }
    return result(
      'mcp-roundtrip',
      {
        ours: "MCP client (SDK) → dist/mcp.js over stdio: sandbox_run {argv: ['true']}",
        baseline: "the engine's sandbox.run(['true']) on the same sandbox, from the client's process",
      },
      samples,
      null,
      { extra: { firstToolCallMs: round(firstCallMs, 1), engineCreateSameSpecMs: round(createMs, 1) } },
    );
  } finally {
    await mcp.close().catch(() => undefined);
    await created?.terminate().catch(() => undefined);
    // The server ends its sandbox when the client goes away; this run's tag catches anything left.
    for (const s of await client.list({ tags, all: true }).catch(() => [])) await s.terminate().catch(() => undefined);
    await client.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}
