/**
 * The limits CpuNearLimit and MemoryNearLimit divide by: a container's cgroup quota and memory limit
 * (v2 and v1 layouts), else the machine's cores and memory, exported as gauges every scrape carries.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { cpuLimitCores, memoryLimitBytes, registerResourceLimitMetrics } from '../src/monitoring/metrics/resource-limits.js';
import { sampleValue, tempDir, testApp } from './helpers/fixtures.js';

describe('resource limits', () => {
  test('the CPU limit is the cgroup quota (v2, then v1), else the machine\'s cores', () => {
    const v2 = tempDir('modelwatch-cgroup-');
    writeFileSync(join(v2, 'cpu.max'), '150000 100000\n');
    assert.equal(cpuLimitCores({ root: v2 }), 1.5);
    writeFileSync(join(v2, 'cpu.max'), 'max 100000\n');
    assert.equal(cpuLimitCores({ root: v2 }), availableParallelism(), 'v2 without a quota');

    const v1 = tempDir('modelwatch-cgroup-');
    mkdirSync(join(v1, 'cpu'));
    writeFileSync(join(v1, 'cpu', 'cpu.cfs_quota_us'), '50000\n');
    writeFileSync(join(v1, 'cpu', 'cpu.cfs_period_us'), '100000\n');
    assert.equal(cpuLimitCores({ root: v1 }), 0.5);
    writeFileSync(join(v1, 'cpu', 'cpu.cfs_quota_us'), '-1\n');
    assert.equal(cpuLimitCores({ root: v1 }), availableParallelism(), 'v1 without a quota');
    assert.equal(cpuLimitCores({ root: join(v1, 'absent') }), availableParallelism(), 'no cgroup files at all');
  });

  test('the memory limit is the cgroup limit when below the machine\'s memory, else the machine\'s', () => {
    assert.equal(memoryLimitBytes(512 * 2 ** 20, 8 * 2 ** 30), 512 * 2 ** 20);
    assert.equal(memoryLimitBytes(2 ** 64, 8 * 2 ** 30), 8 * 2 ** 30, '"unlimited" reads as a huge number');
    assert.equal(memoryLimitBytes(0, 8 * 2 ** 30), 8 * 2 ** 30, 'no constraint known');
    assert.ok(memoryLimitBytes() > 0 && memoryLimitBytes() <= totalmem());
  });

  test('both are exported as gauges', async () => {
    const registry = new Registry();
    registerResourceLimitMetrics(registry, { cpuCores: 2, memoryBytes: 1024 });
    const text = await registry.metrics();
    assert.equal(sampleValue(text, 'ml_app_cpu_limit_cores'), 2);
    assert.equal(sampleValue(text, 'ml_app_memory_limit_bytes'), 1024);
  });

  test('the service\'s /metrics carries both limits, measured (not zero)', async () => {
    const t = await testApp();
    try {
      const res = await t.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      const cpu = sampleValue(res.body, 'ml_app_cpu_limit_cores');
      const memory = sampleValue(res.body, 'ml_app_memory_limit_bytes');
      assert.ok(cpu !== undefined && cpu > 0, `ml_app_cpu_limit_cores ${cpu}`);
      assert.ok(memory !== undefined && memory > 0, `ml_app_memory_limit_bytes ${memory}`);
    } finally {
      await t.app.close();
    }
  });
});
