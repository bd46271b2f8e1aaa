/**
 * A sandbox's /etc/hosts, /etc/resolv.conf and /etc/hostname.
 *
 * Left to Docker, a sandbox that joins its guard's namespace (`--network container:<guard>`)
 * gets the guard's own files under `<docker root>/containers/<guard>/` bind-mounted read-write:
 * root inside could grow them on the host's disk without bound (past the memory limit: 512 MiB
 * written into /etc/hosts of a 128 MiB sandbox landed on disk) and change what the guard sees
 * (issue #10, finding 4).
 *
 * Instead the guard copies its three files, at every start, into its /dev/shm. The guard runs
 * with `IpcMode: shareable`, so Docker makes that /dev/shm a tmpfs of NETWORK_FILES_BYTES on the
 * engine's host, at `<docker root>/containers/<guard id>/mounts/shm`; the sandbox gets read-only
 * bind mounts of the copies there. gVisor refuses every write to a read-only file mount (open
 * for writing, O_TRUNC, truncate: EROFS). runsc does not make the mount read-only in the host
 * kernel (its gofer's mount is read-write), so if gVisor ever let a write through, it would reach
 * only the sandbox's own copy, on a 64 KiB tmpfs in memory: never the disk, never the guard's
 * files. Under runc the kernel makes the bind read-only itself.
 *
 * The paths are the engine host's (from `docker info`), so this works on a remote engine too. A
 * user mount at /etc/hosts replaces Docker's own in `container:` network mode (Docker 20.10).
 */
import * as path from 'node:path';

/** Where the guard keeps the copies: its /dev/shm, a host tmpfs because the guard's IPC is shareable. */
export const NETWORK_FILES_DIR = '/dev/shm';
/** Size of that tmpfs: the three files are a few hundred bytes. */
export const NETWORK_FILES_BYTES = 64 * 1024;
export const NETWORK_FILES = ['hosts', 'resolv.conf', 'hostname'] as const;

/**
 * The guard's PID 1 runs this at every start (under `set -e`: a guard that cannot copy exits).
 * A sandbox started by hand right after its guard (after a daemon restart) can reach Docker
 * before this copy: Docker then creates each missing bind source as an empty directory, which
 * `cp` cannot overwrite, and the guard would exit. Such directories are removed first; that
 * sandbox sees empty folders in place of the files (its network stays the guard's policy).
 */
export const COPY_NETWORK_FILES = [
  `for f in ${NETWORK_FILES.join(' ')}; do if [ -d ${NETWORK_FILES_DIR}/$f ]; then rm -rf ${NETWORK_FILES_DIR}/$f; fi; done`,
  `cp ${NETWORK_FILES.map((f) => `/etc/${f}`).join(' ')} ${NETWORK_FILES_DIR}/`,
].join('\n');

/** A claim refuses a spare guard without the copies (one started by an older version). */
export const CHECK_NETWORK_FILES = `[ -s ${NETWORK_FILES_DIR}/hosts ] || { echo "this spare guard keeps no copies of its network files" >&2; exit 4; }`;

/** The sandbox's read-only binds of the guard's copies (Docker `Binds` syntax). */
export function networkFileBinds(dockerRootDir: string, guardContainerId: string): string[] {
  // Binds, not Mounts: Docker checks a Mount's source when the container is created, and the
  // sandbox is created while its guard is still starting (the copies appear before it is ready).
  const dir = path.posix.join(dockerRootDir, 'containers', guardContainerId, 'mounts', 'shm');
  return NETWORK_FILES.map((file) => `${dir}/${file}:/etc/${file}:ro`);
}
