/**
 * Arguments of the port commands (tests, other extensions, tree menus). Pure, so the parsing is
 * unit-tested. Bad arguments are programming errors and throw `TypeError`s, which the registry
 * logs with their stack.
 */
import type { TunnelKind } from '../../core/types';
import { sandboxIdFromArg } from '../commands/commandArgs';
import { TUNNEL_KIND_NAMES, isTunnelKind } from '../../shared/tunnelKinds';
import type { ForwardedPortRef } from './tunnelService';

export interface PortTarget {
  /** `undefined`: ask the user. */
  sandboxId?: string;
  port?: number;
}

/**
 * `(sandbox, port)`: a sandbox id or `{ id }` and a port number; or one `ForwardedPortRef`
 * (`{ sandboxId, containerPort }`, e.g. a tree node or a `Tunnel` with its sandbox id), which is
 * what a tree menu passes.
 */
export function portTargetFromArgs(sandboxArg: unknown, portArg: unknown): PortTarget {
  if (isForwardedPortRef(sandboxArg)) {
    return { sandboxId: sandboxArg.sandboxId, port: portFromArg(sandboxArg.containerPort) };
  }
  return { sandboxId: sandboxIdFromArg(sandboxArg), port: portFromArg(portArg) };
}

export function portFromArg(arg: unknown): number | undefined {
  if (arg === undefined || arg === null) {
    return undefined;
  }
  const port = typeof arg === 'string' && /^\s*\d+\s*$/.test(arg) ? Number(arg) : arg;
  if (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535) {
    return port;
  }
  throw new TypeError(`Expected a port number from 1 to 65535, got ${JSON.stringify(arg) ?? typeof arg}.`);
}

export function tunnelKindFromArg(arg: unknown): TunnelKind | undefined {
  if (arg === undefined || arg === null) {
    return undefined;
  }
  if (typeof arg === 'string' && isTunnelKind(arg)) {
    return arg as TunnelKind;
  }
  throw new TypeError(`Expected one of ${TUNNEL_KIND_NAMES.map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(arg) ?? typeof arg}.`);
}

/** `Export CA Certificate…`'s argument: where to write, without asking. */
export function targetPathFromArg(arg: unknown): string | undefined {
  if (arg === undefined || arg === null) {
    return undefined;
  }
  if (typeof arg === 'string' && arg.trim() !== '') {
    return arg;
  }
  const fsPath = typeof arg === 'object' ? (arg as { fsPath?: unknown }).fsPath : undefined;
  if (typeof fsPath === 'string' && fsPath !== '') {
    return fsPath;
  }
  throw new TypeError(`Expected a file path or a file Uri, got ${JSON.stringify(arg) ?? typeof arg}.`);
}

function isForwardedPortRef(arg: unknown): arg is ForwardedPortRef {
  return (
    typeof arg === 'object' &&
    arg !== null &&
    typeof (arg as Partial<ForwardedPortRef>).sandboxId === 'string' &&
    (arg as Partial<ForwardedPortRef>).containerPort !== undefined
  );
}
