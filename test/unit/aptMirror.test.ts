import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

// An ES module of the setup scripts (plain node runs them); this test file is CommonJS.
type AptMirror = typeof import('../../scripts/lib/apt-mirror.mjs', { with: { 'resolution-mode': 'import' } });
let parseSources: AptMirror['parseSources'];
let findDebianMirror: AptMirror['findDebianMirror'];
before(async () => {
  ({ parseSources, findDebianMirror } = await import('../../scripts/lib/apt-mirror.mjs'));
});

// Placeholder hosts only (the .invalid and .example names are reserved): the point is that the
// scripts take whatever this machine's APT is configured with.
const DEB822 = `Types: deb
# a snapshot of the archive
URIs: http://source-a.test/pkgs/
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://source-a.test/sec
Suites: bookworm-security
Components: main
`;

describe("the Debian archive the setup scripts use comes from APT's own configuration", () => {
  it('reads deb822 .sources stanzas (comments, several suites, a trailing slash)', () => {
    const entries = parseSources([{ path: '/etc/apt/sources.list.d/debian.sources', text: DEB822 }]);
    assert.deepEqual(entries[0], { uri: 'http://source-a.test/pkgs', suites: ['bookworm', 'bookworm-updates'], components: ['main', 'contrib'] });
    assert.equal(findDebianMirror(entries, 'bookworm'), 'http://source-a.test/pkgs');
  });

  it('reads one-line sources.list entries, with options, skipping deb-src, comments and cdrom', () => {
    const text = [
      '# deb http://commented.invalid/pkgs bookworm main',
      'deb cdrom:[Debian 12]/ bookworm main',
      'deb-src http://src.invalid/pkgs bookworm main',
      'deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] https://source-b.invalid/pkgs bookworm main non-free-firmware',
    ].join('\n');
    const entries = parseSources([{ path: '/etc/apt/sources.list', text }]);
    assert.deepEqual(entries, [{ uri: 'https://source-b.invalid/pkgs', suites: ['bookworm'], components: ['main', 'non-free-firmware'] }]);
  });

  it('skips disabled stanzas, entries without main and other suites', () => {
    const entries = parseSources([
      { path: 'a.sources', text: 'Enabled: no\nTypes: deb\nURIs: http://off.invalid/pkgs\nSuites: bookworm\nComponents: main\n' },
      { path: 'b.list', text: 'deb http://contrib-only.invalid/pkgs bookworm contrib\ndeb http://security.invalid/sec bookworm-security main\n' },
      { path: 'c.list', text: 'deb http://third-party.invalid/apt stable main\n' },
    ]);
    assert.equal(findDebianMirror(entries, 'bookworm'), null);
  });

  it("takes another suite from the archive serving the host's own suite, on Debian only", () => {
    const entries = parseSources([{ path: 'debian.sources', text: DEB822 }]);
    assert.equal(findDebianMirror(entries, 'trixie'), null);
    assert.equal(findDebianMirror(entries, 'trixie', { hostSuite: 'bookworm', hostIsDebian: true }), 'http://source-a.test/pkgs');
    assert.equal(findDebianMirror(entries, 'trixie', { hostSuite: 'bookworm', hostIsDebian: false }), null);
  });
});
