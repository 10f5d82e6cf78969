import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:http';
import express from 'express';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';

export interface WorkersOptions {
  workers: number;
  /** Where the primary serves the metrics of every worker, added up. */
  metrics: { port: number; host?: string };
  logger: Logger;
}

/** A worker that dies sooner than this after starting is failing to start: restarting it would only loop. */
const startupGraceMs = 10_000;

/**
 * The primary of ROUTER_WORKERS: forks router processes that share the listening port (node:cluster hands each
 * connection to one of them), restarts a worker that dies once it had started, serves the workers' metrics
 * added up (each worker registers its registry with prom-client's AggregatorRegistry), and on SIGINT/SIGTERM
 * stops every worker before exiting.
 */
export async function startWorkers({ workers, metrics, logger }: WorkersOptions): Promise<void> {
  let stopping = false;
  const started = new Map<Worker, number>();
  const fork = () => started.set(cluster.fork(), Date.now());
  const stop = (code: number) => {
    stopping = true;
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    if (alive.length === 0) process.exit(code);
    let left = alive.length;
    for (const worker of alive) {
      worker.once('exit', () => --left === 0 && process.exit(code));
      worker.process.kill('SIGTERM');
    }
  };
  cluster.on('exit', (worker, code, signal) => {
    const ranMs = Date.now() - (started.get(worker) ?? 0);
    started.delete(worker);
    if (stopping) return;
    if (ranMs < startupGraceMs) {
      logger.error({ pid: worker.process.pid, code, signal }, 'router worker failed to start; stopping');
      return stop(1);
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'router worker died; starting another');
    fork();
  });
  for (let i = 0; i < workers; i++) fork();

  const aggregator = new AggregatorRegistry();
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.type(aggregator.contentType).send(await aggregator.clusterMetrics());
  });
  const server = createServer(app);
  await new Promise<void>((done, fail) =>
    server.once('error', fail).listen(metrics.port, metrics.host, done),
  );
  logger.info(
    { workers, metrics: `http://${metrics.host ?? 'localhost'}:${metrics.port}/metrics` },
    'router primary started',
  );

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'router stopping its workers');
      server.close();
      stop(0);
    });
  }
}
