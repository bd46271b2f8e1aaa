import { SandboxError } from '../errors';
import { TUNNEL_KIND_NAMES, isTunnelKind } from '../../shared/tunnelKinds';
import type { TunnelKind } from '../types';

/** INVALID_SPEC naming the bad value and the fix, before `Sandbox.forwardPort` changes anything. */
export function assertForwardArgs(port: number, kind: TunnelKind, localPort: number | undefined): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SandboxError(
      'INVALID_SPEC',
      `Port ${JSON.stringify(port)} is not a port number from 1 to 65535.`,
      'Use the port the server inside the sandbox listens on, e.g. 8000.',
    );
  }
  if (!isTunnelKind(kind)) {
    throw new SandboxError('INVALID_SPEC', `"${kind}" is not a tunnel kind.`, `Use ${TUNNEL_KIND_NAMES.map((k) => `"${k}"`).join(', ')}.`);
  }
  if (localPort !== undefined && (!Number.isInteger(localPort) || localPort < 0 || localPort > 65535)) {
    throw new SandboxError('INVALID_SPEC', `Local port ${JSON.stringify(localPort)} is not a port number.`, 'Use a port from 1 to 65535, or none for a free one.');
  }
}
