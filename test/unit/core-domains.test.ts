import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SandboxError } from '../../src/core';
import { domainAllowed, normaliseHost, parseDomainEntry, validateDomainAllowlist, type DomainEntry } from '../../src/core/network/domains';

function parsed(entry: string): DomainEntry {
  const result = parseDomainEntry(entry);
  assert.equal(typeof result, 'object', `${entry}: ${String(result)}`);
  return result as DomainEntry;
}

function problem(entry: string): string {
  const result = parseDomainEntry(entry);
  assert.equal(typeof result, 'string', `${entry} should be refused, got ${JSON.stringify(result)}`);
  return result as string;
}

describe('parseDomainEntry: accepted forms, normalised', () => {
  it('a name: that name on 80 and 443', () => {
    assert.deepEqual(parsed('pkgindex.test'), { entry: 'pkgindex.test', name: 'pkgindex.test', wildcard: false, ports: [80, 443] });
  });
  it('*.name: the names below it, not the name itself', () => {
    assert.deepEqual(parsed('*.example.com'), { entry: '*.example.com', name: 'example.com', wildcard: true, ports: [80, 443] });
  });
  it('name:port: that port only', () => {
    assert.deepEqual(parsed('example.com:8443'), { entry: 'example.com:8443', name: 'example.com', wildcard: false, ports: [8443] });
    assert.deepEqual(parsed('*.example.com:22').ports, [22]);
    assert.deepEqual(parsed('example.com:443').ports, [443]);
  });
  it('lower case, surrounding spaces trimmed', () => {
    assert.equal(parsed('  Files.PkgFiles.TEST ').entry, 'files.pkgfiles.test');
  });
  it('international names in punycode, as DNS, SNI and Host carry them', () => {
    assert.equal(parsed('bücher.example').entry, 'xn--bcher-kva.example');
    assert.equal(parsed('*.Bücher.example:8443').entry, '*.xn--bcher-kva.example:8443');
    assert.equal(parsed('xn--bcher-kva.example').entry, 'xn--bcher-kva.example');
    assert.equal(parsed('例え.テスト').entry, 'xn--r8jz45g.xn--zckzah');
  });
  it('single-label names (a Docker network alias) and names at the length limits', () => {
    assert.equal(parsed('registry').entry, 'registry');
    const label63 = 'a'.repeat(63);
    const name253 = [label63, label63, label63, 'b'.repeat(61)].join('.');
    assert.equal(name253.length, 253);
    assert.equal(parsed(name253).entry, name253);
    assert.equal(parsed('x-1.y2.example').entry, 'x-1.y2.example');
  });
});

describe('parseDomainEntry: each mistake named, with a suggestion where one is obvious', () => {
  it('URLs', () => {
    assert.equal(problem('https://pkgindex.test/simple'), 'is a URL; did you mean pkgindex.test?');
    assert.equal(problem('http://Example.com'), 'is a URL; did you mean example.com?');
    assert.equal(problem('https://example.com:8443/x'), 'is a URL; did you mean example.com:8443?');
    assert.equal(problem('https://example.com:443/'), 'is a URL; did you mean example.com?');
    assert.match(problem('ftp://'), /^is a URL; write only the host name/);
  });
  it('paths, queries, user names', () => {
    assert.equal(problem('pkgindex.test/simple'), 'has a path ("/simple"); did you mean pkgindex.test?');
    assert.equal(problem('example.com?x=1'), 'has a path ("?x=1"); did you mean example.com?');
    assert.equal(problem('git@github.com'), 'has a user name ("git@"); did you mean github.com?');
  });
  it('addresses and networks belong in the CIDR allowlist', () => {
    for (const entry of ['192.0.2.7', '192.0.2.7:443', '2001:db8::1', '[2001:db8::1]:443', '::1']) {
      assert.match(problem(entry), /CIDR allowlist/, entry);
    }
    assert.match(problem('10.0.0.0/8'), /is a CIDR;.*CIDR allowlist/);
    assert.match(problem('1.2.3'), /IP address/, 'an all-digit last label is an address to resolvers and URL parsers');
    assert.match(problem('example.123'), /IP address/);
  });
  it('wildcards anywhere but as the whole first label', () => {
    assert.match(problem('*'), /every name; use open mode/);
    assert.match(problem('*.'), /"\*\." without a domain; write e.g\. \*\.example\.com/);
    assert.match(problem('*foo.com'), /did you mean \*\.foo\.com\?/);
    assert.match(problem('foo.*.com'), /only stand as the whole first label/);
    assert.match(problem('*.*.example.com'), /only stand as the whole first label/);
    assert.match(problem('*.com'), /every name under the top-level domain "com"/);
  });
  it('dots: trailing, leading, empty labels', () => {
    assert.equal(problem('example.com.'), 'ends with a dot; did you mean example.com?');
    assert.equal(problem('*.example.com.'), 'ends with a dot; did you mean *.example.com?');
    assert.equal(problem('.example.com'), 'starts with a dot; did you mean *.example.com (the names below example.com) or example.com (that name)?');
    assert.equal(problem('foo..com'), 'has an empty label (".."); did you mean foo.com?');
  });
  it('lengths: a label over 63, a name over 253', () => {
    assert.match(problem(`${'a'.repeat(64)}.example.com`), /label of 64 characters.*at most 63/);
    const name255 = ['a'.repeat(63), 'a'.repeat(63), 'a'.repeat(63), 'a'.repeat(63)].join('.');
    assert.match(problem(name255), /is 255 characters long; DNS names have at most 253/);
    assert.match(problem(`*.${['a'.repeat(63), 'a'.repeat(63), 'a'.repeat(63), 'b'.repeat(61)].join('.')}`), /at most 253.*room/);
  });
  it('characters host names cannot contain', () => {
    assert.match(problem('my_host.example.com'), /contains "_"/);
    assert.match(problem('exa%41mple.com'), /contains "%"/);
    assert.match(problem('a b.com'), /contains a space/);
    assert.match(problem('-foo.example.com'), /label "-foo".*starts or ends with "-"/);
    assert.match(problem('foo-.example.com'), /starts or ends with "-"/);
    assert.match(problem('xn--zz.com'), /not a valid international domain name/);
  });
  it('empty, and bad ports', () => {
    assert.equal(problem(''), 'is empty');
    assert.equal(problem('   '), 'is empty');
    for (const entry of ['example.com:0', 'example.com:65536', 'example.com:', 'example.com:https', 'example.com:-1']) {
      assert.match(problem(entry), /invalid port/, entry);
    }
    assert.match(problem(':443'), /port but no name/);
  });
});

describe('validateDomainAllowlist', () => {
  it('names every bad entry at once and applies nothing', () => {
    assert.throws(
      () => validateDomainAllowlist(['pkgindex.test', 'https://pkgindex.test/simple', '*foo.com', 3, '192.0.2.1']),
      (error: unknown) => {
        assert.ok(error instanceof SandboxError && error.code === 'INVALID_POLICY');
        assert.match(error.message, /domainAllowlist\[1\] "https:\/\/pkgindex\.test\/simple" is a URL; did you mean pkgindex\.test\?/);
        assert.match(error.message, /domainAllowlist\[2\] "\*foo\.com" .*\*\.foo\.com/);
        assert.match(error.message, /domainAllowlist\[3\] must be a string/);
        assert.match(error.message, /domainAllowlist\[4\] "192\.0\.2\.1" .*CIDR allowlist/);
        assert.doesNotMatch(error.message, /domainAllowlist\[0\]/);
        assert.match(error.message, /Nothing was applied/);
        assert.match(error.fix, /\*\.example\.com/);
        return true;
      },
    );
  });
  it('uses the given source in messages (a setting, a form field)', () => {
    assert.throws(() => validateDomainAllowlist(['a_b.com'], 'sandboxes.network.domainAllowlist'), /sandboxes\.network\.domainAllowlist\[0\] "a_b\.com"/);
    assert.throws(() => validateDomainAllowlist('pkgindex.test'), /domainAllowlist must be an array/);
  });
  it('normalises and removes duplicates, keeping the first order', () => {
    assert.deepEqual(validateDomainAllowlist(['PkgIndex.TEST', 'pkgindex.test', '*.Example.com', 'bücher.example', 'xn--bcher-kva.example']), [
      'pkgindex.test',
      '*.example.com',
      'xn--bcher-kva.example',
    ]);
    assert.deepEqual(validateDomainAllowlist(undefined), []);
    assert.deepEqual(validateDomainAllowlist([]), []);
  });
});

describe('normaliseHost', () => {
  it('normalises what SNI, Host and DNS questions carry', () => {
    assert.equal(normaliseHost('PkgIndex.TEST'), 'pkgindex.test');
    assert.equal(normaliseHost('pkgindex.test.'), 'pkgindex.test');
    assert.equal(normaliseHost('bücher.example'), 'xn--bcher-kva.example');
    assert.equal(normaliseHost('_acme-challenge.example.com'), '_acme-challenge.example.com');
  });
  it('refuses what is not a name', () => {
    for (const host of ['', '.', '192.0.2.1', '::1', 'a..b', '*.example.com', 'example.com:443', 'exa mple.com', 'a%2e.com', `${'a'.repeat(64)}.com`, '1.2.3']) {
      assert.equal(normaliseHost(host), null, host);
    }
  });
});

describe('domainAllowed', () => {
  const list = validateDomainAllowlist(['pkgindex.test', '*.example.com', 'git.example.org:22', 'bücher.example']);
  it('a name matches itself on 80 and 443 only', () => {
    assert.equal(domainAllowed(list, 'pkgindex.test', 443), true);
    assert.equal(domainAllowed(list, 'PKGINDEX.TEST.', 80), true);
    assert.equal(domainAllowed(list, 'pkgindex.test', 8443), false);
    assert.equal(domainAllowed(list, 'files.pkgindex.test', 443), false, 'a name entry does not cover its subdomains');
    assert.equal(domainAllowed(list, 'evilpkgindex.test', 443), false);
    assert.equal(domainAllowed(list, 'pkgindex.test.evil.test', 443), false);
  });
  it('*. matches subdomains at any depth, never the apex or look-alikes', () => {
    assert.equal(domainAllowed(list, 'a.example.com', 443), true);
    assert.equal(domainAllowed(list, 'a.b.example.com', 80), true);
    assert.equal(domainAllowed(list, 'example.com', 443), false);
    assert.equal(domainAllowed(list, 'badexample.com', 443), false);
    assert.equal(domainAllowed(list, '.example.com', 443), false);
  });
  it('name:port allows that port only', () => {
    assert.equal(domainAllowed(list, 'git.example.org', 22), true);
    assert.equal(domainAllowed(list, 'git.example.org', 443), false);
  });
  it('international names match in either form; addresses and junk never match', () => {
    assert.equal(domainAllowed(list, 'xn--bcher-kva.example', 443), true);
    assert.equal(domainAllowed(list, 'BÜCHER.example', 443), true);
    for (const host of ['', '192.0.2.1', '::1', '*.example.com', 'a.example.com:443']) assert.equal(domainAllowed(list, host, 443), false, host);
  });
  it('without a port: whether the name is allowed on any port (for DNS answers)', () => {
    assert.equal(domainAllowed(list, 'git.example.org'), true);
    assert.equal(domainAllowed(list, 'nothing.test'), false);
  });
  it('entries that do not parse match nothing (a bad list can only refuse more)', () => {
    assert.equal(domainAllowed(['https://pkgindex.test/', '*'], 'pkgindex.test', 443), false);
  });
});
