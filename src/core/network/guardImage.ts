/**
 * The default guard image, alone in a module so that small bundles (the reaper, which makes its
 * engine lock from it) need not pull in the guard's code. guard:2 adds Debian's nodejs, for the
 * egress gateway of domain allowlists (network/gateway.ts).
 */
export const DEFAULT_GUARD_IMAGE = 'sandboxes/guard:2';
