/** The Create Sandbox form's fields: its text fields by section and its network modes, from the shared tables. */
import type { NetworkMode } from '../core/types';
import { NETWORK_MODES, NETWORK_MODE_ORDER } from '../shared/networkModes';
import { TUNNEL_KINDS, TUNNEL_KIND_NAMES } from '../shared/tunnelKinds';
import type { FormTextField } from '../shared/webviewProtocol';

/**
 * Placeholders read as hints, never as values (issue #14: "placeholders do not look like entries"):
 * "e.g. …", "default …" or a word such as "none", and the stylesheet sets them in italics.
 */
export interface TextFieldSpec {
  field: FormTextField;
  label: string;
  hint: string;
  placeholder?: string;
  inputmode?: 'decimal' | 'numeric';
  required?: boolean;
  /** Spans the whole row of its fieldset's grid. */
  wide?: boolean;
}

export const SECTIONS: { title: string; fields: TextFieldSpec[]; note?: string; grid?: string }[] = [
  {
    title: 'Sandbox',
    grid: 'grid two',
    fields: [
      {
        field: 'image',
        label: 'Image',
        hint: 'Pick a local image from the list, or type any name (pulled when missing, which needs a registry).',
        placeholder: 'e.g. python:3.12-slim',
        required: true,
      },
      { field: 'name', label: 'Name', hint: 'Optional; letters, digits, _ . -', placeholder: 'generated when empty' },
      {
        field: 'command',
        label: 'Command',
        hint: 'The main process, e.g. python3 -m http.server 8000. Empty: the sandbox stays up until you terminate it.',
        placeholder: 'empty: stays up',
        wide: true,
      },
    ],
  },
  {
    title: 'Resources and lifetime',
    fields: [
      { field: 'cpu', label: 'CPU cores', hint: 'Fractions allowed.', placeholder: 'no limit', inputmode: 'decimal' },
      { field: 'memoryMiB', label: 'Memory (MiB)', hint: 'At least 16.', placeholder: 'default 2048', inputmode: 'numeric' },
      { field: 'pidsLimit', label: 'Processes', hint: 'Processes and threads; at least 16.', placeholder: 'default 512', inputmode: 'numeric' },
      { field: 'timeoutSeconds', label: 'Timeout (s)', hint: 'From creation, editor closed or not.', placeholder: 'none', inputmode: 'numeric' },
      { field: 'idleTimeoutSeconds', label: 'Idle timeout (s)', hint: 'With no terminal or command running.', placeholder: 'never', inputmode: 'numeric' },
    ],
  },
  {
    title: 'Host names (with Allowlist)',
    note: "Reachable through an egress gateway outside the sandbox, besides the networks above: the gateway checks the TLS name or HTTP Host and connects only to that name's public addresses.",
    fields: [
      {
        field: 'domainAllowlist',
        label: 'Host names',
        hint: 'example.org, *.example.com (names below it), name:port; separated by commas or spaces.',
        placeholder: 'none',
        wide: true,
      },
    ],
  },
  {
    title: 'Forwarded ports',
    note: 'Port numbers inside the sandbox, separated by commas; each port in one list only.',
    fields: [
      ...TUNNEL_KIND_NAMES.map((kind) => {
        const { specField, label, formHint, placeholder } = TUNNEL_KINDS[kind];
        return { field: specField, label, hint: formHint, placeholder, inputmode: 'numeric' as const };
      }),
    ],
  },
];

export const MODES: { mode: NetworkMode; label: string; hint: string }[] = NETWORK_MODE_ORDER.map((mode) => ({
  mode,
  label: NETWORK_MODES[mode].label,
  hint: NETWORK_MODES[mode].formHint,
}));
