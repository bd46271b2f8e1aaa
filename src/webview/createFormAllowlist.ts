/** The Create Sandbox form's allowlist editor: one row per allowed network, with its problem and suggestion. */
import { suggestionOf } from '../shared/createFormModel';
import type { CreateFormModel, FieldErrors } from '../shared/webviewProtocol';
import { h, replaceChildren } from './lib/dom';

/** What the editor needs of its form (createForm.ts): the model, what was touched, the error slots. */
export interface AllowlistForm {
  model: CreateFormModel;
  rowsTouched: boolean[];
  serverErrors: FieldErrors;
  readonly errorSlots: Map<string, HTMLElement>;
  errorSlot(key: string): HTMLElement;
  saveState(): void;
  update(): void;
}

export class AllowlistEditor {
  /** The editor (hint, rows, problem, Add Network), shown only in allowlist mode. */
  readonly element: HTMLElement;
  private readonly rowsList: HTMLElement;
  /** Each allowlist row's "Use 10.0.0.0/8" button, shown when its problem suggests an entry. */
  private readonly suggestionButtons = new Map<number, HTMLButtonElement>();

  constructor(private readonly form: AllowlistForm) {
    this.rowsList = h('ul', { class: 'rows', 'aria-label': 'Allowed networks' });
    const add = h('button', { type: 'button', class: 'secondary small' }, 'Add Network');
    add.addEventListener('click', () => this.addRow(true));
    this.element = h(
      'div',
      { class: 'allowlist', id: 'allowlist' },
      h(
        'p',
        { class: 'hint', id: 'allowlist-hint' },
        'e.g. 10.0.0.0/8, fd00::/8 or 192.0.2.7. To resolve names, allow your DNS resolver too (the nameserver in /etc/resolv.conf).',
      ),
      this.rowsList,
      form.errorSlot('cidrAllowlist'),
      add,
    );
    this.renderRows();
  }

  renderRows(focusIndex?: number): void {
    for (const key of [...this.form.errorSlots.keys()]) if (key.startsWith('cidrAllowlist.')) this.form.errorSlots.delete(key);
    this.suggestionButtons.clear();
    replaceChildren(this.rowsList, ...this.form.model.cidrAllowlist.map((entry, index) => this.row(entry, index)));
    if (focusIndex !== undefined) this.rowsList.querySelectorAll<HTMLInputElement>('input.cidr')[focusIndex]?.focus();
  }

  private row(entry: string, index: number): HTMLElement {
    const form = this.form;
    const key = `cidrAllowlist.${index}`;
    const id = `cidr-${index}`;
    const input = h('input', {
      type: 'text',
      id,
      class: 'cidr',
      value: entry,
      placeholder: 'e.g. 10.0.0.0/8',
      spellcheck: 'false',
      autocomplete: 'off',
      'aria-label': `Allowed network ${index + 1}`,
      'aria-describedby': `allowlist-hint error-${key}`,
    });
    input.value = entry;
    input.addEventListener('input', () => {
      const entries = [...form.model.cidrAllowlist];
      entries[index] = input.value;
      form.model = { ...form.model, cidrAllowlist: entries };
      form.rowsTouched[index] = true;
      delete form.serverErrors[key];
      delete form.serverErrors.cidrAllowlist;
      delete form.serverErrors.form;
      form.saveState();
      form.update();
    });
    const remove = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove network ${index + 1}` }, 'Remove');
    remove.addEventListener('click', () => this.removeRow(index));
    // "did you mean 10.0.0.0/8?" in one click: the suggestion replaces the row's entry.
    const suggestion = h('button', { type: 'button', class: 'secondary small suggestion', id: `suggest-${index}`, hidden: true });
    suggestion.addEventListener('click', () => {
      const entry = suggestion.dataset.entry;
      if (entry === undefined) return;
      input.value = entry;
      input.dispatchEvent(new Event('input'));
      input.focus();
    });
    this.suggestionButtons.set(index, suggestion);
    return h('li', {}, h('div', { class: 'row' }, input, remove), h('div', { class: 'row-problem' }, form.errorSlot(key), suggestion));
  }

  addRow(focus: boolean): void {
    const form = this.form;
    form.model = { ...form.model, cidrAllowlist: [...form.model.cidrAllowlist, ''] };
    form.rowsTouched.push(false);
    this.renderRows(focus ? form.model.cidrAllowlist.length - 1 : undefined);
    form.saveState();
    form.update();
  }

  private removeRow(index: number): void {
    const form = this.form;
    form.model = { ...form.model, cidrAllowlist: form.model.cidrAllowlist.filter((_, i) => i !== index) };
    form.rowsTouched = form.rowsTouched.filter((_, i) => i !== index);
    // Row numbers shift: problems the extension reported for rows no longer apply.
    form.serverErrors = Object.fromEntries(Object.entries(form.serverErrors).filter(([key]) => !key.startsWith('cidrAllowlist')));
    const next = Math.min(index, form.model.cidrAllowlist.length - 1);
    this.renderRows(next >= 0 ? next : undefined);
    if (next < 0) this.focusAdd();
    form.saveState();
    form.update();
  }

  /** Focuses Add Network (the allowlist's own problem, or no row left). */
  focusAdd(): void {
    this.element.querySelector<HTMLButtonElement>('button:last-child')?.focus();
  }

  /** Each row's suggestion button for its current problem ("Use 10.0.0.0/8"), hidden without one. */
  showSuggestions(errors: FieldErrors): void {
    for (const [index, button] of this.suggestionButtons) {
      const entry = suggestionOf(errors[`cidrAllowlist.${index}`]);
      button.hidden = entry === undefined;
      if (entry !== undefined && button.dataset.entry !== entry) {
        button.dataset.entry = entry;
        button.textContent = `Use ${entry}`;
        button.setAttribute('aria-label', `Use ${entry} for allowed network ${index + 1}`);
      }
    }
  }
}
