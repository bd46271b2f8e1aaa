/**
 * How a forwarded port's connections reach a sandbox on a remote engine over SSH: preferably a
 * TCP connection that sshd makes on the remote host to the guard's address on the remote
 * `sandboxes` bridge (SSH's `direct-tcpip`, as `ssh -L` does: the same connection a local
 * engine's forwards make from this machine), else the exec relay in the guard (execRelay.ts).
 * The forward skips the relay process, containerd-shim and dockerd on the way, and an exec per
 * connection: in the remote bench it carried a download at about the bridge path's rate, the exec
 * relay at about a third of it, and a new connection took ~50 ms instead of ~220 ms
 * (docs/benchmarks.md, "Relay throughput and latency").
 * sshd may refuse forwards (`AllowTcpForwarding no`), or run where the engine's bridge is not
 * (rootless Docker, a VM): once the relay connects where the forward did not, this port uses the
 * relay only. When neither connects, the relay's error (it names the port and the fix) is thrown.
 */
import type { Duplex } from 'node:stream';

export function forwardOrRelay(forward: () => Promise<Duplex>, relay: () => Promise<Duplex>): () => Promise<Duplex> {
  let forwardFails = false;
  return async () => {
    if (!forwardFails) {
      try {
        return await forward();
      } catch {
        // tried below: the relay tells "nothing listens" apart from "the forward cannot work"
      }
    }
    const stream = await relay();
    forwardFails = true;
    return stream;
  };
}
