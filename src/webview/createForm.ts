/**
 * The Create Sandbox form's script. Fields are checked as they are typed with the form model the
 * extension uses too (createFormModel.ts) and the engine's own validators, bundled here (they are
 * pure); the extension checks again before creating. What was typed is kept with `setState`, so
 * a reload or a hidden tab loses nothing.
 */
import { parseCidr } from '../core/network/policy';
import { validateSpec } from '../core/spec';
import type { NetworkMode } from '../core/types';
import { NETWORK_MODES, NETWORK_MODE_ORDER } from '../shared/networkModes';
import { TUNNEL_KINDS, TUNNEL_KIND_NAMES } from '../shared/tunnelKinds';
import { EMPTY_FORM, checkForm } from '../shared/createFormModel';
import {
  isCreateFormState,
  type CreateFormMethods,
  type CreateFormModel,
  type CreateFormPush,
  type CreateFormState,
  type FieldErrors,
  type FormTextField,
} from '../shared/webviewProtocol';
import { h, replaceChildren, root } from './lib/dom';
import { WebviewClient } from './lib/webviewClient';

const ENGINE = { validateSpec, parseCidr };

interface TextFieldSpec {
  field: FormTextField;
  label: string;
  hint: string;
  placeholder?: string;
  inputmode?: 'decimal' | 'numeric';
  required?: boolean;
  /** Spans the whole row of its fieldset's grid. */
  wide?: boolean;
}

const SECTIONS: { title: string; fields: TextFieldSpec[]; note?: string; grid?: string }[] = [
  {
    title: 'Sandbox',
    grid: 'grid two',
    fields: [
      { field: 'image', label: 'Image', hint: 'Pulled with progress when missing.', placeholder: 'python:3.12-slim', required: true },
      { field: 'name', label: 'Name', hint: 'Optional; letters, digits, _ . -', placeholder: 'generated' },
      { field: 'command', label: 'Command', hint: 'The main process, e.g. python3 -m http.server 8000. Empty: the sandbox stays up until you terminate it.', placeholder: 'keep alive', wide: true },
    ],
  },
  {
    title: 'Resources and lifetime',
    fields: [
      { field: 'cpu', label: 'CPU cores', hint: 'Fractions allowed.', placeholder: 'no limit', inputmode: 'decimal' },
      { field: 'memoryMiB', label: 'Memory (MiB)', hint: 'At least 16.', placeholder: '2048', inputmode: 'numeric' },
      { field: 'pidsLimit', label: 'Processes', hint: 'Processes and threads; at least 16.', placeholder: '512', inputmode: 'numeric' },
      { field: 'timeoutSeconds', label: 'Timeout (s)', hint: 'From creation, editor closed or not.', placeholder: 'none', inputmode: 'numeric' },
      { field: 'idleTimeoutSeconds', label: 'Idle timeout (s)', hint: 'With no terminal or command running.', placeholder: 'never', inputmode: 'numeric' },
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

const MODES: { mode: NetworkMode; label: string; hint: string }[] = NETWORK_MODE_ORDER.map((mode) => ({ mode, label: NETWORK_MODES[mode].label, hint: NETWORK_MODES[mode].formHint }));

let model: CreateFormModel = { ...EMPTY_FORM };
let openDetails = true;
/** Fields the user has edited: their problems show as they type. All show after a submit. */
const touched = new Set<string>();
let rowsTouched: boolean[] = [];
let submitted = false;
/** Problems the extension reported, shown until the field is edited. */
let serverErrors: FieldErrors = {};
let busy = false;
let saveUnavailable: string | undefined;

const inputs = new Map<FormTextField, HTMLInputElement>();
const errorSlots = new Map<string, HTMLElement>();
let rowsList: HTMLElement;
let allowlistEditor: HTMLElement;
let statusLine: HTMLElement;
let createButton: HTMLButtonElement;
let saveButton: HTMLButtonElement;
let resetButton: HTMLButtonElement;
let formElement: HTMLFormElement;
/** Whether an `init` has built the form in this page. */
let initialized = false;

const client = new WebviewClient<CreateFormMethods, CreateFormPush>((push) => {
  // Built once per page: `ready` may be said more than once (webviewClient.ts), and a late second
  // answer must not redraw the form under the user's hands.
  if (push.type !== 'init' || initialized) return;
  initialized = true;
  saveUnavailable = push.saveUnavailable;
  const saved = client.state;
  if (isCreateFormState(saved)) {
    model = saved.model;
    openDetails = saved.openDetails;
  } else {
    model = push.defaults;
  }
  rowsTouched = model.cidrAllowlist.map(() => false);
  render();
});
client.ready();

function saveState(): void {
  const state: CreateFormState = { model, openDetails };
  client.state = state;
}

// ---------------------------------------------------------------------------------------------
// Building the form (once per init)

function render(): void {
  inputs.clear();
  errorSlots.clear();
  formElement = h('form', { novalidate: true, 'aria-describedby': 'intro' });
  formElement.addEventListener('submit', (event) => {
    event.preventDefault();
    void create();
  });

  formElement.append(
    h('h1', {}, 'Create Sandbox'),
    h('p', { id: 'intro', class: 'intro' }, 'A disposable container isolated by gVisor. The form starts from your settings; Save as Workspace Defaults writes it back to this workspace\'s settings.'),
  );
  const [sandboxSection, resources, ports] = SECTIONS.map((section) =>
    h('fieldset', {}, h('legend', {}, section.title), section.note && h('p', { class: 'hint' }, section.note), h('div', { class: section.grid ?? 'grid' }, ...section.fields.map(textField))),
  );
  formElement.append(sandboxSection ?? '', resources ?? '', networkFieldset(), ports ?? '');

  const detailsBox = h('input', { type: 'checkbox', id: 'openDetails', checked: openDetails });
  detailsBox.addEventListener('change', () => {
    openDetails = detailsBox.checked;
    saveState();
  });
  formElement.append(h('div', { class: 'checkbox' }, detailsBox, h('label', { for: 'openDetails' }, 'Open the sandbox\'s details after creating it')));

  createButton = h('button', { type: 'submit', class: 'primary' }, 'Create Sandbox');
  saveButton = h('button', { type: 'button', class: 'secondary', title: saveUnavailable, 'aria-describedby': saveUnavailable ? 'save-note' : undefined }, 'Save as Workspace Defaults');
  saveButton.addEventListener('click', () => void saveDefaults());
  resetButton = h('button', { type: 'button', class: 'secondary' }, 'Reset to Settings');
  resetButton.addEventListener('click', () => void resetToSettings());
  formElement.append(errorSlot('form'), h('div', { class: 'actions' }, createButton, saveButton, resetButton));
  if (saveUnavailable) formElement.append(h('p', { id: 'save-note', class: 'hint' }, saveUnavailable));
  statusLine = h('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' });
  formElement.append(statusLine);

  const main = root();
  replaceChildren(main, formElement);
  main.removeAttribute('aria-busy');
  update();
  inputs.get('image')?.focus();
}

function textField(spec: TextFieldSpec): HTMLElement {
  const id = `field-${spec.field}`;
  const input = h('input', {
    type: 'text',
    id,
    name: spec.field,
    placeholder: spec.placeholder,
    inputmode: spec.inputmode,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-required': spec.required ? 'true' : undefined,
    'aria-describedby': `hint-${spec.field} error-${spec.field}`,
  });
  input.value = model[spec.field];
  input.addEventListener('input', () => {
    model = { ...model, [spec.field]: input.value };
    touched.add(spec.field);
    delete serverErrors[spec.field];
    delete serverErrors.form;
    saveState();
    update();
  });
  inputs.set(spec.field, input);
  return h(
    'div',
    { class: spec.wide ? 'field wide' : 'field' },
    h('label', { for: id }, spec.label, spec.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : false),
    input,
    h('p', { id: `hint-${spec.field}`, class: 'hint' }, spec.hint),
    errorSlot(spec.field),
  );
}

/** Where a field's problem is shown; `aria-live` so it is announced when it appears. */
function errorSlot(key: string): HTMLElement {
  const slot = h('p', { id: `error-${key}`, class: 'error', 'aria-live': 'polite' });
  errorSlots.set(key, slot);
  return slot;
}

function networkFieldset(): HTMLElement {
  const radios = MODES.map(({ mode, label, hint }) => {
    const id = `mode-${mode}`;
    const radio = h('input', { type: 'radio', name: 'networkMode', id, value: mode, checked: model.networkMode === mode, 'aria-describedby': `hint-${id}` });
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      model = { ...model, networkMode: mode };
      if (mode === 'allowlist' && model.cidrAllowlist.length === 0) addRow(false);
      delete serverErrors.cidrAllowlist;
      saveState();
      update();
    });
    return h('div', { class: 'radio' }, radio, h('label', { for: id }, label), h('span', { id: `hint-${id}`, class: 'hint inline' }, hint));
  });
  rowsList = h('ul', { class: 'rows', 'aria-label': 'Allowed networks' });
  const add = h('button', { type: 'button', class: 'secondary small' }, 'Add Network');
  add.addEventListener('click', () => addRow(true));
  allowlistEditor = h(
    'div',
    { class: 'allowlist', id: 'allowlist' },
    h('p', { class: 'hint', id: 'allowlist-hint' }, 'e.g. 10.0.0.0/8, fd00::/8 or 192.0.2.7. To resolve names, allow your DNS resolver too (the nameserver in /etc/resolv.conf).'),
    rowsList,
    errorSlot('cidrAllowlist'),
    add,
  );
  renderRows();
  return h('fieldset', { role: 'radiogroup', 'aria-labelledby': 'network-legend' }, h('legend', { id: 'network-legend' }, 'Network'), ...radios, allowlistEditor);
}

function renderRows(focusIndex?: number): void {
  for (const key of [...errorSlots.keys()]) if (key.startsWith('cidrAllowlist.')) errorSlots.delete(key);
  replaceChildren(
    rowsList,
    ...model.cidrAllowlist.map((entry, index) => {
      const key = `cidrAllowlist.${index}`;
      const id = `cidr-${index}`;
      const input = h('input', {
        type: 'text',
        id,
        class: 'cidr',
        value: entry,
        placeholder: '10.0.0.0/8',
        spellcheck: 'false',
        autocomplete: 'off',
        'aria-label': `Allowed network ${index + 1}`,
        'aria-describedby': `allowlist-hint error-${key}`,
      });
      input.value = entry;
      input.addEventListener('input', () => {
        const entries = [...model.cidrAllowlist];
        entries[index] = input.value;
        model = { ...model, cidrAllowlist: entries };
        rowsTouched[index] = true;
        delete serverErrors[key];
        delete serverErrors.cidrAllowlist;
        delete serverErrors.form;
        saveState();
        update();
      });
      const remove = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove network ${index + 1}` }, 'Remove');
      remove.addEventListener('click', () => removeRow(index));
      return h('li', {}, h('div', { class: 'row' }, input, remove), errorSlot(key));
    }),
  );
  if (focusIndex !== undefined) rowsList.querySelectorAll<HTMLInputElement>('input.cidr')[focusIndex]?.focus();
}

function addRow(focus: boolean): void {
  model = { ...model, cidrAllowlist: [...model.cidrAllowlist, ''] };
  rowsTouched.push(false);
  renderRows(focus ? model.cidrAllowlist.length - 1 : undefined);
  saveState();
  update();
}

function removeRow(index: number): void {
  model = { ...model, cidrAllowlist: model.cidrAllowlist.filter((_, i) => i !== index) };
  rowsTouched = rowsTouched.filter((_, i) => i !== index);
  // Row numbers shift: problems the extension reported for rows no longer apply.
  serverErrors = Object.fromEntries(Object.entries(serverErrors).filter(([key]) => !key.startsWith('cidrAllowlist')));
  const next = Math.min(index, model.cidrAllowlist.length - 1);
  renderRows(next >= 0 ? next : undefined);
  if (next < 0) allowlistEditor.querySelector<HTMLButtonElement>('button:last-child')?.focus();
  saveState();
  update();
}

// ---------------------------------------------------------------------------------------------
// Showing problems and state

/** The problems to show now: the form's own (for edited fields, or all after a submit) and the extension's. */
function visibleErrors(): FieldErrors {
  const { errors } = checkForm(model, ENGINE);
  const shown: FieldErrors = {};
  for (const [key, message] of Object.entries(errors)) {
    const row = /^cidrAllowlist\.(\d+)$/.exec(key);
    const edited = row ? rowsTouched[Number(row[1])] === true : touched.has(key);
    // The whole-spec check runs on submit only, where the extension reports it.
    if (key !== 'form' && (submitted || edited)) shown[key] = message;
  }
  return { ...serverErrors, ...shown };
}

function update(): void {
  const errors = visibleErrors();
  for (const [key, slot] of errorSlots) {
    const message = errors[key] ?? '';
    if (slot.textContent !== message) slot.textContent = message;
    const input = key.startsWith('cidrAllowlist.') ? document.getElementById(`cidr-${key.split('.')[1]}`) : inputs.get(key as FormTextField);
    input?.setAttribute('aria-invalid', message ? 'true' : 'false');
  }
  allowlistEditor.hidden = model.networkMode !== 'allowlist';
  for (const button of [createButton, saveButton, resetButton]) button.disabled = busy;
  saveButton.disabled = busy || saveUnavailable !== undefined;
  createButton.textContent = busy ? 'Creating…' : 'Create Sandbox';
  formElement.setAttribute('aria-busy', busy ? 'true' : 'false');
}

function setStatus(text: string, kind: 'info' | 'error' | 'success' = 'info'): void {
  statusLine.textContent = text;
  statusLine.className = `status ${kind}`;
}

/** Focuses the first field with a problem, in the order of the form. */
function focusFirstProblem(errors: FieldErrors): void {
  const order = [...formElement.querySelectorAll<HTMLInputElement>('input[type=text]')];
  const first = order.find((input) => input.getAttribute('aria-invalid') === 'true');
  if (first) first.focus();
  else if (errors.cidrAllowlist) allowlistEditor.querySelector<HTMLButtonElement>('button:last-child')?.focus();
}

function problemCount(errors: FieldErrors): string {
  const count = Object.keys(errors).length;
  return count === 1 ? 'One field needs attention.' : `${count} fields need attention.`;
}

// ---------------------------------------------------------------------------------------------
// Actions

async function create(): Promise<void> {
  if (busy) return;
  submitted = true;
  const local = visibleErrors();
  update();
  if (Object.keys(local).length > 0) {
    setStatus(`Not created. ${problemCount(local)}`, 'error');
    focusFirstProblem(local);
    return;
  }
  busy = true;
  update();
  setStatus(`Creating a sandbox from ${model.image.trim()}… Progress is in the notification.`);
  try {
    const result = await client.request('create', { model, openDetails });
    switch (result.outcome) {
      case 'created': {
        setStatus(`Created sandbox ${result.name}. It is selected in the Sandboxes view.`, 'success');
        // A second sandbox from the same form needs another name.
        model = { ...model, name: '' };
        const nameInput = inputs.get('name');
        if (nameInput) nameInput.value = '';
        touched.delete('name');
        submitted = false;
        saveState();
        break;
      }
      case 'invalid':
        serverErrors = result.errors;
        setStatus(`Not created. ${problemCount(result.errors)}`, 'error');
        break;
      case 'failed':
        setStatus(`Not created: ${result.message}`, 'error');
        break;
      case 'cancelled':
        setStatus('Cancelled: no sandbox was created.');
        break;
    }
  } catch (error) {
    setStatus(`Not created: ${(error as Error).message}`, 'error');
  } finally {
    busy = false;
    update();
  }
  if (Object.keys(serverErrors).length > 0) focusFirstProblem(serverErrors);
}

async function saveDefaults(): Promise<void> {
  if (busy) return;
  busy = true;
  update();
  try {
    const result = await client.request('saveDefaults', { model });
    if (result.outcome === 'saved') {
      serverErrors = {};
      setStatus(`Saved ${result.keys.length} settings to this workspace's settings (.vscode/settings.json).`, 'success');
    } else {
      submitted = true;
      serverErrors = result.errors;
      setStatus(`Not saved. ${result.errors.form ?? problemCount(result.errors)}`, 'error');
    }
  } catch (error) {
    setStatus(`Not saved: ${(error as Error).message}`, 'error');
  } finally {
    busy = false;
    update();
  }
  if (Object.keys(serverErrors).length > 0) focusFirstProblem(serverErrors);
}

async function resetToSettings(): Promise<void> {
  if (busy) return;
  model = await client.request('readDefaults', {});
  touched.clear();
  rowsTouched = model.cidrAllowlist.map(() => false);
  submitted = false;
  serverErrors = {};
  saveState();
  render();
  setStatus('The form shows your settings again.');
}
