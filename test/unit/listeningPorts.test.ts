import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newlyListening, parseListeningPorts } from '../../src/core/tunnels/listeningPorts';
import { PortWatcher, type PortWatchEvent } from '../../src/core/tunnels/portWatcher';

// Read from a runsc (--network=host) sandbox's namespace on the host: python3 -m http.server 8000,
// the same bound to 127.0.0.1:8001, a socket on [::]:9000, and Docker's DNS on 127.0.0.11.
const HOST_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4488469 1 00000000040ed374 100 0 0 10 0
   1: 0B00007F:A20D 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4488298 1 00000000496b9b5b 100 0 0 10 0
   2: 0100007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4488464 1 00000000cdd59dc7 100 0 0 10 0
   3: 0200A8C0:1F40 0300A8C0:D431 01 00000000:00000000 00:00000000 00000000     0        0 4488470 1 00000000040ed374 100 0 0 10 0
`;
const HOST_TCP6 = `   sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4488463 1 000000001437cdf3 100 0 0 10 0
   1: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4488465 1 000000001437cdf3 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:0FA0 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4488466 1 000000001437cdf3 100 0 0 10 0
`;
// The same sandbox's ports as gVisor's own /proc/net/tcp shows them (other trailing columns).
const GVISOR_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   6: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0        7 2 0000000000000000 0 0 0 0 -1
   1: 0100007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0        2 2 0000000000000000 0 0 0 0 -1
`;

describe('parseListeningPorts', () => {
  it('finds listeners in tcp and tcp6, skips connections and Docker DNS, marks loopback-only ports', () => {
    assert.deepEqual(parseListeningPorts(`${HOST_TCP}\n${HOST_TCP6}`), [
      { port: 3000, loopbackOnly: true }, // [::1]:3000
      { port: 4000, loopbackOnly: true }, // [::ffff:127.0.0.1]:4000
      { port: 8000, loopbackOnly: false },
      { port: 8001, loopbackOnly: true },
      { port: 9000, loopbackOnly: false },
    ]);
  });

  it("reads gVisor's format the same way", () => {
    assert.deepEqual(parseListeningPorts(GVISOR_TCP), [
      { port: 8000, loopbackOnly: false },
      { port: 8001, loopbackOnly: true },
    ]);
  });

  it('a port with a loopback and a wildcard listener is reachable', () => {
    const text = `   0: 0100007F:1F40 00000000:0000 0A 0 0 0 0 0 1\n   1: 00000000:1F40 00000000:0000 0A 0 0 0 0 0 2\n`;
    assert.deepEqual(parseListeningPorts(text), [{ port: 8000, loopbackOnly: false }]);
  });

  it('ignores garbage, headers, truncated lines and an empty text', () => {
    assert.deepEqual(parseListeningPorts(''), []);
    assert.deepEqual(parseListeningPorts('cat: /proc/net/tcp6: No such file or directory\n   0: 00000000:1F'), []);
    assert.deepEqual(parseListeningPorts('   0: 00000000:0000 00000000:0000 0A'), []);
  });
});

describe('newlyListening', () => {
  it('reports new ports and ports that stopped being loopback-only', () => {
    const before = [
      { port: 8000, loopbackOnly: false },
      { port: 3000, loopbackOnly: true },
    ];
    const now = [
      { port: 8000, loopbackOnly: false },
      { port: 3000, loopbackOnly: false },
      { port: 5000, loopbackOnly: true },
    ];
    assert.deepEqual(newlyListening(before, now), [
      { port: 3000, loopbackOnly: false },
      { port: 5000, loopbackOnly: true },
    ]);
    assert.deepEqual(newlyListening(now, before), []);
  });
});

describe('PortWatcher', () => {
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(what());
  };

  it('reports the first scan as initial, then only changes; stops when told', async () => {
    let ports = [{ port: 8000, loopbackOnly: false }];
    let scans = 0;
    const events: PortWatchEvent[] = [];
    const watch = new PortWatcher(
      async () => (scans++, ports),
      async () => true,
      (e) => events.push(e),
      { intervalMs: 5 },
    );
    await watch.ready;
    await until(() => scans >= 3);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0], { kind: 'ports', ports, added: ports, initial: true });
    ports = [...ports, { port: 9000, loopbackOnly: false }];
    await until(() => events.length === 2);
    assert.deepEqual(events[1], { kind: 'ports', ports, added: [{ port: 9000, loopbackOnly: false }], initial: false });
    ports = [{ port: 9000, loopbackOnly: false }];
    await until(() => events.length === 3); // a port gone is a change, with nothing added
    assert.deepEqual((events[2] as { added: unknown[] }).added, []);
    watch.stop();
    const after = scans;
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(scans <= after + 1, 'no scans after stop()');
  });

  it('backs off after failures, reports the first one, and ends when the sandbox has ended', async () => {
    let running = true;
    let scans = 0;
    const events: PortWatchEvent[] = [];
    const watch = new PortWatcher(
      async () => (scans++, Promise.reject(new Error('exec failed'))),
      async () => running,
      (e) => events.push(e),
      { intervalMs: 5, maxBackoffMs: 40 },
    );
    await watch.ready;
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(
      events.map((e) => e.kind),
      ['error'],
      'one error event for a run of failures',
    );
    assert.ok(scans < 15, `backed off (${scans} scans in 150 ms at a 5 ms interval)`);
    running = false;
    await until(() => events.some((e) => e.kind === 'ended'));
    const after = scans;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(scans, after, 'no scans after the sandbox ended');
  });

  it('scans less often while idle, and refresh() scans now', async () => {
    let scans = 0;
    const watch = new PortWatcher(
      async () => (scans++, []),
      async () => true,
      () => {},
      { intervalMs: 5, idleIntervalMs: 10_000 },
    );
    await watch.ready;
    watch.setIdle(true);
    await new Promise((r) => setTimeout(r, 30)); // at most the one already scheduled
    const idleScans = scans;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(scans, idleScans);
    await watch.refresh();
    assert.equal(scans, idleScans + 1);
    watch.setIdle(false);
    await until(() => scans >= idleScans + 3);
    watch.stop();
  });
});
