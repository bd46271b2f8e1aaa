import type Docker from 'dockerode';
import { SandboxError, dockerMessage, dockerStatus } from './errors';

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
    throw new SandboxError(
      'IMAGE_UNAVAILABLE',
      `Image "${image}" is not on this machine and could not be pulled: ${dockerMessage(error)}.`,
      'Check the image name and your registry access (`docker login`), or provide the image locally (`docker load`, `docker import`, `docker build`) and try again.',
      { cause: error },
    );
  }
}
