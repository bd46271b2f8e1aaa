/**
 * What VS Code would make of a piece of text, for the tests that feed sandbox-chosen strings to
 * every message builder (markupInjection.test.ts, untrustedText.test.ts).
 */
import { createRequire } from 'node:module';

/** Text a sandbox can put into stderr, a file name, a symlink target, or a label set by a script. */
export const COMMAND_LINK = '[Click](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%20-rf%20~%5Cn%22%7D)';

export const HOSTILE: readonly string[] = [
  COMMAND_LINK,
  '[Update](command:workbench.extensions.installExtension?%22evil.ext%22 "Open the documentation")',
  '[Docs](https://evil.example/x)',
  '[passwd](file:///etc/passwd)',
  '![pixel](https://evil.example/p.png)',
  '<a href="command:workbench.action.terminal.sendSequence">update</a>',
  '<img src=x onerror=alert(1)>',
  '<https://evil.example/autolink> and <command:workbench.action.reloadWindow>',
  'https://evil.example/bare and www.evil.example',
  '`code` ends here` [Click](command:x)',
  'line one\n\n[Click](command:workbench.action.reloadWindow)',
  '[Click]\u200b(command:workbench.action.reloadWindow)',
  '\u202e[Click](command:x)\u202c',
  '\x1b]8;;command:workbench.action.reloadWindow\x07Click\x1b]8;;\x07 \x1b[31mred\x1b[0m',
  '$(pass-filled) verified by gVisor',
  '# Heading\n- item\n> quote',
];

/**
 * VS Code's `parseLinkedText` (src/vs/base/common/linkedText.ts; the same in 1.100): notifications,
 * progress notifications and input box prompts/validation messages turn these into links whose
 * target runs with `allowCommands: true`. Notifications first replace line breaks with spaces.
 */
const LINKED_TEXT = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;

/** The link targets VS Code would render in a notification with this message. */
export function notificationLinks(message: string): string[] {
  return [...message.replace(/(\r\n|\n|\r)/gm, ' ').matchAll(LINKED_TEXT)].map((m) => m[2] ?? '');
}

/** `$(name)` that VS Code's label renderer would turn into an icon (quick pick rows, status bar text, input prompts). */
export function renderedIcons(label: string): string[] {
  return [...label.matchAll(/(\\)?\$\(([a-z0-9-]+?(?:~[a-z0-9-]*?)?)\)/gi)].filter((m) => !m[1]).map((m) => m[2] ?? '');
}

interface MarkdownRenderer {
  render(source: string): string;
}
// markdown-it is what VS Code's Markdown preview uses; with `html` and `linkify` on it is at least as
// permissive as the hover renderer (marked with GFM autolinks).
const MarkdownIt = createRequire(__filename)('markdown-it') as new (options: object) => MarkdownRenderer;
const markdownIt = new MarkdownIt({ html: true, linkify: true });

export function renderMarkdown(source: string): string {
  return markdownIt.render(source);
}

/** Tags our own Markdown produces; anything else (a, img, html blocks) came from the text. */
const OWN_TAGS = new Set(['p', 'strong', 'em', 'code', 'ul', 'li', 'h1', 'h2', 'hr', 'br']);

/** Links, images and HTML that rendering this Markdown would produce. */
export function markdownHazards(source: string): string[] {
  const html = renderMarkdown(source);
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>/g)].filter((m) => !OWN_TAGS.has((m[1] ?? '').toLowerCase())).map((m) => m[0]);
}

/** What a reader sees of rendered Markdown: tags dropped, entities decoded. */
export function renderedText(source: string): string {
  return renderMarkdown(source)
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();
}
