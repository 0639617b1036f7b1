/**
 * The resource-limit family: ml_app_cpu_limit_cores and ml_app_memory_limit_bytes, the CPU and
 * memory this process may use. Usage alone (process_cpu_seconds_total, ml_app_memory_bytes) cannot
 * say "near the limit": a container's limit lives in its cgroup, which Prometheus does not see
 * without cAdvisor or kube-state-metrics. Exporting the limit beside the usage lets one alert rule
 * divide the two on every tier (one host, Compose, Kubernetes) with no other exporter.
 *
 * Where there is no cgroup limit, the limit is the machine's: its cores and its physical memory.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { Gauge, type Registry } from 'prom-client';

/** Reads a file's trimmed text, or undefined when it is absent or unreadable. */
const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** Where the cgroup files are: the unified (v2) hierarchy, else the v1 controllers. */
export interface CgroupPaths {
  readonly root: string;
}

/**
 * CPU cores the process may use: the cgroup quota (v2 `cpu.max`, v1 `cfs_quota_us / cfs_period_us`),
 * else the cores the machine offers.
 *
 * @example cpuLimitCores() // 2 in a container started with --cpus 2
 */
export function cpuLimitCores(paths: CgroupPaths = { root: '/sys/fs/cgroup' }): number {
  const v2 = readText(`${paths.root}/cpu.max`)?.split(/\s+/);
  if (v2 && v2[0] !== 'max' && Number(v2[0]) > 0 && Number(v2[1]) > 0) return Number(v2[0]) / Number(v2[1]);
  const quota = Number(readText(`${paths.root}/cpu/cpu.cfs_quota_us`));
  const period = Number(readText(`${paths.root}/cpu/cpu.cfs_period_us`));
  if (quota > 0 && period > 0) return quota / period;
  return availableParallelism();
}

/**
 * Bytes of memory the process may use: the cgroup limit (what Node's `process.constrainedMemory()`
 * reads, v1 or v2), else the machine's physical memory. An "unlimited" cgroup reports a huge number,
 * so anything at or above the machine's memory counts as no limit.
 *
 * @example memoryLimitBytes() // 536870912 in a container started with --memory 512m
 */
export function memoryLimitBytes(constrained: number = process.constrainedMemory?.() ?? 0, physical: number = totalmem()): number {
  return constrained > 0 && constrained < physical ? constrained : physical;
}

/**
 * Registers the two gauges. Limits are read once: a process's cgroup limits are set when it starts.
 *
 * @example registerResourceLimitMetrics(registry)
 */
export function registerResourceLimitMetrics(registry: Registry, limits: { cpuCores: number; memoryBytes: number } = { cpuCores: cpuLimitCores(), memoryBytes: memoryLimitBytes() }): void {
  new Gauge({
    name: 'ml_app_cpu_limit_cores',
    help: "CPU cores this process may use: its container's cgroup quota, else the machine's cores.",
    registers: [registry],
  }).set(limits.cpuCores);
  new Gauge({
    name: 'ml_app_memory_limit_bytes',
    help: "Memory this process may use, in bytes: its container's cgroup limit, else the machine's physical memory.",
    registers: [registry],
  }).set(limits.memoryBytes);
}
