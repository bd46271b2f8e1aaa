import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnnouncementBudget, autoForwardSettingsFrom, resolveAutoForward } from '../../src/vscode/ports/autoForward';

const reader = (values: Record<string, unknown>) => ({ get: (key: string) => values[key] });

describe('onAutoForward resolution', () => {
  it('defaults to notify, with no label', () => {
    const settings = autoForwardSettingsFrom(reader({}));
    assert.deepEqual(resolveAutoForward(8000, settings, true), { action: 'notify', label: undefined });
    assert.deepEqual(settings.problems, []);
  });

  it('uses the default setting, then ranges, then a single port, narrower ranges first', () => {
    const settings = autoForwardSettingsFrom(
      reader({
        'sandboxes.ports.onAutoForward': 'silent',
        'sandboxes.ports.attributes': {
          '3000-9999': { onAutoForward: 'ignore', label: 'Wide' },
          '8000-8010': { label: 'Dev servers' },
          '8000': { onAutoForward: 'openBrowser' },
        },
      }),
    );
    assert.deepEqual(resolveAutoForward(22, settings, true), { action: 'silent', label: undefined });
    assert.deepEqual(resolveAutoForward(5000, settings, true), { action: 'ignore', label: 'Wide' });
    // 8005: its range names a label but no action: the action comes from the wider range.
    assert.deepEqual(resolveAutoForward(8005, settings, true), { action: 'ignore', label: 'Dev servers' });
    assert.deepEqual(resolveAutoForward(8000, settings, true), { action: 'openBrowser', label: 'Dev servers' });
  });

  it('only offers (notify) what would be forwarded unasked while forwards are not loopback-only', () => {
    const settings = autoForwardSettingsFrom(
      reader({ 'sandboxes.ports.onAutoForward': 'openBrowser', 'sandboxes.ports.attributes': { '9000': { onAutoForward: 'silent' }, '22': { onAutoForward: 'ignore' } } }),
    );
    assert.deepEqual(resolveAutoForward(8000, settings, false), { action: 'notify', label: undefined, lowered: 'openBrowser' });
    assert.deepEqual(resolveAutoForward(9000, settings, false), { action: 'notify', label: undefined, lowered: 'silent' });
    assert.deepEqual(resolveAutoForward(22, settings, false), { action: 'ignore', label: undefined });
  });

  it('names entries it does not understand and ignores only those', () => {
    const settings = autoForwardSettingsFrom(
      reader({
        'sandboxes.ports.onAutoForward': 'always',
        'sandboxes.ports.attributes': {
          web: { onAutoForward: 'notify' },
          '70000': {},
          '9-3': {},
          '8000': { onAutoForward: 'popup' },
          '8080': 'ignore',
          '3000': { onAutoForward: 'ignore' },
        },
      }),
    );
    assert.equal(settings.defaultAction, 'notify');
    assert.equal(settings.problems.length, 6, settings.problems.join('\n'));
    assert.match(settings.problems[0], /"always".*notify, openBrowser, silent, ignore/);
    assert.deepEqual(resolveAutoForward(3000, settings, true).action, 'ignore');
    assert.deepEqual(resolveAutoForward(8000, settings, true).action, 'notify');
    assert.deepEqual(autoForwardSettingsFrom(reader({ 'sandboxes.ports.attributes': [1] })).problems.length, 1);
  });
});

describe('AnnouncementBudget', () => {
  it('lets a sandbox announce 3 ports a minute, each sandbox on its own', () => {
    const budget = new AnnouncementBudget();
    const t = 1_000_000;
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => budget.take('a', t + i)),
      [true, true, true, false, false],
    );
    assert.equal(budget.take('b', t), true);
    assert.equal(budget.take('a', t + 59_999), false);
    assert.equal(budget.take('a', t + 60_001), true);
    budget.forget('a');
    assert.equal(budget.take('a', t + 60_002), true);
  });
});
