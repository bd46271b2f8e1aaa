/**
 * Command-line options of the MCP server (dist/mcp.js). Pure, so it is unit-tested. The network
 * is blocked unless the command line says otherwise: whoever configures the MCP client decides
 * it, never the agent (sandbox_request_network asks the user, through the client).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { SandboxSpec } from '../core/types';

export interface McpOptions {
  spec: SandboxSpec;
  dockerHost?: string;
  /** Leave the agent sandbox running when the server exits (its idle timeout ends it). */
  keep: boolean;
}

export const MCP_USAGE = `Usage: gvisor-sandboxes-mcp [options]   (an MCP server on stdio)
  --image IMAGE          image of the agent sandbox (default python:3.12-slim; must be present locally or pullable)
  --workspace DIR        folder copied into the sandbox at /workspace (default: the current directory)
  --no-workspace         copy no folder in
  --network MODE         blocked (default), open, or a comma-separated CIDR allowlist
  --runtime NAME         OCI runtime (default runsc: gVisor)
  --idle-timeout SECONDS end the sandbox after this long without a command (default 1800)
  --cpu N --memory MIB   limits
  --docker-host URL      Docker endpoint (default DOCKER_HOST, then the local socket)
  --tag KEY=VALUE        an extra tag on the sandbox (repeatable)
  --keep                 leave the sandbox running when the client goes away (until its idle timeout)`;

export class McpUsageError extends Error {}

export function parseMcpOptions(argv: string[], cwd: string, sessionTag: string): McpOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        image: { type: 'string' },
        workspace: { type: 'string' },
        'no-workspace': { type: 'boolean' },
        network: { type: 'string' },
        runtime: { type: 'string' },
        'idle-timeout': { type: 'string' },
        cpu: { type: 'string' },
        memory: { type: 'string' },
        'docker-host': { type: 'string' },
        keep: { type: 'boolean' },
        tag: { type: 'string', multiple: true },
        help: { type: 'boolean' },
      },
      strict: true,
    });
  } catch (error) {
    throw new McpUsageError(`${(error as Error).message}\n${MCP_USAGE}`);
  }
  const v = parsed.values;
  if (v.help) throw new McpUsageError(MCP_USAGE);
  const number = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new McpUsageError(`--${name} must be a number, not "${value}".\n${MCP_USAGE}`);
    return n;
  };
  const network = (v.network ?? 'blocked').trim();
  const policy =
    network === 'blocked'
      ? { blockNetwork: true }
      : network === 'open'
        ? { blockNetwork: false }
        : {
            blockNetwork: false,
            cidrAllowlist: network
              .split(',')
              .map((c) => c.trim())
              .filter(Boolean),
          };
  const spec: SandboxSpec = {
    image: v.image ?? 'python:3.12-slim',
    runtime: v.runtime,
    idleTimeoutSeconds: number('idle-timeout', v['idle-timeout']) ?? 1800,
    cpu: number('cpu', v.cpu),
    memoryMiB: number('memory', v.memory),
    tags: { ...extraTags(v.tag ?? []), agent: 'mcp', 'agent-session': sessionTag },
    ...policy,
  };
  if (!v['no-workspace']) spec.mounts = [{ source: path.resolve(cwd, v.workspace ?? '.'), mode: 'copy', target: '/workspace' }];
  for (const key of Object.keys(spec) as (keyof SandboxSpec)[]) if (spec[key] === undefined) delete spec[key];
  return { spec, dockerHost: v['docker-host'], keep: v.keep === true };
}

function extraTags(entries: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at < 1) throw new McpUsageError(`--tag must be KEY=VALUE, not "${entry}".\n${MCP_USAGE}`);
    tags[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return tags;
}
