// The audit benchmark's poll-only baseline (bench/audit.ts): kit's outbox relay for the auth database in a
// process of its own, with nobody calling notify(), so it finds new events only by polling. The same relay the
// auth subgraph runs, with the same defaults unless set here.
// `node --import tsx bench/audit-relay.ts` with AUTH_DATABASE_URL, AUDIT_INGEST_URL, OUTBOX_RELAY_SECRET,
// optional BENCH_RELAY_BATCH_SIZE, BENCH_RELAY_POLL_INTERVAL_MS, LOG_LEVEL.
import { createLogger } from '../subgraphs/kit/logger.ts';
import { createOutboxRelay } from '../subgraphs/kit/outbox-relay.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function optionalInt(name: string): number | undefined {
  const raw = process.env[name];
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

const relay = createOutboxRelay({
  databaseUrl: required('AUTH_DATABASE_URL'),
  service: 'auth',
  ingestUrl: required('AUDIT_INGEST_URL'),
  secret: required('OUTBOX_RELAY_SECRET'),
  batchSize: optionalInt('BENCH_RELAY_BATCH_SIZE'),
  pollIntervalMs: optionalInt('BENCH_RELAY_POLL_INTERVAL_MS'),
  logger: createLogger({ name: 'auth', level: process.env.LOG_LEVEL || 'info' }),
});
relay.start();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void relay.stop().then(() => process.exit(0));
  });
}
