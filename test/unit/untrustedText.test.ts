/**
 * The one helper for sandbox-chosen text (src/vscode/untrustedText.ts), and that every path to a
 * notification, progress, input box or Markdown tooltip goes through it (src/vscode/uiText.ts).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { OLD_RUNSC_FIX, SETUP_FIX } from '../../src/core/errors';
import { excerpt, labelText, lastLine, markdownCode, markdownText, plainText, printable } from '../../src/vscode/untrustedText';
import { COMMAND_LINK, HOSTILE, markdownHazards, notificationLinks, renderMarkdown, renderedIcons, renderedText } from './markup';

describe('untrustedText: plainText (notifications, progress, file system errors)', () => {
  it('leaves no link VS Code would render, for every hostile string', () => {
    for (const hostile of HOSTILE) {
      assert.deepEqual(notificationLinks(plainText(hostile)), [], hostile);
      // Also when our own wording surrounds it, and when a second piece completes the syntax.
      assert.deepEqual(notificationLinks(`Could not copy [${plainText(hostile)}]`), [], hostile);
      assert.deepEqual(notificationLinks(plainText(`[Click]${hostile}`)), [], hostile);
    }
    assert.equal(plainText(COMMAND_LINK), '[Click] (command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%20-rf%20~%5Cn%22%7D)');
    assert.deepEqual(
      notificationLinks(COMMAND_LINK),
      ['command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%20-rf%20~%5Cn%22%7D'],
      'the check itself finds the link',
    );
  });

  it('drops terminal escapes, control characters and invisible or direction-changing characters, keeping line feeds', () => {
    assert.equal(plainText('\x1b[31mred\x1b[0m \x1b]8;;command:x\x07Click\x1b]8;;\x07 tab\there\r\nnext\x00\x07\u009b'), 'red Click tab here\nnext');
    assert.equal(plainText('a\u202eb\u200bc\u2066d\ufeff'), 'abcd');
  });

  it('passes our own wording through unchanged (setup fixes with URLs and backticks, brackets without links)', () => {
    for (const own of [
      SETUP_FIX,
      OLD_RUNSC_FIX,
      'Docker is not reachable at unix:///var/run/docker.sock. Start dockerd.',
      'Port 8000 [encrypted] is at https://127.0.0.1:4443.',
      'Line one\nline two',
    ]) {
      assert.equal(plainText(own), own);
    }
  });

  it('is idempotent', () => {
    for (const hostile of HOSTILE) assert.equal(plainText(plainText(hostile)), plainText(hostile));
  });
});

describe('untrustedText: labelText (quick picks, input box prompts, status bar)', () => {
  it('shows $(icon) as written and renders no link', () => {
    assert.equal(labelText('$(pass-filled) verified'), '\\$(pass-filled) verified');
    assert.equal(labelText('already \\$(x) escaped'), 'already \\$(x) escaped');
    for (const hostile of HOSTILE) {
      assert.deepEqual(renderedIcons(labelText(hostile)), [], hostile);
      assert.deepEqual(notificationLinks(labelText(hostile)), [], hostile);
    }
  });
});

describe('untrustedText: Markdown', () => {
  it('markdownText renders exactly the text: no link, image, autolink, HTML or formatting', () => {
    for (const hostile of HOSTILE) {
      const markdown = `**Name**: ${markdownText(hostile)}`;
      assert.deepEqual(markdownHazards(markdown), [], `${hostile}\n${renderMarkdown(markdown)}`);
      assert.equal(renderedText(markdown), `Name: ${printable(hostile).replace(/\s+/g, ' ').trim()}`, hostile);
    }
  });

  it('markdownText keeps lines as lines when asked, each one plain', () => {
    const markdown = markdownText('# not a heading\n1. not a list\n[Click](command:x)', { multiline: true });
    assert.deepEqual(markdownHazards(markdown), []);
    assert.equal(renderedText(markdown), '# not a heading\n1. not a list\n[Click](command:x)');
  });

  it('markdownCode is one code span that the text cannot end early', () => {
    for (const hostile of HOSTILE) {
      const html = renderMarkdown(`- Image: ${markdownCode(hostile)}`);
      assert.deepEqual(markdownHazards(`- Image: ${markdownCode(hostile)}`), [], hostile);
      assert.equal((html.match(/<code>/g) ?? []).length, 1, `${hostile}: ${html}`);
    }
    assert.equal(markdownCode('python:3.12-slim'), '`python:3.12-slim`');
  });
});

describe('untrustedText: long output', () => {
  it('excerpt is one bounded line; lastLine takes what a failing tool printed last', () => {
    assert.equal(excerpt('a\n\nb   c'), 'a b c');
    assert.equal(excerpt('x'.repeat(1000), 10), `${'x'.repeat(9)}…`);
    assert.equal(lastLine('warning: ignored\nmkdir: cannot create directory: Read-only file system\n\n'), 'mkdir: cannot create directory: Read-only file system');
    assert.deepEqual(notificationLinks(lastLine(`x\n${COMMAND_LINK}`)), []);
  });
});

describe('every path to VS Code UI that renders links or Markdown goes through uiText.ts', () => {
  const root = join(__dirname, '../../src/vscode');
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(root, f));

  it('no module but uiText.ts shows messages, progress or input boxes, or makes a MarkdownString, itself', () => {
    const direct =
      /vscode\.window\.(showInformationMessage|showWarningMessage|showErrorMessage|withProgress|showInputBox)\b|new vscode\.MarkdownString\b|window\.createInputBox\b/;
    const offenders = files.filter((f) => !f.endsWith('uiText.ts') && direct.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f));
    assert.deepEqual(offenders, []);
    assert.ok(
      files.some((f) => /showErrorMessage\(/.test(readFileSync(f, 'utf8'))),
      'the scan sees the call sites',
    );
  });

  it('every FileSystemError carries a message made plain', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/FileSystemError(?:\.\w+)?\(\s*([^)]{0,40})/g)) {
        if (/^vscode\.FileSystemError\b/.test(m[0]) && m[1] === '') continue;
        assert.match(m[1] ?? '', /^(plainText\(|message\b)/, `${relative(root, file)}: ${m[0]}`);
      }
    }
  });
});
