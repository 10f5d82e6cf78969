import { mkdtempSync, rmSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../kit/logger.ts';
import { registerDiskMetrics } from './disk-metrics.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'files-disk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const valueOf = async (registry: Registry, name: string) =>
  (await registry.getSingleMetric(name)!.get()).values[0]?.value;

describe('files disk metrics', () => {
  it("reports the free and total bytes of FILES_DIR's filesystem", async () => {
    const registry = new Registry();
    registerDiskMetrics(registry, dir, createLogger({ level: 'silent' }));
    const s = await statfs(dir);
    const size = await valueOf(registry, 'files_dir_size_bytes');
    const free = await valueOf(registry, 'files_dir_free_bytes');
    expect(size).toBe(s.blocks * s.bsize);
    // Other processes write meanwhile: within 1% of what statfs said a moment before.
    expect(Math.abs(free! - s.bavail * s.bsize)).toBeLessThan(size! / 100);
    expect(free).toBeLessThanOrEqual(size!);
  });

  it('reports nothing for a directory that does not exist, rather than a wrong number', async () => {
    const registry = new Registry();
    registerDiskMetrics(registry, path.join(dir, 'missing'), createLogger({ level: 'silent' }));
    expect(await valueOf(registry, 'files_dir_free_bytes')).toBeUndefined();
  });
});
