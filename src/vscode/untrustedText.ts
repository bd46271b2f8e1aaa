/**
 * Text that a sandbox or a script chose, on its way into VS Code's UI: stderr and command output,
 * file names and symlink targets, image names, and the sandbox names, runtimes and network modes
 * that any script can write into Docker labels. Root inside a sandbox can make any of it read
 * `[Click](command:workbench.action.terminal.sendSequence?…)`, and VS Code turns that into a link
 * in a notification (also a progress notification, and an input box's prompt or validation
 * message) that runs the command with its arguments when clicked, with a title that hides the
 * target (src/vs/base/common/linkedText.ts). Markdown (tooltips, the Check Setup report) would
 * render links, images and HTML; labels render `$(icon)`.
 *
 * Every builder of user-visible text passes such text through one of these, by surface; uiText.ts
 * applies `plainText` once more to everything that reaches a notification, whoever built it.
 * Long output belongs in the log (the "gVisor Sandboxes" output channel), with a short excerpt
 * and a pointer to the log in the message. Pure, so every builder is unit-tested with hostile
 * strings (test/unit/markupInjection.test.ts).
 */

/** ANSI escape sequences: CSI (colours, cursor), OSC (titles, OSC 8 hyperlinks), and two-byte ones. */
const ANSI_ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;
/** C0 controls but line feed, DEL, and C1 controls. */
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;
/** Zero-width characters and bidirectional controls: they hide or reorder what a message says. */
const INVISIBLES = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
/** `$(name)` and `$(name~spin)`, as VS Code's label renderer finds icons; `\$(…)` is already escaped. */
const ICONS = /(\\)?\$\([a-z0-9-]+?(?:~[a-z0-9-]*?)?\)/gi;
/** Every ASCII punctuation character: CommonMark lets each be backslash-escaped into a literal. */
const MARKDOWN_PUNCTUATION = /[!-/:-@[-`{-~]/g;

/** Where a message that was shortened says the rest is. */
export const LOG_REFERENCE = 'the full text is in the gVisor Sandboxes log (Show Log)';

/**
 * For text VS Code shows as text but scans for `[label](target)` links: notifications, progress
 * titles and messages, FileSystemError messages. Escapes, controls and invisible characters go;
 * line feeds stay (notifications show them as spaces, modal dialogs as lines); `](` becomes `] (`,
 * which no link syntax accepts. Nothing else changes, so our own wording passes through as it is.
 */
export function plainText(text: string): string {
  return printable(text).replace(/\](?=\()/g, '] ');
}

/** The text without terminal escapes, control characters (but line feeds) and invisible or direction-changing characters. */
export function printable(text: string): string {
  return String(text).replace(ANSI_ESCAPES, '').replace(/\r\n?/g, '\n').replace(/\t/g, ' ').replace(CONTROLS, '').replace(INVISIBLES, '');
}

/**
 * For text VS Code renders with icons as well as links: quick pick rows, input box prompts and
 * validation messages, the status bar, window progress. `$(…)` shows as written.
 */
export function labelText(text: string): string {
  return plainText(text).replace(ICONS, (match: string, escaped: string | undefined) => (escaped ? match : `\\${match}`));
}

/**
 * Plain text as Markdown that renders exactly this text: every ASCII punctuation character is
 * backslash-escaped, so no link, image, autolink (`<…>`, bare `https://`, `www.`), HTML, code
 * span, emphasis, heading or list can start inside it. One line (line breaks become spaces) unless
 * `multiline`, where each line stays a line.
 */
export function markdownText(text: string, options: { multiline?: boolean } = {}): string {
  const lines = printable(text)
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim().replace(MARKDOWN_PUNCTUATION, '\\$&'));
  return options.multiline ? lines.join('  \n') : lines.filter(Boolean).join(' ');
}

/**
 * Plain text as a Markdown code span (ids, images, runtimes): nothing inside a code span is
 * Markdown, as long as it cannot end early, so backticks become `'` and line breaks (a blank line
 * would end the paragraph, and the span with it) become spaces.
 */
export function markdownCode(text: string): string {
  const value = printable(text).replace(/\s+/g, ' ').trim().replace(/`/g, "'");
  return value ? `\`${value}\`` : markdownText(text);
}

/**
 * A bounded, one-line excerpt of long output (stderr, a Docker message) for a message that
 * points to the log for the rest: at most `max` characters, cut with "…".
 */
export function excerpt(text: string, max = 300): string {
  const line = plainText(text).replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The last non-empty line of command output (where `sh`, `cat` and `tar` say what went wrong), bounded. */
export function lastLine(output: string, max = 200): string {
  const lines = plainText(output)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return excerpt(lines.at(-1) ?? '', max);
}
