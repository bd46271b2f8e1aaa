import type { SandboxStats } from './types';

/** The part of Docker's `GET /containers/{id}/stats` answer read here (cgroup v1 and v2). */
export interface DockerStats {
  read?: string;
  cpu_stats?: DockerCpuStats;
  precpu_stats?: DockerCpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

interface DockerCpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/**
 * A stats answer as `docker stats` computes it: CPU from the deltas to the previous sample,
 * memory without reclaimable page cache. `undefined` when Docker has no data (the container
 * is not running: its sample is dated 0001-01-01).
 */
export function statsFromDocker(raw: DockerStats): SandboxStats | undefined {
  if (!raw.read || raw.read.startsWith('0001-')) return undefined;
  const cpu = raw.cpu_stats;
  const previous = raw.precpu_stats;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (previous?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - (previous?.system_cpu_usage ?? 0);
  const cpus = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
  const cpuPercent = previous?.system_cpu_usage && cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const memory = raw.memory_stats ?? {};
  const usage = memory.usage ?? 0;
  // cgroup v1 names the reclaimable cache total_inactive_file, v2 inactive_file.
  const cache = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? 0;
  return { at: new Date(raw.read), cpuPercent, memoryBytes: cache < usage ? usage - cache : usage, memoryLimitBytes: memory.limit ?? 0 };
}
