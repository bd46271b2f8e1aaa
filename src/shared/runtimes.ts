/**
 * Whether a runtime is gVisor: one rule for the engine (which networking it has, whether the
 * setup check's trial sandbox must show gVisor) and the editor (icons, warnings). Pure.
 */

/** How Docker reports a registered runtime (`docker info`). */
export interface RuntimeRegistration {
  path?: string;
  runtimeArgs?: string[];
}

/** The runtime gVisor registers as, and the default of new sandboxes. */
export const GVISOR_RUNTIME = 'runsc';

/** By its name (`runsc`, `runsc-netstack`, `gvisor`…) or, when known, by the binary it runs. */
export function isGvisorRuntime(name: string, registration?: RuntimeRegistration): boolean {
  return /runsc|gvisor/i.test(name) || /runsc/.test(registration?.path ?? '');
}

/** Whether a described sandbox runs under gVisor: what the engine said, else by its runtime's name. */
export function isGvisorSandbox(info: { runtime: string; gvisor?: boolean }): boolean {
  return info.gvisor ?? isGvisorRuntime(info.runtime);
}
