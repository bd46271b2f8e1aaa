/**
 * Ordering network policies by what they allow, and the CIDR set arithmetic under it; and which
 * running sandboxes could have written the workspace settings. The live re-apply uses these to
 * apply tightening at once and hold back loosening that a sandbox may have written itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cidrWithinList, intersectAllowlists, parseCidrRange, rangeContains } from '../../src/vscode/network/cidrRanges';
import { atLeastAsStrict, planReapply, policyKey, strictestOf } from '../../src/vscode/network/policyOrder';
import { isInside, sandboxesThatCanWrite, type ListedContainer } from '../../src/vscode/network/settingsWriters';

const open = { blockNetwork: false, cidrAllowlist: [] };
const blocked = { blockNetwork: true, cidrAllowlist: [] };
const list = (...cidrs: string[]) => ({ blockNetwork: false, cidrAllowlist: cidrs });

describe('CIDR ranges', () => {
  it('parses normalised IPv4 and IPv6 entries', () => {
    assert.deepEqual(parseCidrRange('10.0.0.0/8'), { family: 4, network: 10n << 24n, prefix: 8 });
    assert.deepEqual(parseCidrRange('::1/128'), { family: 6, network: 1n, prefix: 128 });
    assert.deepEqual(parseCidrRange('fd00::/8'), { family: 6, network: 0xfdn << 120n, prefix: 8 });
    assert.deepEqual(parseCidrRange('2001:db8::ffff:192.0.2.1/128')?.network, (0x20010db8n << 96n) | (0xffffn << 32n) | 0xc0000201n);
    for (const bad of ['10.0.0.0', '10.0.0/8', '10.0.0.0/33', '1:2:3:4:5:6:7:8:9/64', '1::2::3/64', 'x::/8', '::/129']) assert.equal(parseCidrRange(bad), undefined, bad);
  });

  it('contains nested ranges of the same family only', () => {
    const r = (cidr: string) => parseCidrRange(cidr)!;
    assert.ok(rangeContains(r('10.0.0.0/8'), r('10.20.0.0/16')));
    assert.ok(rangeContains(r('10.0.0.0/8'), r('10.0.0.0/8')));
    assert.ok(!rangeContains(r('10.20.0.0/16'), r('10.0.0.0/8')));
    assert.ok(!rangeContains(r('10.0.0.0/8'), r('11.0.0.0/8')));
    assert.ok(rangeContains(r('0.0.0.0/0'), r('192.0.2.7/32')));
    assert.ok(!rangeContains(r('::/0'), r('192.0.2.7/32')), 'IPv6 does not contain IPv4');
    assert.ok(rangeContains(r('2001:db8::/32'), r('2001:db8:1::/48')));
    assert.ok(cidrWithinList('10.0.0.53/32', ['192.0.2.0/24', '10.0.0.0/8']));
    assert.ok(!cidrWithinList('10.0.0.53/32', ['192.0.2.0/24']));
  });

  it('intersects lists: the smaller of each nested pair, nothing for disjoint ones', () => {
    assert.deepEqual(intersectAllowlists(['10.0.0.0/8', '192.0.2.0/24'], ['10.20.0.0/16', '198.51.100.0/24']), ['10.20.0.0/16']);
    assert.deepEqual(intersectAllowlists(['10.1.0.0/16'], ['10.0.0.0/8']), ['10.1.0.0/16']);
    assert.deepEqual(intersectAllowlists(['192.0.2.0/24'], ['198.51.100.0/24']), []);
  });
});

describe('network policies ordered by what they allow', () => {
  it('blocked is the strictest, open the loosest, an allowlist in between', () => {
    assert.ok(atLeastAsStrict(blocked, open));
    assert.ok(atLeastAsStrict(blocked, list('10.0.0.0/8')));
    assert.ok(atLeastAsStrict(list('10.0.0.0/8'), open));
    assert.ok(!atLeastAsStrict(open, blocked));
    assert.ok(!atLeastAsStrict(open, list('10.0.0.0/8')));
    assert.ok(!atLeastAsStrict(list('10.0.0.0/8'), blocked));
    assert.ok(atLeastAsStrict({ blockNetwork: true, cidrAllowlist: ['10.0.0.0/8'] }, blocked), 'blocking wins over a kept list');
  });

  it('an allowlist is stricter when each entry lies inside the other', () => {
    assert.ok(atLeastAsStrict(list('10.20.0.0/16', '10.0.0.53/32'), list('10.0.0.0/8')));
    assert.ok(!atLeastAsStrict(list('10.0.0.0/8'), list('10.20.0.0/16')));
    assert.ok(!atLeastAsStrict(list('10.20.0.0/16', '192.0.2.0/24'), list('10.0.0.0/8')));
  });

  it('the strictest of two is what both allow; nothing in common is blocked, not open', () => {
    assert.deepEqual(strictestOf(blocked, open), blocked);
    assert.deepEqual(strictestOf(open, list('10.0.0.0/8')), list('10.0.0.0/8'));
    assert.deepEqual(strictestOf(list('10.0.0.0/8', '192.0.2.0/24'), list('10.20.0.0/16', '198.51.100.0/24')), list('10.20.0.0/16'));
    assert.deepEqual(strictestOf(list('192.0.2.0/24'), list('198.51.100.0/24')), blocked);
  });

  it('re-applying: stricter at once; wider at once only when no sandbox could have written it', () => {
    // The finding: a read-write sandbox rewrote blockNetwork to false while the workspace had it on.
    assert.deepEqual(planReapply(blocked, open, true), { target: blocked, held: true });
    assert.deepEqual(planReapply(blocked, open, false), { target: open, held: false });
    assert.deepEqual(planReapply(open, blocked, true), { target: blocked, held: false });
    assert.deepEqual(planReapply(list('10.0.0.0/8'), list('10.20.0.0/16'), true), { target: list('10.20.0.0/16'), held: false });
    // Partly wider, partly narrower: the narrower part at once, the rest held.
    assert.deepEqual(planReapply(list('10.0.0.0/8', '192.0.2.0/24'), list('10.20.0.0/16', '198.51.100.0/24'), true), { target: list('10.20.0.0/16'), held: true });
    assert.deepEqual(planReapply(list('192.0.2.0/24'), open, true), { target: list('192.0.2.0/24'), held: true });
  });

  it('keys policies by what they allow', () => {
    assert.equal(policyKey({ blockNetwork: true, cidrAllowlist: ['10.0.0.0/8'] }), policyKey(blocked));
    assert.equal(policyKey(list('10.0.0.0/8', '192.0.2.0/24')), policyKey(list('192.0.2.0/24', '10.0.0.0/8')));
    assert.notEqual(policyKey(open), policyKey(blocked));
  });
});

describe('sandboxes that can write the workspace settings', () => {
  const files = ['/home/me/proj/.vscode/settings.json', '/home/me/multi.code-workspace'];
  const sandbox = (name: string, mounts: ListedContainer['mounts'], state = 'running'): ListedContainer => ({ name, state, mounts });

  it('a bind mount of the folder, a parent or .vscode itself', () => {
    const writers = sandboxesThatCanWrite(
      [
        sandbox('folder', [{ type: 'bind', source: '/home/me/proj' }]),
        sandbox('parent', [{ type: 'bind', source: '/home/me/' }]),
        sandbox('dotvscode', [{ type: 'bind', source: '/home/me/proj/.vscode' }]),
        sandbox('root', [{ type: 'bind', source: '/' }]),
      ],
      files,
    );
    assert.deepEqual(
      writers.map((w) => w.name),
      ['folder', 'parent', 'dotvscode', 'root'],
    );
    assert.equal(writers[1]?.file, files[0]);
  });

  it('not a copy, a read-only volume, a sibling or a subfolder without the settings, nor a stopped sandbox', () => {
    const writers = sandboxesThatCanWrite(
      [
        sandbox('copy', []),
        sandbox('readonly', [{ type: 'volume', source: '/var/lib/docker/volumes/x/_data' }]),
        sandbox('sibling', [{ type: 'bind', source: '/home/me/proj2' }]),
        sandbox('src', [{ type: 'bind', source: '/home/me/proj/src' }]),
        sandbox('stopped', [{ type: 'bind', source: '/home/me/proj' }], 'exited'),
      ],
      files,
    );
    assert.deepEqual(writers, []);
  });

  it('a sandbox being created counts: it is about to run', () => {
    assert.equal(sandboxesThatCanWrite([sandbox('new', [{ type: 'bind', source: '/home/me' }], 'created')], files).length, 1);
  });

  it('compares whole path segments', () => {
    assert.ok(isInside('/a/b/c', '/a/b'));
    assert.ok(isInside('/a/b', '/a/b/'));
    assert.ok(!isInside('/a/bc', '/a/b'));
    assert.ok(isInside('/a/b/../b/c', '/a/b'));
    assert.ok(!isInside('relative/b', '/'));
  });
});
