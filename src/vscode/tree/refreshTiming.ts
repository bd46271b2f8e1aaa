/** How quickly the Sandboxes view follows Docker: a sandbox started or removed anywhere shows within a second. */

/** Quiet time after the last Docker event before the list is loaded again. */
export const REFRESH_DEBOUNCE_MS = 250;
/** A steady stream of events still refreshes this often. */
export const REFRESH_MAX_WAIT_MS = 750;
/** Uptimes are shown in minutes: redrawn this often while the view is visible. */
export const UPTIME_REDRAW_MS = 60_000;
