import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NetworkState } from '../../src/core/types';
import { UserFacingError } from '../../src/vscode/errors';
import { asksForAllowlist, changeForChoice, choiceItems, describeOutcome, parseTypedAllowlist, refuseUnenforceable } from '../../src/vscode/network/networkChoices';
import { parseCidr } from '../../src/core/network/policy';
import { describePolicy, summarizeReapplyFailures } from '../../src/vscode/network/networkFormat';
import { SettingKeys } from '../../src/shared/settingKeys';

function state(overrides: Partial<NetworkState> = {}): NetworkState {
  return { mode: 'open', blockNetwork: false, cidrAllowlist: [], followsDefaults: false, enforced: true, forwardedPorts: [], forwards: [], ...overrides };
}
const allowlistSettings = { blockNetwork: false, cidrAllowlist: ['192.0.2.0/24', '10.0.0.53/32'] };
const invalidSettings = new UserFacingError('Setting "sandboxes.network.cidrAllowlist" has an invalid entry: "x".', 'Fix it.', [SettingKeys.cidrAllowlist]);

describe('Set Network Policy… choices', () => {
  it('turns each choice into a policy; only "settings" keeps following the settings', () => {
    assert.deepEqual(changeForChoice('open', allowlistSettings), { policy: { blockNetwork: false, cidrAllowlist: [] }, followsDefaults: false });
    assert.deepEqual(changeForChoice('blocked', allowlistSettings), { policy: { blockNetwork: true, cidrAllowlist: [] }, followsDefaults: false });
    assert.deepEqual(changeForChoice('allowlist', allowlistSettings), { policy: allowlistSettings, followsDefaults: false });
    assert.deepEqual(changeForChoice('settings', { blockNetwork: true, cidrAllowlist: [] }), {
      policy: { blockNetwork: true, cidrAllowlist: [] },
      followsDefaults: true,
    });
  });

  it('needs valid settings for the choices that use them, and a non-empty allowlist', () => {
    assert.throws(
      () => changeForChoice('allowlist', invalidSettings),
      (err) => err === invalidSettings,
    );
    assert.throws(
      () => changeForChoice('settings', invalidSettings),
      (err) => err === invalidSettings,
    );
    assert.deepEqual(changeForChoice('open', invalidSettings).policy, { blockNetwork: false, cidrAllowlist: [] });
    assert.throws(
      () => changeForChoice('allowlist', { blockNetwork: false, cidrAllowlist: [] }),
      (err) => err instanceof UserFacingError && /is empty/.test(err.message) && err.settingKeys[0] === SettingKeys.cidrAllowlist,
    );
  });

  it('refuses, before the engine would stop the sandbox, a policy that cannot be enforced for it', () => {
    const netstack = state({ enforced: false });
    assert.throws(() => refuseUnenforceable(netstack, changeForChoice('blocked', allowlistSettings), 'dev'), /Sandbox "dev" cannot have a blocked network/);
    assert.doesNotThrow(() => refuseUnenforceable(netstack, changeForChoice('open', allowlistSettings), 'dev'));
    assert.doesNotThrow(() => refuseUnenforceable(state(), changeForChoice('blocked', allowlistSettings), 'dev'));
  });

  it('marks the current choice: "settings" for a sandbox that follows them, else its mode', () => {
    const current = (s: NetworkState) =>
      choiceItems(s, allowlistSettings)
        .filter((item) => item.current)
        .map((item) => item.choice);
    assert.deepEqual(current(state({ mode: 'blocked', blockNetwork: true })), ['blocked']);
    assert.deepEqual(current(state({ mode: 'blocked', blockNetwork: true, followsDefaults: true })), ['settings']);
    const items = choiceItems(state({ mode: 'blocked', blockNetwork: true }), allowlistSettings);
    assert.equal(items[1]?.description, 'current · loopback only');
    assert.equal(items[2]?.description, 'only 192.0.2.0/24, 10.0.0.53/32');
    assert.equal(items[3]?.description, 'now allowlist: 192.0.2.0/24, 10.0.0.53/32');
  });

  it('says when the allowlist in force differs from the settings, and when the settings are invalid', () => {
    const items = choiceItems(state({ mode: 'allowlist', cidrAllowlist: ['198.51.100.0/24'] }), allowlistSettings);
    assert.equal(items[2]?.detail, 'Now: 198.51.100.0/24. Choosing it applies the list from the settings.');
    const broken = choiceItems(state(), invalidSettings);
    assert.equal(broken[2]?.description, `${SettingKeys.cidrAllowlist} is invalid`);
    assert.equal(broken[3]?.description, 'the network settings are invalid');
  });

  it('with an empty allowlist setting, the Allowlist row says it asks for the networks; with invalid settings, why it is unavailable', () => {
    const empty = { blockNetwork: false, cidrAllowlist: [] };
    const row = choiceItems(state(), empty)[2];
    assert.equal(row?.description, `type the networks (${SettingKeys.cidrAllowlist} is empty)`);
    assert.match(row?.detail ?? '', /checked as you type/);
    assert.equal(asksForAllowlist('allowlist', empty), true);
    assert.equal(asksForAllowlist('allowlist', allowlistSettings), false);
    assert.equal(asksForAllowlist('allowlist', invalidSettings), false);
    assert.equal(asksForAllowlist('blocked', empty), false);
    const broken = choiceItems(state(), invalidSettings)[2];
    assert.match(broken?.detail ?? '', /^Not available: Setting "sandboxes\.network\.cidrAllowlist" has an invalid entry/);
    // Typed networks make the sandbox's own allowlist.
    assert.deepEqual(changeForChoice('allowlist', empty, ['10.0.0.0/8']), { policy: { blockNetwork: false, cidrAllowlist: ['10.0.0.0/8'] }, followsDefaults: false });
  });

  it('checks typed networks with the same words as the form, suggestion included', () => {
    assert.deepEqual(parseTypedAllowlist(' 10.0.0.0/8, 192.0.2.7  fd00::/8 ', parseCidr), { cidrs: ['10.0.0.0/8', '192.0.2.7/32', 'fd00::/8'] });
    assert.deepEqual(parseTypedAllowlist('10.0.0.0/8, 10.0.0.0/8', parseCidr), { cidrs: ['10.0.0.0/8'] });
    assert.match(String(parseTypedAllowlist('10.0.0.1/8', parseCidr)), /"10\.0\.0\.1\/8" has host bits set; did you mean 10\.0\.0\.0\/8\?/);
    assert.match(String(parseTypedAllowlist('10.1', parseCidr)), /"10\.1" is not an IPv4 or IPv6 address or CIDR/);
    assert.match(String(parseTypedAllowlist('  ', parseCidr)), /at least one network/);
  });

  it('describes the outcome', () => {
    assert.equal(describeOutcome('dev', state({ mode: 'blocked', blockNetwork: true })), 'Sandbox "dev": network is now blocked (loopback only).');
    assert.equal(
      describeOutcome('dev', state({ mode: 'allowlist', cidrAllowlist: ['10.0.0.0/8'], followsDefaults: true })),
      'Sandbox "dev" now follows the workspace network settings: allowlist: 10.0.0.0/8.',
    );
    assert.equal(describePolicy({ blockNetwork: false, cidrAllowlist: [] }), 'open (outbound to public addresses only)');
  });
});

describe('re-apply failures', () => {
  it("names the sandboxes and the engine's reasons, and says the engine failed closed", () => {
    const one = summarizeReapplyFailures({ blockNetwork: true, cidrAllowlist: [] }, [{ name: 'a', message: 'iptables failed. It now has no network (blocked).' }], 3);
    assert.equal(
      one,
      'The workspace network settings (blocked (loopback only)) could not be applied to sandbox "a". iptables failed. It now has no network (blocked). ' +
        'The engine fails closed: a sandbox whose new policy cannot be applied is left with no network, or stopped when even that fails; it never keeps the old one.',
    );
    const two = summarizeReapplyFailures(
      { blockNetwork: false, cidrAllowlist: ['10.0.0.0/8'] },
      [
        { name: 'a', message: 'x' },
        { name: 'b', message: 'y' },
      ],
      3,
    );
    assert.match(two, /could not be applied to 2 of 3 sandboxes\. "a": x\. "b": y\. The engine fails closed/);
  });
});
