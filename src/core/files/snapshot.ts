import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { SandboxError, dockerMessage, dockerStatus } from '../errors';
import { LABEL } from '../labels';
import type { ExecProcess, SandboxInfo, SnapshotInfo, WorkspaceMount } from '../types';
import { snapshotTarArgv, tarSucceeded, withoutExcluded } from './snapshotArchive';

export const SNAPSHOT_REPOSITORY = 'sandboxes-snapshot';
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Paths never put in a snapshot: the kernel's views, files Docker writes into every container
 * (a new sandbox gets its own), and bind-mounted host folders (they are the host's, not the
 * sandbox's; `copy` mounts are part of the sandbox and are kept).
 */
export function snapshotExcludes(mounts: WorkspaceMount[] | undefined): string[] {
  const fixed = ['proc', 'sys', 'dev', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf', '.dockerenv'];
  const binds = (mounts ?? []).filter((m) => m.mode !== 'copy').map((m) => (m.target ?? '/workspace').slice(1));
  return [...fixed, ...binds];
}

export function snapshotRef(sandboxId: string, tag: string | undefined, now: Date = new Date()): string {
  if (tag !== undefined && !TAG_PATTERN.test(tag)) {
    throw new SandboxError('INVALID_SPEC', `"${tag}" is not a valid image tag.`, 'Use letters, digits, "_", "." and "-" (at most 128), starting with a letter, digit or "_".');
  }
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'z')
    .toLowerCase();
  return `${SNAPSHOT_REPOSITORY}/${sandboxId}:${tag ?? stamp}`;
}

/**
 * Dockerfile instructions that give an imported filesystem its configuration: the sandbox's
 * environment, working directory and user (image defaults plus its spec), and the image's own
 * entrypoint and command (the sandbox's main process is the engine's keep-alive loop, not the
 * image's), plus the snapshot's labels.
 */
export function configChanges(
  image: Pick<Docker.ContainerInspectInfo['Config'], 'Entrypoint' | 'Cmd' | 'Labels'> | undefined,
  sandbox: Pick<Docker.ContainerInspectInfo['Config'], 'Env' | 'WorkingDir' | 'User'>,
  labels: Record<string, string>,
): string[] {
  const changes: string[] = [];
  for (const env of sandbox.Env ?? []) {
    const eq = env.indexOf('=');
    // Quoted, with `$` escaped: the value is taken literally, not expanded again.
    if (eq > 0) changes.push(`ENV ${env.slice(0, eq)}=${JSON.stringify(env.slice(eq + 1)).replace(/\$/g, '\\$')}`);
  }
  const entrypoint = image?.Entrypoint as string[] | string | undefined;
  const cmd = image?.Cmd as string[] | string | undefined;
  if (entrypoint && entrypoint.length) changes.push(`ENTRYPOINT ${JSON.stringify(entrypoint)}`);
  if (cmd && cmd.length) changes.push(`CMD ${JSON.stringify(cmd)}`);
  if (sandbox.WorkingDir) changes.push(`WORKDIR ${sandbox.WorkingDir}`);
  if (sandbox.User) changes.push(`USER ${sandbox.User}`);
  for (const [key, value] of Object.entries({ ...(image?.Labels ?? {}), ...labels })) changes.push(`LABEL ${JSON.stringify(key)}=${JSON.stringify(value)}`);
  return changes;
}

/**
 * Modal's `snapshot_filesystem`. `docker commit` cannot be used under gVisor: the sandbox's own
 * writes live in its memory-backed overlay, which Docker never sees (a commit holds only the
 * image and what was copied in before start). So the filesystem is read through the sandbox
 * itself (tar over exec) and imported as a new image with the original image's configuration.
 */
export async function snapshotFilesystem(
  docker: Docker,
  info: SandboxInfo,
  mounts: WorkspaceMount[] | undefined,
  exec: (argv: string[]) => Promise<ExecProcess>,
  tag?: string,
): Promise<string> {
  const ref = snapshotRef(info.id, tag);
  const [image, container] = await Promise.all([
    docker
      .getImage(info.image)
      .inspect()
      .catch(() => null),
    docker.getContainer(info.containerId).inspect(),
  ]);
  const excludes = snapshotExcludes(mounts);
  const proc = await exec(snapshotTarArgv(excludes));
  const stderr: Buffer[] = [];
  proc.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  proc.stdin.end();
  const archive = withoutExcluded(proc.stdout as Readable, excludes);
  // Started at once (Docker reads while tar writes); its failure is judged after tar's, which explains more.
  const imported = importSnapshot(docker, archive.output, ref, configChanges(image?.Config as never, container.Config, snapshotLabels(info)));
  // Docker refusing the archive half way leaves tar blocked on a full pipe: end it, and report
  // Docker's reason rather than the broken pipe that follows.
  let archiveEnded = false;
  let importFailedFirst = false;
  void archive.done.then(
    () => (archiveEnded = true),
    () => (archiveEnded = true),
  );
  imported.catch(() => {
    if (archiveEnded) return;
    importFailedFirst = true;
    proc.close();
  });
  const [code, read, importError] = await Promise.all([
    proc.wait(),
    archive.done.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
    imported.then(
      () => null,
      (error: unknown) => error,
    ),
  ]);
  const failure = snapshotFailure(info.name, { importFailedFirst, importError, code, stderr: Buffer.concat(stderr).toString('utf8'), read });
  if (failure) {
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
    throw failure;
  }
  return ref;
}

/**
 * The snapshot image's own labels: a sandbox created from the image inherits its labels, and must
 * not look like the sandbox the snapshot came from.
 */
function snapshotLabels(info: SandboxInfo): Record<string, string> {
  return {
    [LABEL.snapshot]: 'true',
    [LABEL.snapshotSandboxId]: info.id,
    [LABEL.snapshotSandboxName]: info.name,
    [LABEL.snapshotOf]: info.image,
    [LABEL.snapshotCreatedAt]: new Date().toISOString(),
  };
}

/** Imports `archive` as the image `ref` with these Dockerfile `changes`; resolves once Docker has read all of it. */
async function importSnapshot(docker: Docker, archive: NodeJS.ReadableStream | Readable, ref: string, changes: string[]): Promise<void> {
  const [repo, tag] = [ref.slice(0, ref.lastIndexOf(':')), ref.slice(ref.lastIndexOf(':') + 1)];
  const stream = (await docker.importImage(archive as never, { repo, tag, changes } as never)) as unknown as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())));
}

/**
 * Why a snapshot must not be kept, or undefined when it is whole. A snapshot is the whole
 * filesystem or nothing: never an empty or cut-off archive imported. When Docker refused the
 * archive first, its reason explains more than tar's broken pipe that followed.
 */
function snapshotFailure(
  name: string,
  outcome: { importFailedFirst: boolean; importError: unknown; code: number; stderr: string; read: { entries: number } | Error },
): SandboxError | undefined {
  const { importFailedFirst, importError, code, read } = outcome;
  if (importFailedFirst) {
    return new SandboxError('EXEC_FAILED', `Docker refused the snapshot of ${name}: ${dockerMessage(importError)}`, 'See the Docker engine log.', { cause: importError });
  }
  const detail = outcome.stderr.trim().split('\n').slice(-3).join(' ');
  if (!tarSucceeded(code, detail)) {
    return new SandboxError(
      'EXEC_FAILED',
      `Reading the filesystem of ${name} failed (tar exit ${code}): ${detail || 'no message'}. No snapshot was saved.`,
      code === 127 ? 'The image has no tar; snapshots need tar inside the sandbox.' : 'Check the sandbox is still running, then retry.',
    );
  }
  if (read instanceof Error || read.entries === 0) {
    const why = read instanceof Error ? `the archive from the sandbox was incomplete (${read.message})` : 'the archive from the sandbox was empty';
    return new SandboxError(
      'EXEC_FAILED',
      `Reading the filesystem of ${name} failed: ${why}. No snapshot was saved.`,
      'Check the sandbox is still running and its tar works (`tar -c -f - /etc | tar -t`), then retry.',
    );
  }
  if (importError) {
    return new SandboxError('EXEC_FAILED', `Importing the snapshot of ${name} failed: ${dockerMessage(importError)}`, 'See the Docker engine log.', { cause: importError });
  }
  return undefined;
}

export async function listSnapshots(docker: Docker, sandboxId?: string): Promise<SnapshotInfo[]> {
  const label = [`${LABEL.snapshot}=true`];
  if (sandboxId) label.push(`${LABEL.snapshotSandboxId}=${sandboxId}`);
  const images = await docker.listImages({ filters: { label } });
  const out: SnapshotInfo[] = [];
  for (const image of images) {
    const labels = image.Labels ?? {};
    for (const ref of image.RepoTags ?? []) {
      if (!ref.startsWith(`${SNAPSHOT_REPOSITORY}/`)) continue;
      out.push({
        ref,
        sandboxId: labels[LABEL.snapshotSandboxId] ?? '',
        sandboxName: labels[LABEL.snapshotSandboxName] ?? '',
        createdAt: new Date(labels[LABEL.snapshotCreatedAt] ?? image.Created * 1000),
        sizeBytes: image.Size,
      });
    }
  }
  return out.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/** Removes a snapshot image; refuses images that are not snapshots made here. */
export async function removeSnapshot(docker: Docker, ref: string): Promise<void> {
  let labels: Record<string, string>;
  try {
    labels = (await docker.getImage(ref).inspect()).Config?.Labels ?? {};
  } catch (error) {
    if (dockerStatus(error) === 404) throw new SandboxError('NOT_FOUND', `There is no snapshot ${ref}.`, 'List snapshots with listSnapshots().', { cause: error });
    throw error;
  }
  if (labels[LABEL.snapshot] !== 'true') {
    throw new SandboxError('NOT_FOUND', `${ref} is not a sandbox snapshot, so it was not removed.`, 'Remove other images with `docker rmi` yourself.');
  }
  try {
    await docker.getImage(ref).remove({ noprune: false });
  } catch (error) {
    if (dockerStatus(error) === 409) {
      // Docker names a container id; the user knows sandboxes by name.
      const users = await sandboxesUsing(docker, ref);
      const named = users.length ? `sandbox${users.length === 1 ? '' : 'es'} ${users.join(', ')}` : 'a container';
      throw new SandboxError(
        'NAME_IN_USE',
        `Snapshot ${ref} is in use by ${named}, so it was not removed.`,
        `Terminate ${users.length ? users.join(', ') : 'the containers created from it'} first, then remove the snapshot.`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Names of the sandboxes (or, for other containers, their names) whose image is `ref`. */
async function sandboxesUsing(docker: Docker, ref: string): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { ancestor: [ref] } }).catch(() => []);
  return containers.filter((c) => c.Labels?.[LABEL.role] !== 'guard').map((c) => c.Labels?.[LABEL.name] ?? c.Names?.[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12));
}
