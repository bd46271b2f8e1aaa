/** Stateless element builders of the Create Sandbox form (createForm.ts wires them to its model). */
import type { NetworkMode } from '../core/types';
import type { ImageChoice } from '../shared/localImages';
import { h } from './lib/dom';
import type { TextFieldSpec } from './createFormFields';

/** A text field's input, described by its hint and its problem. */
export function textInput(spec: TextFieldSpec): HTMLInputElement {
  return h('input', {
    type: 'text',
    id: `field-${spec.field}`,
    name: spec.field,
    placeholder: spec.placeholder,
    inputmode: spec.inputmode,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-required': spec.required ? 'true' : undefined,
    'aria-describedby': `hint-${spec.field} error-${spec.field}`,
  });
}

/** A text field's label, input, hint and problem slot. */
export function fieldBox(spec: TextFieldSpec, input: HTMLInputElement, errorSlot: HTMLElement): HTMLElement {
  return h(
    'div',
    { class: spec.wide ? 'field wide' : 'field' },
    h('label', { for: input.id }, spec.label, spec.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : false),
    input,
    h('p', { id: `hint-${spec.field}`, class: 'hint' }, spec.hint),
    errorSlot,
  );
}

/** What the sandbox gets of the workspace (`note`), and the button that opens the settings deciding it. */
export function workspaceLine(note: string, openSettings: () => void): HTMLElement {
  const change = h('button', { type: 'button', class: 'link', id: 'workspace-settings' }, 'Change in Settings…');
  change.addEventListener('click', openSettings);
  return h(
    'p',
    { class: 'hint', id: 'workspace-note' },
    `Workspace: ${note} (the settings sandboxes.workspace.mount and sandboxes.workspace.path decide; a copy is made when the sandbox is created). `,
    change,
  );
}

/** The image field's hint once the local images are known. */
export function imageHint(images: ImageChoice[], problem: string | undefined): string {
  const local = images.filter((image) => image.size !== 'not on this machine').length;
  return (
    problem ??
    (local > 0
      ? `${local} local image${local === 1 ? '' : 's'} in the list (sizes shown); other names are pulled, which needs a registry.`
      : 'No local images; the image is pulled, which needs a registry.')
  );
}

/** One network mode's radio button with its label and hint; `onChecked` when the user picks it. */
export function modeRadio(mode: NetworkMode, label: string, hint: string, checked: boolean, onChecked: () => void): HTMLElement {
  const id = `mode-${mode}`;
  const radio = h('input', { type: 'radio', name: 'networkMode', id, value: mode, checked, 'aria-describedby': `hint-${id}` });
  radio.addEventListener('change', () => {
    if (radio.checked) onChecked();
  });
  return h('div', { class: 'radio' }, radio, h('label', { for: id }, label), h('span', { id: `hint-${id}`, class: 'hint inline' }, hint));
}
