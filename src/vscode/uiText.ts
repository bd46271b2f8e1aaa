/**
 * The one way text reaches VS Code's notifications, progress, input box prompts and Markdown
 * tooltips. VS Code renders `[label](command:…)` in all but the tooltips as a link that runs the
 * command with its arguments, and messages embed what sandboxes and scripts chose (stderr, file
 * names, symlink targets, sandbox names): so everything passes untrustedText.ts here, whoever
 * built it, and no module calls `vscode.window.show…Message`, `withProgress` or `showInputBox`,
 * or makes a `MarkdownString`, itself (test/unit/untrustedText.test.ts checks the sources).
 */
import * as vscode from 'vscode';
import { labelText, plainText } from './untrustedText';

type MessageArgs<T extends string> = T[] | [vscode.MessageOptions, ...T[]];
type ShowMessage = <T extends string>(message: string, ...rest: unknown[]) => Thenable<T | undefined>;

/** Modal dialogs show `detail` as text; it is made plain all the same, as the message is. */
function plainArgs<T extends string>(rest: MessageArgs<T>): unknown[] {
  const [first, ...others] = rest;
  if (typeof first === 'object' && first !== null) {
    return [{ ...first, ...(first.detail === undefined ? {} : { detail: plainText(first.detail) }) }, ...others];
  }
  return rest;
}

export function showInformationMessage<T extends string>(message: string, ...rest: MessageArgs<T>): Thenable<T | undefined> {
  return (vscode.window.showInformationMessage as ShowMessage)<T>(plainText(message), ...plainArgs(rest));
}

export function showWarningMessage<T extends string>(message: string, ...rest: MessageArgs<T>): Thenable<T | undefined> {
  return (vscode.window.showWarningMessage as ShowMessage)<T>(plainText(message), ...plainArgs(rest));
}

export function showErrorMessage<T extends string>(message: string, ...rest: MessageArgs<T>): Thenable<T | undefined> {
  return (vscode.window.showErrorMessage as ShowMessage)<T>(plainText(message), ...plainArgs(rest));
}

type ProgressStep = { message?: string; increment?: number };

/**
 * `vscode.window.withProgress` with its title and every reported message made plain: a
 * notification's progress is a notification; the window's (status bar) also renders icons.
 */
export function withProgress<R>(options: vscode.ProgressOptions, task: (progress: vscode.Progress<ProgressStep>, token: vscode.CancellationToken) => Thenable<R>): Thenable<R> {
  const clean = options.location === vscode.ProgressLocation.Window ? labelText : plainText;
  return vscode.window.withProgress({ ...options, ...(options.title === undefined ? {} : { title: clean(options.title) }) }, (progress, token) =>
    task({ report: (step) => progress.report(step.message === undefined ? step : { ...step, message: clean(step.message) }) }, token),
  );
}

type Validation = string | vscode.InputBoxValidationMessage | undefined | null;

/** An input box's prompt and validation messages render links and icons. */
export function showInputBox(options: vscode.InputBoxOptions): Thenable<string | undefined> {
  const validate = options.validateInput;
  return vscode.window.showInputBox({
    ...options,
    ...(options.prompt === undefined ? {} : { prompt: labelText(options.prompt) }),
    ...(validate ? { validateInput: async (value: string) => plainValidation(await validate(value)) } : {}),
  });
}

/** What `showInputBoxWithButtons` resolves to: the text on Enter, or the title-bar button pressed. */
export type InputBoxAnswer = { value: string } | { button: vscode.QuickInputButton };

/**
 * `showInputBox` with title-bar buttons (e.g. Create Sandbox's "Choose Image…"): the same plain
 * prompt and validation messages; Enter is ignored while the value is invalid; `undefined` on Escape.
 */
export function showInputBoxWithButtons(options: vscode.InputBoxOptions, buttons: readonly vscode.QuickInputButton[]): Promise<InputBoxAnswer | undefined> {
  const box = vscode.window.createInputBox();
  box.title = options.title;
  box.prompt = options.prompt === undefined ? undefined : labelText(options.prompt);
  box.placeholder = options.placeHolder;
  box.value = options.value ?? '';
  box.buttons = buttons;
  box.ignoreFocusOut = options.ignoreFocusOut ?? false;
  const validate = async (value: string): Promise<boolean> => {
    const result = plainValidation(options.validateInput ? await options.validateInput(value) : undefined);
    if (box.value === value) box.validationMessage = result ?? undefined;
    return !result;
  };
  return new Promise<InputBoxAnswer | undefined>((resolve) => {
    let settled = false;
    const finish = (answer: InputBoxAnswer | undefined) => {
      if (settled) return;
      settled = true;
      resolve(answer);
      box.hide();
    };
    box.onDidChangeValue((value) => void validate(value));
    box.onDidAccept(async () => {
      const value = box.value;
      if (await validate(value)) finish({ value });
    });
    box.onDidTriggerButton((button) => finish({ button }));
    box.onDidHide(() => {
      finish(undefined);
      box.dispose();
    });
    box.show();
    void validate(box.value);
  });
}

function plainValidation(result: Validation): Validation {
  if (typeof result === 'string') return labelText(result);
  return result ? { ...result, message: labelText(result.message) } : result;
}

/**
 * A tooltip from Markdown whose sandbox-chosen parts were escaped (untrustedText.ts
 * `markdownText`, `markdownCode`): never trusted (no command links run), no HTML, no icons.
 */
export function untrustedMarkdown(value: string): vscode.MarkdownString {
  const markdown = new vscode.MarkdownString(value, false);
  markdown.isTrusted = false;
  markdown.supportHtml = false;
  return markdown;
}
