// Free and total space of the filesystem holding FILES_DIR, read when scraped: uploads are what fills a disk,
// and the alert on it (deploy/prometheus/alerts.yml, FilesDiskFilling) needs no host agent such as
// node-exporter, in compose or in Kubernetes, where the directory is a volume of its own.
import type { StatsFs } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../kit/logger.ts';

export function registerDiskMetrics(registry: Registry, dir: string, log: Logger): void {
  // Both gauges share one statfs per scrape.
  let reading: Promise<StatsFs> | undefined;
  const read = () =>
    (reading ??= statfs(dir).finally(() => {
      reading = undefined;
    }));
  const gauge = (name: string, help: string, value: (s: StatsFs) => number) =>
    new Gauge({
      name,
      help,
      // Labelled by the directory, so that an unreadable one shows no series rather than 0 bytes free.
      labelNames: ['dir'],
      registers: [registry],
      async collect() {
        try {
          this.set({ dir }, value(await read()));
        } catch (error) {
          this.reset();
          log.warn({ err: error, dir }, 'files: reading the free space of FILES_DIR failed');
        }
      },
    });
  // bavail, not bfree: what this (non-root) process may still write.
  gauge(
    'files_dir_free_bytes',
    'Bytes free for the files subgraph on the filesystem of FILES_DIR.',
    (s) => s.bavail * s.bsize,
  );
  gauge('files_dir_size_bytes', 'Size in bytes of the filesystem of FILES_DIR.', (s) => s.blocks * s.bsize);
}
