import type Docker from 'dockerode';
import { SandboxError, dockerMessage, dockerStatus } from './errors';
import { LABEL } from './labels';
import { DEFAULT_GUARD_IMAGE } from './network/guard';
import { describeLocalImages, localImagesFrom, type LocalImage } from '../shared/localImages';

/**
 * Makes sure an image is present: used as is when local, else pulled with progress. Offline
 * machines get a message that says how to provide the image instead.
 */
export async function ensureImage(docker: Docker, image: string, onProgress?: (message: string) => void, signal?: AbortSignal): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch (error) {
    if (dockerStatus(error) !== 404) throw error;
  }
  onProgress?.(`Pulling ${image}…`);
  try {
    const stream = await docker.pull(image, { abortSignal: signal } as never);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        (stream as unknown as { destroy?: () => void }).destroy?.();
        reject(new SandboxError('CANCELLED', `Pulling ${image} was cancelled.`, 'Run the command again to retry.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      docker.modem.followProgress(
        stream,
        (error: Error | null) => {
          signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        },
        (event: { status?: string; progressDetail?: { current?: number; total?: number }; id?: string; error?: string }) => {
          if (event.error) return;
          const detail = event.progressDetail?.total
            ? ` ${Math.round((event.progressDetail.current ?? 0) / 1048576)}/${Math.round(event.progressDetail.total / 1048576)} MB`
            : '';
          onProgress?.(`${event.status ?? 'Pulling'}${event.id ? ` ${event.id}` : ''}${detail}`);
        },
      );
    });
  } catch (error) {
    if (error instanceof SandboxError) throw error;
    throw imageUnavailable(image, error, await listLocalImages(docker).catch(() => []));
  }
}

/** The images on this machine a sandbox can start from (no snapshots, no guard images), with their sizes. */
export async function listLocalImages(docker: Docker, guardImage = DEFAULT_GUARD_IMAGE): Promise<LocalImage[]> {
  return localImagesFrom(await docker.listImages(), {
    hiddenLabels: { [LABEL.snapshot]: 'true', [LABEL.role]: GUARD_IMAGE_ROLE },
    // The previous default guard image stays on machines that upgraded: not a sandbox image either.
    internal: [guardImage, DEFAULT_GUARD_IMAGE, 'sandboxes/guard:1'],
  });
}

/** The `sandboxes.role` label of guard images (scripts/build-guard-image.sh sets it). */
const GUARD_IMAGE_ROLE = 'guard-image';

/**
 * Why a missing image could not be pulled, in words, with the local images to use instead.
 * Docker's own text (URLs, "dial tcp …", HTTP codes) stays in `cause`, for the log: it says
 * nothing a user can act on that "cannot be pulled" and the list do not say better.
 */
export function imageUnavailable(image: string, cause: unknown, local: readonly LocalImage[]): SandboxError {
  const instead =
    local.length > 0
      ? `use a local image (${describeLocalImages(local)}) or bring it onto this machine`
      : 'there are no images on this machine yet: bring it onto this machine';
  const how = 'load one from a file (docker load -i image.tar), build one (docker build), or log in to a registry this machine can reach (docker login) and try again';
  return new SandboxError(
    'IMAGE_UNAVAILABLE',
    `${image} is not on this machine and cannot be pulled — ${instead}. Pulling failed: ${pullFailure(cause)}.`,
    `Choose a local image, or ${how}.`,
    { cause },
  );
}

/** The reason a pull failed, as a phrase. */
function pullFailure(cause: unknown): string {
  const text = dockerMessage(cause);
  if (/dial tcp|lookup |no such host|i\/o timeout|network is unreachable|connection refused|server misbehaving|TLS handshake|request canceled|deadline exceeded/i.test(text)) {
    return 'no registry can be reached from here';
  }
  if (/pull access denied|manifest unknown|not found|repository does not exist|unauthorized|denied/i.test(text)) {
    return 'the registry has no such image, or it needs a login';
  }
  if (/invalid reference format/i.test(text)) return 'it is not a valid image reference';
  return 'the registry did not give it';
}
