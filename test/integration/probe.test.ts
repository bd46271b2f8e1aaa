/**
 * Check Setup's trial sandbox is the engine's own probe, not a user's sandbox (issue #14, bug 5):
 * it showed in the Sandboxes view and the status bar for about a second. Listings leave probes
 * out; Docker still has them, labelled, while the check runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanupAfterFile, client, docker, testSpec } from './helpers';

cleanupAfterFile();

describe('probes', () => {
  const engine = client();

  it("Check Setup's trial sandbox is never listed, and leaves no spare guard for its tags", async () => {
    const seenInDocker = new Set<string>();
    const listed = new Set<string>();
    let done = false;
    const check = engine.checkSetup({ image: testSpec().image }).finally(() => (done = true));
    const deadline = Date.now() + 120_000;
    while (!done && Date.now() < deadline) {
      const [containers, sandboxes] = await Promise.all([
        docker.listContainers({ all: true, filters: { label: ['sandboxes.tag.sandboxes-check=true', 'sandboxes.role=sandbox'] } }),
        engine.list(),
      ]);
      for (const c of containers) seenInDocker.add(c.Labels['sandboxes.id']);
      for (const s of sandboxes) listed.add(s.id);
      await new Promise((r) => setTimeout(r, 50));
    }
    const report = await check;
    assert.ok(report.ok, JSON.stringify(report.items));
    assert.ok(seenInDocker.size > 0, 'the trial sandbox was seen in Docker while the check ran');
    for (const id of seenInDocker) assert.ok(!listed.has(id), `the trial ${id} was listed as a sandbox`);
    const spares = await docker.listContainers({ filters: { label: ['sandboxes.spare=true', 'sandboxes.tag.sandboxes-check=true'] } });
    assert.deepEqual(
      spares.map((c) => c.Names),
      [],
      'no spare guard prepared for probes',
    );
  });

  it('includeProbes lists them for tools that want to see everything', async () => {
    const probe = await engine.create(testSpec({ name: `probe-${process.pid}` }), { probe: true });
    assert.ok(!(await engine.list()).some((s) => s.id === probe.id));
    assert.ok((await engine.list({ includeProbes: true })).some((s) => s.id === probe.id));
    await probe.terminate();
  });
});
