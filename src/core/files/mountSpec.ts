/**
 * `spec.mounts` checked without touching the host: pure (no Node modules), because the Create
 * Sandbox form's browser script runs validateSpec as the user types.
 */
import type { WorkspaceMount } from '../types';
import { sandboxPath } from './paths';

export const DEFAULT_MOUNT_TARGET = '/workspace';
const MODES = ['copy', 'readonly', 'readwrite'];

/**
 * Structural checks of `spec.mounts` (pure: settings UIs validate with it too). Problems are
 * reported in validateSpec's style; whether the folders exist is checked at creation.
 */
export function validateMounts(raw: unknown, bad: (field: string, why: string) => void): WorkspaceMount[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    bad('mounts', 'must be an array of { source, mode, target? }');
    return undefined;
  }
  const mounts: WorkspaceMount[] = [];
  const targets = new Map<string, number>();
  raw.forEach((item: unknown, i) => {
    const field = `mounts[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return bad(field, 'must be an object { source, mode, target? }');
    const m = item as Record<string, unknown>;
    if (m.mode === 'none') return; // "no mount" is a valid choice, simply nothing to do
    if (typeof m.source !== 'string' || !isAbsoluteHostPath(m.source)) return bad(`${field}.source`, 'must be an absolute folder path on this machine');
    if (typeof m.mode !== 'string' || !MODES.includes(m.mode)) return bad(`${field}.mode`, 'must be "copy", "readonly", "readwrite" or "none"');
    let target = DEFAULT_MOUNT_TARGET;
    if (m.target !== undefined && m.target !== null && m.target !== '') {
      if (typeof m.target !== 'string' || !m.target.startsWith('/')) return bad(`${field}.target`, 'must be an absolute path inside the sandbox, e.g. "/workspace"');
      try {
        target = sandboxPath(m.target);
      } catch {
        return bad(`${field}.target`, 'must not climb above "/" with ".."');
      }
      if (target === '/' || /^\/(proc|sys|dev)(\/|$)/.test(target)) return bad(`${field}.target`, `cannot be ${target} (the sandbox's own system folders)`);
      if (target.includes(':') || target.includes(',')) return bad(`${field}.target`, 'cannot contain ":" or ","');
    }
    if (m.includeIgnored !== undefined && typeof m.includeIgnored !== 'boolean') return bad(`${field}.includeIgnored`, 'must be true or false');
    for (const [other, j] of targets) {
      if (other === target || other.startsWith(target + '/') || target.startsWith(other + '/')) {
        return bad(`${field}.target`, `"${target}" overlaps mounts[${j}]'s "${other}"; give each folder its own target (multi-root: /workspace/a, /workspace/b)`);
      }
    }
    targets.set(target, i);
    const mount: WorkspaceMount = { source: normaliseHostPath(m.source), mode: m.mode as WorkspaceMount['mode'], target };
    if (m.includeIgnored !== undefined) mount.includeIgnored = m.includeIgnored as boolean;
    mounts.push(mount);
  });
  return mounts;
}

/** The engine runs where Docker's binds take POSIX paths (Linux, macOS). */
function isAbsoluteHostPath(p: string): boolean {
  return p.startsWith('/');
}

/** What path.resolve() gives for an absolute POSIX path: `.`, `..`, doubled and trailing `/` resolved. */
function normaliseHostPath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}
