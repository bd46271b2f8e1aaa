/**
 * The Create Sandbox form's script. Fields are checked as they are typed with the form model the
 * extension uses too (createFormModel.ts) and the engine's own validators, bundled here (they are
 * pure); the extension checks again before creating. What was typed is kept with `setState`, so
 * a reload or a hidden tab loses nothing.
 */
import { parseCidr } from '../core/network/cidr';
import { parseDomainEntry } from '../core/network/domains';
import { validateSpec } from '../core/spec';
import { EMPTY_FORM, checkForm } from '../shared/createFormModel';
import type { ImageChoice } from '../shared/localImages';
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
import { MODES, SECTIONS, type TextFieldSpec } from './createFormFields';
import { AllowlistEditor } from './createFormAllowlist';
import { fieldBox, imageHint, modeRadio, textInput, workspaceLine } from './createFormElements';
import { problemCount, shownErrors, summaryList } from './formErrors';

const ENGINE = { validateSpec, parseCidr, parseDomainEntry };

/** One form: its model, what the user has touched, the extension's answers and its elements. */
class CreateForm {
  model: CreateFormModel = { ...EMPTY_FORM };
  private openDetails = true;
  /** Fields the user has edited: their problems show as they type. All show after a submit. */
  private readonly touched = new Set<string>();
  rowsTouched: boolean[] = [];
  private submitted = false;
  /** Problems the extension reported, shown until the field is edited. */
  serverErrors: FieldErrors = {};
  private busy = false;
  private saveUnavailable: string | undefined;
  private workspaceNote = '';

  private readonly inputs = new Map<FormTextField, HTMLInputElement>();
  readonly errorSlots = new Map<string, HTMLElement>();
  private allowlist!: AllowlistEditor;
  private statusLine!: HTMLElement;
  /** The list of problems at the top of the form after a failed Create or Save, each a link to its field. */
  private summary!: HTMLElement;
  private imageList!: HTMLDataListElement;
  private createButton!: HTMLButtonElement;
  private saveButton!: HTMLButtonElement;
  private resetButton!: HTMLButtonElement;
  private formElement!: HTMLFormElement;

  /** Whether an `init` has built the form in this page. */
  private initialized = false;

  private readonly client = new WebviewClient<CreateFormMethods, CreateFormPush>((push) => {
    // Built once per page: `ready` may be said more than once (webviewClient.ts), and a late second
    // answer must not redraw the form under the user's hands.
    if (push.type !== 'init' || this.initialized) return;
    this.initialized = true;
    this.saveUnavailable = push.saveUnavailable;
    this.workspaceNote = push.workspaceNote;
    const saved = this.client.state;
    if (isCreateFormState(saved)) {
      this.model = saved.model;
      this.openDetails = saved.openDetails;
    } else {
      this.model = push.defaults;
    }
    this.rowsTouched = this.model.cidrAllowlist.map(() => false);
    this.render();
  });

  start(): void {
    this.client.ready();
  }

  saveState(): void {
    const state: CreateFormState = { model: this.model, openDetails: this.openDetails };
    this.client.state = state;
  }

  // ---------------------------------------------------------------------------------------------
  // Building the form (once per init)

  private render(): void {
    this.inputs.clear();
    this.errorSlots.clear();
    this.formElement = h('form', { novalidate: true, 'aria-describedby': 'intro' });
    this.formElement.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.create();
    });

    // Status and problems at the top, where the user looks after pressing Create (issue #14).
    this.statusLine = h('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' });
    this.summary = h('div', { id: 'error-summary', class: 'summary', hidden: true, 'aria-labelledby': 'status' });
    this.formElement.append(
      h('h1', {}, 'Create Sandbox'),
      h(
        'p',
        { id: 'intro', class: 'intro' },
        "A disposable container isolated by gVisor. The form starts from your settings; Save as Workspace Defaults writes it back to this workspace's settings.",
      ),
      this.statusLine,
      this.summary,
    );
    const [sandboxSection, resources, ports] = SECTIONS.map((section) =>
      h(
        'fieldset',
        {},
        h('legend', {}, section.title),
        section.note && h('p', { class: 'hint' }, section.note),
        h('div', { class: section.grid ?? 'grid' }, ...section.fields.map((field) => this.textField(field))),
      ),
    );
    sandboxSection?.append(this.workspaceLine());
    this.imageList = h('datalist', { id: 'local-images' });
    this.formElement.append(this.imageList, sandboxSection ?? '', resources ?? '', this.networkFieldset(), ports ?? '');
    this.inputs.get('image')?.setAttribute('list', 'local-images');
    void this.loadImages();

    const detailsBox = h('input', { type: 'checkbox', id: 'openDetails', checked: this.openDetails });
    detailsBox.addEventListener('change', () => {
      this.openDetails = detailsBox.checked;
      this.saveState();
    });
    this.formElement.append(h('div', { class: 'checkbox' }, detailsBox, h('label', { for: 'openDetails' }, "Open the sandbox's details after creating it")));

    this.appendActions();

    const main = root();
    replaceChildren(main, this.formElement);
    main.removeAttribute('aria-busy');
    this.update();
    this.inputs.get('image')?.focus();
  }

  /** The form's problem slot and its buttons: Create, Save as Workspace Defaults (with why not, when it cannot), Reset. */
  private appendActions(): void {
    this.createButton = h('button', { type: 'submit', class: 'primary' }, 'Create Sandbox');
    this.saveButton = h(
      'button',
      { type: 'button', class: 'secondary', title: this.saveUnavailable, 'aria-describedby': this.saveUnavailable ? 'save-note' : undefined },
      'Save as Workspace Defaults',
    );
    this.saveButton.addEventListener('click', () => void this.saveDefaults());
    this.resetButton = h('button', { type: 'button', class: 'secondary' }, 'Reset to Settings');
    this.resetButton.addEventListener('click', () => void this.resetToSettings());
    this.formElement.append(this.errorSlot('form'), h('div', { class: 'actions' }, this.createButton, this.saveButton, this.resetButton));
    if (this.saveUnavailable) this.formElement.append(h('p', { id: 'save-note', class: 'hint' }, this.saveUnavailable));
  }

  private textField(spec: TextFieldSpec): HTMLElement {
    const input = textInput(spec);
    input.value = this.model[spec.field];
    input.addEventListener('input', () => {
      this.model = { ...this.model, [spec.field]: input.value };
      this.touched.add(spec.field);
      delete this.serverErrors[spec.field];
      delete this.serverErrors.form;
      this.saveState();
      this.update();
    });
    this.inputs.set(spec.field, input);
    return fieldBox(spec, input, this.errorSlot(spec.field));
  }

  /** What the sandbox gets of the workspace, and where that is changed. */
  private workspaceLine(): HTMLElement {
    return workspaceLine(this.workspaceNote, () => void this.client.request('openWorkspaceSettings', {}).catch(() => undefined));
  }

  /** Fills the image field's list with the local images and their sizes; the field stays free text. */
  private async loadImages(): Promise<void> {
    let images: ImageChoice[] = [];
    let problem: string | undefined;
    try {
      ({ images, problem } = await this.client.request('localImages', {}));
    } catch (error) {
      problem = (error as Error).message;
    }
    replaceChildren(this.imageList, ...images.map((image) => h('option', { value: image.ref, label: `${image.ref} — ${image.size}` })));
    const hint = document.getElementById('hint-image');
    if (hint) hint.textContent = imageHint(images, problem);
  }

  /** Where a field's problem is shown; `aria-live` so it is announced when it appears. */
  errorSlot(key: string): HTMLElement {
    const slot = h('p', { id: `error-${key}`, class: 'error', 'aria-live': 'polite' });
    this.errorSlots.set(key, slot);
    return slot;
  }

  private networkFieldset(): HTMLElement {
    const radios = MODES.map(({ mode, label, hint }) =>
      modeRadio(mode, label, hint, this.model.networkMode === mode, () => {
        this.model = { ...this.model, networkMode: mode };
        if (mode === 'allowlist' && this.model.cidrAllowlist.length === 0) this.allowlist.addRow(false);
        delete this.serverErrors.cidrAllowlist;
        this.saveState();
        this.update();
      }),
    );
    this.allowlist = new AllowlistEditor(this);
    return h('fieldset', { role: 'radiogroup', 'aria-labelledby': 'network-legend' }, h('legend', { id: 'network-legend' }, 'Network'), ...radios, this.allowlist.element);
  }

  // ---------------------------------------------------------------------------------------------
  // Showing problems and state

  /** The problems to show now: the form's own (for edited fields, or all after a submit) and the extension's. */
  private visibleErrors(): FieldErrors {
    return shownErrors(checkForm(this.model, ENGINE).errors, this.serverErrors, { submitted: this.submitted, touched: this.touched, rowsTouched: this.rowsTouched });
  }

  update(): void {
    const errors = this.visibleErrors();
    for (const [key, slot] of this.errorSlots) {
      const message = errors[key] ?? '';
      if (slot.textContent !== message) slot.textContent = message;
      const input = key.startsWith('cidrAllowlist.') ? document.getElementById(`cidr-${key.split('.')[1]}`) : this.inputs.get(key as FormTextField);
      input?.setAttribute('aria-invalid', message ? 'true' : 'false');
    }
    this.allowlist.showSuggestions(errors);
    this.renderSummary(errors);
    this.allowlist.element.hidden = this.model.networkMode !== 'allowlist';
    for (const button of [this.createButton, this.saveButton, this.resetButton]) button.disabled = this.busy;
    this.saveButton.disabled = this.busy || this.saveUnavailable !== undefined;
    this.createButton.textContent = this.busy ? 'Creating…' : 'Create Sandbox';
    this.formElement.setAttribute('aria-busy', this.busy ? 'true' : 'false');
  }

  /**
   * After a failed Create or Save, the problems listed at the top, each a link to its field; the
   * list follows the fields as they are fixed and goes when none is left.
   */
  private renderSummary(errors: FieldErrors): void {
    if (!this.summary) return;
    const shown = this.submitted ? Object.entries(errors) : [];
    this.summary.hidden = shown.length === 0;
    replaceChildren(this.summary, shown.length > 0 && summaryList(shown));
  }

  private setStatus(text: string, kind: 'info' | 'error' | 'success' = 'info'): void {
    this.statusLine.textContent = text;
    this.statusLine.className = `status ${kind}`;
  }

  /** Focuses the first field with a problem, in the order of the form. */
  private focusFirstProblem(errors: FieldErrors): void {
    const order = [...this.formElement.querySelectorAll<HTMLInputElement>('input[type=text]')];
    const first = order.find((input) => input.getAttribute('aria-invalid') === 'true');
    if (first) first.focus();
    else if (errors.cidrAllowlist) this.allowlist.focusAdd();
  }

  // ---------------------------------------------------------------------------------------------
  // Actions

  private async create(): Promise<void> {
    if (this.busy) return;
    this.submitted = true;
    const local = this.visibleErrors();
    this.update();
    if (Object.keys(local).length > 0) {
      this.setStatus(`Not created. ${problemCount(local)}`, 'error');
      this.focusFirstProblem(local);
      return;
    }
    this.busy = true;
    this.update();
    this.setStatus(`Creating a sandbox from ${this.model.image.trim()}… Progress is in the notification.`);
    try {
      const result = await this.client.request('create', { model: this.model, openDetails: this.openDetails });
      switch (result.outcome) {
        case 'created': {
          this.setStatus(`Created sandbox ${result.name}. It is selected in the Sandboxes view.`, 'success');
          // A second sandbox from the same form needs another name.
          this.model = { ...this.model, name: '' };
          const nameInput = this.inputs.get('name');
          if (nameInput) nameInput.value = '';
          this.touched.delete('name');
          this.submitted = false;
          this.saveState();
          break;
        }
        case 'invalid':
          this.serverErrors = result.errors;
          this.setStatus(`Not created. ${problemCount(result.errors)}`, 'error');
          break;
        case 'failed':
          this.setStatus(`Not created: ${result.message}`, 'error');
          break;
        case 'cancelled':
          this.setStatus('Cancelled: no sandbox was created.');
          break;
      }
    } catch (error) {
      this.setStatus(`Not created: ${(error as Error).message}`, 'error');
    } finally {
      this.busy = false;
      this.update();
    }
    if (Object.keys(this.serverErrors).length > 0) this.focusFirstProblem(this.serverErrors);
  }

  private async saveDefaults(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.update();
    try {
      const result = await this.client.request('saveDefaults', { model: this.model });
      if (result.outcome === 'saved') {
        this.serverErrors = {};
        this.setStatus(`Saved ${result.keys.length} settings to this workspace's settings (.vscode/settings.json).`, 'success');
      } else {
        this.submitted = true;
        this.serverErrors = result.errors;
        this.setStatus(`Not saved. ${result.errors.form ?? problemCount(result.errors)}`, 'error');
      }
    } catch (error) {
      this.setStatus(`Not saved: ${(error as Error).message}`, 'error');
    } finally {
      this.busy = false;
      this.update();
    }
    if (Object.keys(this.serverErrors).length > 0) this.focusFirstProblem(this.serverErrors);
  }

  private async resetToSettings(): Promise<void> {
    if (this.busy) return;
    this.model = await this.client.request('readDefaults', {});
    this.touched.clear();
    this.rowsTouched = this.model.cidrAllowlist.map(() => false);
    this.submitted = false;
    this.serverErrors = {};
    this.saveState();
    this.render();
    this.setStatus('The form shows your settings again.');
  }
}

new CreateForm().start();
