/** The refusal notifications' pure parts (issue #12): which entry a refusal asks for, the log line, the rate limit. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NetworkEvent } from '../../src/core/types';
import { NAME_QUIET_MS, SANDBOX_QUIET_MS, describeRefusal, entryFor, shouldNotify } from '../../src/vscode/network/refusalText';

const event = (fields: Partial<NetworkEvent>): NetworkEvent => ({
  time: '2026-01-01T00:00:00Z',
  sandbox: 'sb-1',
  protocol: 'tls',
  reason: 'name not on the domain allowlist',
  ...fields,
});

describe('refusal notifications', () => {
  it('offers the name, with its port unless 80 or 443; nothing for refusals a list entry cannot fix', () => {
    assert.equal(entryFor(event({ name: 'example.org', port: 443 })), 'example.org');
    assert.equal(entryFor(event({ name: 'git.example.net', port: 8443 })), 'git.example.net:8443');
    assert.equal(entryFor(event({ name: 'x.test', protocol: 'dns' })), 'x.test');
    assert.equal(entryFor(event({ reason: 'no SNI', port: 443 })), undefined);
    assert.equal(entryFor(event({ name: 'victim.test', reason: 'resolves only to addresses that are not public (10.0.0.1: private)' })), undefined);
  });
  it('logs what, where and why', () => {
    assert.equal(
      describeRefusal('web', event({ name: 'example.org', port: 443, repeats: 3 })),
      'Sandbox web: the egress gateway refused tls example.org:443: name not on the domain allowlist (and 3 more like it).',
    );
  });
  it('notifies once per sandbox per 30 s and once per name per 5 minutes', () => {
    const seen = new Map<string, number>();
    assert.equal(shouldNotify(seen, 'sb-1', 'a.test', 0), true);
    assert.equal(shouldNotify(seen, 'sb-1', 'b.test', 1000), false, 'the same sandbox, too soon');
    assert.equal(shouldNotify(seen, 'sb-2', 'a.test', 1000), true, 'another sandbox');
    assert.equal(shouldNotify(seen, 'sb-1', 'a.test', SANDBOX_QUIET_MS + 1), false, 'the same name, too soon');
    assert.equal(shouldNotify(seen, 'sb-1', 'b.test', SANDBOX_QUIET_MS + 1), true);
    assert.equal(shouldNotify(seen, 'sb-1', 'a.test', NAME_QUIET_MS + 1), true);
  });
});
