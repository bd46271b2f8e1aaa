/**
 * The Docker client and the SSH transport as dist/core.js bundles them, handed to the detached
 * processes (dist/reaper.js, dist/sessionHost.js) so they do not each bundle a copy: together with
 * dockerode's gRPC code they were ~700 KB of the .vsix twice over (esbuild.mjs, packagesFromCore).
 * Not part of the engine's API.
 */
import Docker from 'dockerode';
import * as ssh2 from 'ssh2';

export const bundledPackages: Readonly<Record<'dockerode' | 'ssh2', unknown>> = { dockerode: Docker, ssh2 };
