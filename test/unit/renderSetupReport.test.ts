import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckReport } from '../../src/core/types';
import { escapeMarkdown, renderSetupReport, summarizeSetupReport, type SetupCheckTarget } from '../../src/vscode/report/renderSetupReport';
import { renderMarkdown, renderedText } from './markup';

const target: SetupCheckTarget = { dockerHost: undefined, runtime: 'runsc', image: 'python:3.12-slim', checkedAt: new Date(0) };

const passed: CheckReport = {
  ok: true,
  items: [
    { name: 'Docker engine', ok: true, detail: 'Docker 20.10.24' },
    { name: 'Runtime "runsc"', ok: true, detail: '/usr/bin/runsc' },
  ],
};

const failed: CheckReport = {
  ok: false,
  items: [
    { name: 'Docker engine', ok: true, detail: 'Docker 20.10.24' },
    { name: 'Runtime "runsc"', ok: false, detail: 'not registered with Docker (registered: runc)', fix: 'Run sudo bash scripts/setup-host.sh' },
    { name: 'Sandbox settings', ok: false, detail: 'Setting "sandboxes.defaults.cpu" is 0.', fix: 'Change it.' },
  ],
};

describe('setup report', () => {
  it('sums up a passing check', () => {
    assert.equal(summarizeSetupReport(passed, target), 'Setup check passed: sandboxes can run under gVisor.');
    assert.match(summarizeSetupReport(passed, { ...target, runtime: 'runc' }), /runtime "runc", which is not gVisor/);
  });

  it('names the first failure and its fix in the notification', () => {
    assert.equal(
      summarizeSetupReport(failed, target),
      'Setup check failed: Runtime "runsc": not registered with Docker (registered: runc). Fix: Run sudo bash scripts/setup-host.sh. (1 more problem in the report.)',
    );
  });

  it('renders every item with its verdict and, when failed, its fix', () => {
    const markdown = renderSetupReport(failed, target);
    assert.match(markdown, /❌ \*\*2 of 3 checks failed\.\*\*/);
    const html = renderMarkdown(markdown);
    assert.match(html, /<h2>✅ Docker engine<\/h2>\n<p>Docker 20\.10\.24<\/p>/);
    assert.match(
      html,
      /<h2>❌ Runtime &quot;runsc&quot;<\/h2>\n<p>not registered with Docker \(registered: runc\)<\/p>\n<p><strong>Fix:<\/strong> Run sudo bash scripts\/setup-host\.sh<\/p>/,
    );
    assert.match(renderedText(markdown), /Docker endpoint: DOCKER_HOST, or the default socket/);
    assert.doesNotMatch(renderSetupReport(passed, target), /Fix:/);
  });

  it('shows details as text, not as Markdown or HTML', () => {
    assert.equal(renderMarkdown(escapeMarkdown('<img src=x> *bold* a|b')), '<p>&lt;img src=x&gt; *bold* a|b</p>\n');
    assert.equal(renderMarkdown(escapeMarkdown('# not a heading\n1. not a list')), '<p># not a heading<br>\n1. not a list</p>\n');
  });
});
