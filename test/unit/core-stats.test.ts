import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statsFromDocker } from '../../src/core/stats';

describe('statsFromDocker', () => {
  const sample = {
    read: '2026-01-01T12:00:01Z',
    cpu_stats: { cpu_usage: { total_usage: 1_500_000_000 }, system_cpu_usage: 20_000_000_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 18_000_000_000, online_cpus: 2 },
    memory_stats: { usage: 60_000_000, limit: 268_435_456, stats: { total_inactive_file: 10_000_000 } },
  };

  it('computes CPU and memory as docker stats does', () => {
    // 0.5 s of CPU over 2 s of two CPUs' system time = 25 % of the machine = 50 % of one core.
    assert.deepEqual(statsFromDocker(sample), { at: new Date('2026-01-01T12:00:01Z'), cpuPercent: 50, memoryBytes: 50_000_000, memoryLimitBytes: 268_435_456 });
  });

  it('reads cgroup v2 cache, and reports 0 % CPU for a first sample', () => {
    const first = statsFromDocker({ ...sample, precpu_stats: {}, memory_stats: { usage: 100, limit: 1000, stats: { inactive_file: 40 } } });
    assert.equal(first?.cpuPercent, 0);
    assert.equal(first?.memoryBytes, 60);
  });

  it('has no sample for a container that is not running', () => {
    assert.equal(statsFromDocker({ read: '0001-01-01T00:00:00Z' }), undefined);
  });
});
