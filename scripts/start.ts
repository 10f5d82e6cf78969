// `npm start`: the whole stack on one machine. Databases whose *_DATABASE_URL is not set live in an embedded
// PostgreSQL under DATA_DIR (created on first start, reused after); migrations are applied; every subgraph
// and the router start; Ctrl-C stops everything, PostgreSQL included.
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from '../subgraphs/kit/config.ts';
import { databaseUrlVariable } from '../prisma/prisma-config.ts';
import { ensureDatabase, startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres.ts';
import { listDomains, migrateDatabase } from './migrate.ts';
import { startStack } from './stack.ts';

const startedAt = performance.now();
const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(1)} s`;

const startConfig = z
  .object({
    /** Where embedded PostgreSQL keeps its data. @default ./.data */
    DATA_DIR: z.string().default('.data'),
    /** Port of the embedded PostgreSQL (not 5432, where a system one often listens). @default 54329 */
    EMBEDDED_PG_PORT: env.port(54329),
  })
  .transform((v) => ({ dataDir: path.resolve(v.DATA_DIR), embeddedPgPort: v.EMBEDDED_PG_PORT }));

async function resolveDatabases(config: z.output<typeof startConfig>) {
  const domains = listDomains();
  const urls: Record<string, string> = {};
  const missing = domains.filter((d) => !process.env[databaseUrlVariable(d)]);
  for (const d of domains)
    if (process.env[databaseUrlVariable(d)]) urls[d] = process.env[databaseUrlVariable(d)]!;
  let embedded: RunningPostgres | undefined;
  if (missing.length) {
    console.log(
      `starting embedded PostgreSQL on 127.0.0.1:${config.embeddedPgPort} (${config.dataDir}) for: ${missing.join(', ')}`,
    );
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, 'postgres'),
      port: config.embeddedPgPort,
    });
    for (const d of missing) {
      await ensureDatabase(embedded.url('postgres'), d);
      urls[d] = embedded.url(d);
    }
  }
  await Promise.all(domains.map((d) => migrateDatabase(d, urls[d]!)));
  return { urls, embedded };
}

async function main(): Promise<void> {
  const config = loadConfig(startConfig);
  const { urls, embedded } = await resolveDatabases(config);
  let stopping = false;
  const stopEmbedded = async () => embedded?.stop();
  let stack;
  try {
    stack = await startStack({ databaseUrls: urls });
  } catch (error) {
    await stopEmbedded();
    throw error;
  }
  console.log(
    `\nsupergraph ready in ${elapsed()}: ${stack.routerUrl}  (GraphiQL in a browser; Ctrl-C stops)`,
  );
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    await stack.close();
    await stopEmbedded();
    console.log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
