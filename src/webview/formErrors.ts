/** Which of the Create Sandbox form's problems show, and how they are named and linked (createForm.ts). */
import type { FieldErrors } from '../shared/webviewProtocol';
import { h } from './lib/dom';
import { SECTIONS } from './createFormFields';

/**
 * The problems to show now: the form's own `errors` for edited fields (all after a submit), then
 * the extension's `serverErrors`, which win.
 */
export function shownErrors(errors: FieldErrors, serverErrors: FieldErrors, seen: { submitted: boolean; touched: Set<string>; rowsTouched: boolean[] }): FieldErrors {
  const shown: FieldErrors = {};
  for (const [key, message] of Object.entries(errors)) {
    const row = /^cidrAllowlist\.(\d+)$/.exec(key);
    const edited = row ? seen.rowsTouched[Number(row[1])] === true : seen.touched.has(key);
    // The whole-spec check runs on submit only, where the extension reports it.
    if (key !== 'form' && (seen.submitted || edited)) shown[key] = message;
  }
  return { ...serverErrors, ...shown };
}

/** The error summary's list: each problem a link that focuses its field. */
export function summaryList(shown: [string, string][]): HTMLElement {
  return h(
    'ul',
    {},
    ...shown.map(([key, message]) => {
      const link = h('a', { href: `#${inputIdOf(key)}` }, `${labelOf(key)}: ${message}`);
      link.addEventListener('click', (event) => {
        event.preventDefault();
        document.getElementById(inputIdOf(key))?.focus();
      });
      return h('li', {}, link);
    }),
  );
}

export function inputIdOf(key: string): string {
  const row = /^cidrAllowlist\.(\d+)$/.exec(key);
  if (row) return `cidr-${row[1]}`;
  if (key === 'cidrAllowlist') return 'mode-allowlist';
  if (key === 'form') return 'field-image';
  return `field-${key}`;
}

export function labelOf(key: string): string {
  const row = /^cidrAllowlist\.(\d+)$/.exec(key);
  if (row) return `Allowed network ${Number(row[1]) + 1}`;
  if (key === 'cidrAllowlist') return 'Allowed networks';
  if (key === 'form') return 'Sandbox';
  return SECTIONS.flatMap((section) => section.fields).find((field) => field.field === key)?.label ?? key;
}

export function problemCount(errors: FieldErrors): string {
  const count = Object.keys(errors).length;
  return count === 1 ? 'One field needs attention.' : `${count} fields need attention.`;
}
