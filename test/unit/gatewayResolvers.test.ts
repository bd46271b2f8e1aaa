import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowArgsFrom } from '../../src/vscode/commands/commandArgs';
import { gatewayResolversFrom } from '../../src/vscode/network/gatewayResolvers';
import { SettingKeys } from '../../src/shared/settingKeys';

const reader = (value: unknown) => ({ get: (key: string) => (key === SettingKeys.gatewayResolvers ? value : undefined) });

describe('sandboxes.network.gatewayResolvers', () => {
  it('unset or empty: the gateway keeps its own resolver', () => {
    assert.deepEqual(gatewayResolversFrom(reader(undefined)), { resolvers: undefined });
    assert.deepEqual(gatewayResolversFrom(reader([])), { resolvers: undefined });
  });

  it('addresses are normalised and de-duplicated', () => {
    assert.deepEqual(gatewayResolversFrom(reader([' 198.51.100.53 ', '2001:DB8::53', '198.51.100.53'])), { resolvers: ['198.51.100.53', '2001:db8::53'] });
  });

  it('names, ports, loopback and other types are left out, and the warning names each', () => {
    const { resolvers, problem } = gatewayResolversFrom(reader(['192.0.2.53', 'dns.example.com', '192.0.2.1:53', '127.0.0.1', 7]));
    assert.deepEqual(resolvers, ['192.0.2.53']);
    assert.match(problem?.message ?? '', /"dns\.example\.com", "192\.0\.2\.1:53", "127\.0\.0\.1", 7/);
    assert.match(problem?.message ?? '', /asks only 192\.0\.2\.53/);
    assert.deepEqual(problem?.settingKeys, [SettingKeys.gatewayResolvers]);
  });

  it('nothing usable: its own resolver, with a warning', () => {
    const { resolvers, problem } = gatewayResolversFrom(reader('192.0.2.53 192.0.2.54'));
    assert.equal(resolvers, undefined);
    assert.match(problem?.message ?? '', /its own resolver/);
  });
});

describe('sandboxes.allowRefusedName arguments', () => {
  it('takes { sandboxId, entry, scope }', () => {
    assert.deepEqual(allowArgsFrom({ sandboxId: 'sb-1', entry: ' other.test ', scope: 'sandbox' }), { sandboxId: 'sb-1', entry: 'other.test', scope: 'sandbox' });
    assert.equal(allowArgsFrom({ sandboxId: 'sb-1', entry: 'a.test', scope: 'workspace' }).scope, 'workspace');
  });

  it('refuses anything else, naming what it got', () => {
    for (const bad of [
      undefined,
      'sb-1',
      { sandboxId: 'sb-1', entry: 'a.test' },
      { sandboxId: 'sb-1', entry: '', scope: 'sandbox' },
      { sandboxId: 'sb-1', entry: 'a.test', scope: 'user' },
    ]) {
      assert.throws(() => allowArgsFrom(bad), TypeError);
    }
  });
});
