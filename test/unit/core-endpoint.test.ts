import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLocalEngine, resolveEndpoint, unreachable } from '../../src/core/docker';

describe('resolveEndpoint', () => {
  it('prefers the option, then DOCKER_HOST, then the default socket', () => {
    assert.deepEqual(resolveEndpoint('unix:///a.sock', { DOCKER_HOST: 'unix:///b.sock' }).options, { socketPath: '/a.sock' });
    assert.deepEqual(resolveEndpoint(undefined, { DOCKER_HOST: 'unix:///b.sock' }).options, { socketPath: '/b.sock' });
    assert.deepEqual(resolveEndpoint('  ', {}).options, { socketPath: '/var/run/docker.sock' });
    assert.equal(resolveEndpoint(undefined, {}).description, 'unix:///var/run/docker.sock');
  });

  it('understands bare paths, tcp, https and ssh', () => {
    assert.deepEqual(resolveEndpoint('/run/user/1000/docker.sock', {}).options, { socketPath: '/run/user/1000/docker.sock' });
    assert.deepEqual(resolveEndpoint('tcp://127.0.0.1:2375', {}).options, { host: '127.0.0.1', port: 2375, protocol: 'http' });
    assert.equal(resolveEndpoint('tcp://docker.local', {}).description, 'tcp://docker.local:2375');
    assert.equal(resolveEndpoint('tcp://docker.local', { DOCKER_TLS_VERIFY: '1' }).description, 'https://docker.local:2376');
    const ssh = resolveEndpoint('ssh://me@build-box', {}).ssh;
    assert.deepEqual([ssh?.host, ssh?.username, ssh?.port], ['build-box', 'me', 22]);
  });

  it('ssh endpoints keep their SSH agent inside VS Code: the HTTP request names localhost, and the engine is still remote', () => {
    // VS Code's proxy support (http.proxySupport "override", the default) replaces the agent of
    // every http request to a host other than localhost, so the request went over plain TCP to
    // the SSH port (HPE_INVALID_CONSTANT: "Expected HTTP/"); the SSH agent carries the real host.
    const endpoint = resolveEndpoint('ssh://me@build-box:2222', {});
    assert.equal(endpoint.options.host, 'localhost');
    assert.deepEqual([endpoint.ssh?.host, endpoint.ssh?.port], ['build-box', 2222]);
    assert.equal(isLocalEngine(endpoint), false);
    assert.equal(isLocalEngine(resolveEndpoint('tcp://127.0.0.1:2375', {})), true);
  });

  it('ssh endpoints authenticate with the ssh-agent, as the Docker CLI does', () => {
    // Explicit options used to omit the agent (docker-modem adds it only when it parses
    // DOCKER_HOST itself): every ssh:// endpoint failed with "All configured authentication
    // methods failed", shown against a second dockerd reachable only over SSH.
    assert.equal(resolveEndpoint('ssh://me@build-box', { SSH_AUTH_SOCK: '/tmp/ssh-x/agent.1' }).ssh?.agent, '/tmp/ssh-x/agent.1');
    assert.equal(resolveEndpoint('ssh://me@build-box', {}).ssh?.agent, undefined);
  });

  it('refuses what it cannot use, naming the accepted forms', () => {
    assert.throws(() => resolveEndpoint('ftp://x', {}), /unix:\/\/\/var\/run\/docker\.sock, tcp:\/\/HOST:2375/);
    assert.throws(() => resolveEndpoint('not a url', {}), /not a Docker endpoint/);
  });

  it('explains unreachable engines by cause', () => {
    const endpoint = resolveEndpoint(undefined, {});
    const denied = unreachable(endpoint, Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' }));
    assert.match(denied.message, /EACCES/);
    assert.match(denied.fix, /docker group|usermod/);
    const missing = unreachable(endpoint, Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }));
    assert.match(missing.fix, /setup-host\.sh/);
  });
});
