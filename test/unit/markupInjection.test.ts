/**
 * Issue #10, finding 1: text a sandbox controls (stderr, file names, symlink targets) or a script
 * chose (sandbox names, images, runtimes and network modes are Docker labels) must never render as
 * a link, an image, HTML or an icon. VS Code runs `[label](command:…)` in a notification with its
 * arguments, so every builder of user-visible text gets each hostile string and must neutralise it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SandboxError } from '../../src/core/errors';
import type { CheckReport, SnapshotInfo } from '../../src/core/types';
import { copyFailedMessage } from '../../src/vscode/commands/interpreters';
import { presentError, UserFacingError } from '../../src/vscode/errors';
import { mapFileError } from '../../src/vscode/files/fileErrors';
import { snapshotLabel, snapshotRows, snapshotRowsAcrossEngines } from '../../src/vscode/files/snapshotFormat';
import { renderSetupReport, summarizeSetupReport } from '../../src/vscode/report/renderSetupReport';
import { describeSandbox } from '../../src/vscode/sandboxFormat';
import { statusPresentation } from '../../src/vscode/statusBar/statusText';
import { presentNode } from '../../src/vscode/tree/nodePresentation';
import { groupChildren, rootNodes, sandboxChildren, type TreeNode } from '../../src/vscode/tree/treeNodes';
import { NOW, networkState, sandboxInfo } from './fixtures';
import { HOSTILE, markdownHazards, notificationLinks, renderedIcons } from './markup';

/** The text shown in a notification (or a progress notification, or a FileSystemError VS Code reports). */
function assertNoLinks(shown: string, input: string): void {
  assert.deepEqual(notificationLinks(shown), [], `renders a link for ${JSON.stringify(input)}:\n${shown}`);
}

/** Quick pick rows, input box prompts and status bar text also render `$(icon)`. */
function assertPlainLabel(shown: string, input: string, ownIcons: string[] = []): void {
  assertNoLinks(shown, input);
  assert.deepEqual(renderedIcons(shown), ownIcons, `renders an icon for ${JSON.stringify(input)}: ${shown}`);
}

function assertSafeMarkdown(markdown: string, input: string): void {
  assert.deepEqual(markdownHazards(markdown), [], `renders markup for ${JSON.stringify(input)}:\n${markdown}`);
}

/** No control, escape or direction-changing character reaches a label (spoofing, terminal escapes). */
function assertPrintable(shown: string, input: string): void {
  assert.doesNotMatch(shown, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/, `keeps a control character of ${JSON.stringify(input)}`);
}

function allNodes(hostile: string): TreeNode[] {
  const info = sandboxInfo({ id: hostile, name: hostile, image: hostile, runtime: hostile, networkMode: hostile as 'open' });
  const gvisor = sandboxInfo({ name: hostile, image: hostile });
  const snapshot: SnapshotInfo = { ref: hostile, sandboxId: 'sb-1', sandboxName: hostile, createdAt: NOW, sizeBytes: 1 };
  const nodes: TreeNode[] = [];
  for (const [root, network] of [
    [info, networkState({ mode: 'allowlist', cidrAllowlist: [hostile], forwards: [{ port: 8000, kind: 'encrypted' }] })],
    [gvisor, new Error(hostile)],
  ] as const) {
    const [node] = rootNodes([root]);
    assert.ok(node);
    nodes.push(node, { ...node, network: network instanceof Error ? undefined : network });
    for (const child of sandboxChildren(node, {
      network,
      tunnels: [],
      terminals: [{ name: hostile, show: () => undefined }],
      activeTerminal: undefined,
      snapshots: [snapshot],
    })) {
      nodes.push(child);
      if (child.kind !== 'sandbox') nodes.push(...groupChildren(child));
    }
  }
  return nodes;
}

describe('sandbox-chosen text in notifications', () => {
  it('presentError: an engine error embedding stderr, a symlink target or a file name', () => {
    for (const hostile of HOSTILE) {
      for (const err of [
        new SandboxError('EXEC_FAILED', `read of /etc/hostname failed in sandbox web (exit 5): ${hostile}`, 'See the message above.'),
        new SandboxError(
          'PATH_OUTSIDE',
          `Downloaded to /tmp/x, except 1 symlink(s) pointing outside it, which were not created: link -> /${hostile}.`,
          'Download the targets.',
        ),
        new SandboxError('NOT_RUNNING', 'Sandbox is gone.', hostile),
        new UserFacingError(`Could not copy main.py to /tmp/sandboxes-run/main.py in sandbox "web": ${hostile}.`, 'Check its image'),
        new TypeError(hostile),
      ]) {
        const shown = presentError(err, 'Download from Sandbox');
        assert.notEqual(shown.kind, 'cancelled');
        if (shown.kind !== 'cancelled') {
          assertNoLinks(shown.text, hostile);
          assertPrintable(shown.text.replace(/\n/g, ' '), hostile);
        }
      }
    }
  });

  it('presentError: a long engine message is shortened and points to the log', () => {
    const stderr = `${'x'.repeat(2000)} [Click](command:workbench.action.reloadWindow)`;
    const shown = presentError(new SandboxError('EXEC_FAILED', `read of /a failed: ${stderr}`, 'See the message above.'), 'Open');
    assert.ok(shown.kind === 'actionable');
    assert.ok(shown.text.length < 700, `${shown.text.length} characters`);
    assert.match(shown.text, /log/);
    assertNoLinks(shown.text, stderr);
  });

  it('mapFileError: the message VS Code shows when a sandbox file operation fails', () => {
    for (const hostile of HOSTILE) {
      for (const err of [
        new SandboxError('EXEC_FAILED', `read of /a failed (exit 1): ${hostile}`, 'See above.'),
        new SandboxError('PERMISSION_DENIED', `write of /a was refused: ${hostile}.`, 'Check permissions.'),
        new SandboxError('FILE_NOT_FOUND', `/${hostile} does not exist.`, 'Check the path.'),
        new Error(hostile),
      ]) {
        const { message } = mapFileError(err);
        assertNoLinks(message, hostile);
        assertPrintable(message, hostile);
      }
    }
  });

  it('summarizeSetupReport: Docker and engine details in the Check Setup notification', () => {
    for (const hostile of HOSTILE) {
      const target = { dockerHost: hostile, runtime: hostile, image: hostile, checkedAt: NOW };
      assertNoLinks(summarizeSetupReport({ ok: false, items: [{ name: hostile, ok: false, detail: hostile, fix: hostile }] }, target), hostile);
      assertNoLinks(summarizeSetupReport({ ok: true, items: [{ name: hostile, ok: true, detail: hostile }] }, target), hostile);
    }
  });

  it('copyFailedMessage: Run Active File\'s "Could not copy…" with stderr from the sandbox\'s sh and cat', () => {
    for (const hostile of HOSTILE) {
      const shown = copyFailedMessage('main.py', '/tmp/sandboxes-run/main.py', hostile, `mkdir: cannot create directory\n${hostile}`, 1);
      assertNoLinks(shown, hostile);
      assertPrintable(shown, hostile);
      // And as the notification shows it, fix included.
      const presented = presentError(new UserFacingError(shown, 'Check its image'), 'Run Active File in Sandbox');
      assert.ok(presented.kind === 'actionable');
      assertNoLinks(presented.text, hostile);
    }
    assert.match(
      copyFailedMessage('a.py', '/tmp/a.py', 'web', `${'x'.repeat(5000)}\n`, 2),
      /^Could not copy a\.py to \/tmp\/a\.py in sandbox "web": x{10,199}… \(exit code 2; its whole output is in the gVisor Sandboxes log\)\.$/,
    );
    assert.equal(copyFailedMessage('a.py', '/tmp/a.py', 'web', '', 2), 'Could not copy a.py to /tmp/a.py in sandbox "web": exit code 2.');
  });

  it('snapshotLabel: a snapshot named by its sandbox (input box prompt, progress title)', () => {
    for (const hostile of HOSTILE) {
      assertPlainLabel(snapshotLabel({ ref: hostile, sandboxId: 'sb-1', sandboxName: hostile, createdAt: NOW, sizeBytes: 0 }, NOW), hostile);
      assertPlainLabel(snapshotLabel({ ref: hostile, sandboxId: '', sandboxName: hostile, createdAt: NOW, sizeBytes: 0 }, NOW), hostile);
    }
  });
});

describe('sandbox-chosen text in Markdown (tooltips, the Check Setup report)', () => {
  it('presentNode: every tree node with hostile names, images, runtimes, modes, errors and refs', () => {
    for (const hostile of HOSTILE) {
      for (const node of allNodes(hostile)) {
        const p = presentNode(node, NOW);
        assertSafeMarkdown(p.tooltip, hostile);
        assertPrintable(p.label, hostile);
        assertPrintable(p.description, hostile);
      }
    }
  });

  it('statusPresentation: the status bar tooltip and text', () => {
    for (const hostile of HOSTILE) {
      const info = sandboxInfo({ name: hostile, networkMode: hostile as 'open' });
      for (const network of [undefined, networkState({ mode: 'allowlist', cidrAllowlist: [hostile] })]) {
        const shown = statusPresentation(1, { info, reason: 'terminal' }, network);
        assert.ok(shown);
        assertSafeMarkdown(shown.tooltip, hostile);
        assertNoLinks(shown.text, hostile);
        assert.ok(
          renderedIcons(shown.text).every((icon) => ['vm-running', 'globe', 'circle-slash', 'filter', 'question'].includes(icon)),
          shown.text,
        );
      }
    }
  });

  it('renderSetupReport: the report document', () => {
    for (const hostile of HOSTILE) {
      const target = { dockerHost: hostile, runtime: hostile, image: hostile, network: hostile, checkedAt: NOW };
      const failed: CheckReport = {
        ok: false,
        items: [
          { name: hostile, ok: false, detail: hostile, fix: hostile },
          { name: hostile, ok: true, detail: hostile },
        ],
      };
      assertSafeMarkdown(renderSetupReport(failed, target), hostile);
      assertSafeMarkdown(renderSetupReport({ ok: true, items: [{ name: hostile, ok: true, detail: hostile }] }, target), hostile);
    }
  });
});

describe('sandbox-chosen text in quick picks', () => {
  it('snapshotRows: the snapshot picker rows', () => {
    for (const hostile of HOSTILE) {
      for (const row of snapshotRows([{ ref: hostile, sandboxId: 'sb-1', sandboxName: hostile, createdAt: NOW, sizeBytes: 1 }], NOW)) {
        assertPlainLabel(row.label, hostile, ['device-camera']);
        assertPlainLabel(row.description, hostile);
        assertPlainLabel(row.detail, hostile);
      }
    }
  });

  it('snapshotRowsAcrossEngines: the palette picker over several engines', () => {
    for (const hostile of HOSTILE) {
      const lists = [{ engine: { key: 'x', name: hostile }, snapshots: [{ ref: hostile, sandboxId: 'sb-1', sandboxName: hostile, createdAt: NOW, sizeBytes: 1 }] }];
      for (const row of snapshotRowsAcrossEngines(lists, NOW)) {
        assertPlainLabel(row.label, hostile, ['device-camera']);
        assertPlainLabel(row.description, hostile);
      }
    }
  });

  it('describeSandbox: the sandbox picker row', () => {
    for (const hostile of HOSTILE) {
      const row = describeSandbox(sandboxInfo({ name: hostile, image: hostile, runtime: hostile, networkMode: hostile as 'open' }), NOW);
      for (const part of [row.label, row.description, row.detail]) {
        assertPlainLabel(part, hostile);
        assertPrintable(part, hostile);
      }
    }
  });
});
