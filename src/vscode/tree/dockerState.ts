/**
 * Whether sandboxes can run here, as the Sandboxes view's welcome content needs it (the
 * `sandboxes:dockerState` context key). Pure, so it is unit-tested.
 */
import { isSandboxErrorLike } from '../errors';

/** `ok`: Docker answers and the configured runtime is registered. */
export type DockerState = 'ok' | 'unreachable' | 'runtimeMissing';

export const DockerStateContextKey = 'sandboxes:dockerState';
export const HasSandboxesContextKey = 'sandboxes:hasSandboxes';

/**
 * `registered`: the runtimes Docker reports, or `undefined` when they could not be read (then
 * creating a sandbox will say what is wrong; the view does not guess).
 */
export function dockerStateOf(registered: ReadonlySet<string> | undefined, configuredRuntime: string): DockerState {
  return registered === undefined || registered.has(configuredRuntime) ? 'ok' : 'runtimeMissing';
}

/** Listing failed because no engine answered (rather than, say, an API error from a live one). */
export function isUnreachable(error: unknown): boolean {
  return isSandboxErrorLike(error) && error.code === 'DOCKER_UNREACHABLE';
}
