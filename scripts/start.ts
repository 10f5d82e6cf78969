// `npm start`: the whole stack on one machine. Databases whose *_DATABASE_URL is not set live in an embedded
// PostgreSQL under DATA_DIR (created on first start, reused after); migrations are applied; every subgraph
// and the router start; Ctrl-C stops everything, PostgreSQL included. Chroma (the ai subgraph's retrieval) runs
// from node_modules under DATA_DIR/chroma unless CHROMA_URL points at one.
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from '../subgraphs/kit/config.ts';
import { databaseUrlVariable } from '../prisma/prisma-config.ts';
import { startChromaServer } from '../subgraphs/ai/retrieval/chroma-server.ts';
import { ensureDatabase, startEmbeddedPostgres } from './embedded-postgres.ts';
import { localSecrets } from './local-secrets.ts';
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
    /** Port of the Chroma server started when CHROMA_URL is unset. @default 8000 */
    CHROMA_PORT: env.port(8000),
  })
  .transform((v) => ({
    dataDir: path.resolve(v.DATA_DIR),
    embeddedPgPort: v.EMBEDDED_PG_PORT,
    chromaPort: v.CHROMA_PORT,
  }));

/** What is running so far; Ctrl-C at any point of startup stops exactly that, in reverse order. */
const running: { stop(): Promise<void> }[] = [];
let stopping = false;

async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping`);
  for (const part of running.reverse()) await part.stop();
  console.log('stopped');
  process.exit(0);
}

async function resolveDatabases(config: z.output<typeof startConfig>): Promise<Record<string, string>> {
  const domains = listDomains();
  const urls: Record<string, string> = {};
  const missing: string[] = [];
  for (const domain of domains) {
    const url = process.env[databaseUrlVariable(domain)];
    if (url) urls[domain] = url;
    else missing.push(domain);
  }
  if (missing.length) {
    console.log(
      `starting embedded PostgreSQL on 127.0.0.1:${config.embeddedPgPort} (${config.dataDir}) for: ${missing.join(', ')}`,
    );
    const embedded = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, 'postgres'),
      port: config.embeddedPgPort,
    });
    running.push(embedded);
    for (const domain of missing) {
      await ensureDatabase(embedded.url('postgres'), domain);
      urls[domain] = embedded.url(domain);
    }
  }
  await Promise.all(domains.map((domain) => migrateDatabase(domain, urls[domain]!)));
  return urls;
}

/** CHROMA_URL as given, or a Chroma server of our own under DATA_DIR/chroma (stopped with the rest). */
async function resolveChroma(config: z.output<typeof startConfig>): Promise<string> {
  if (process.env.CHROMA_URL) return process.env.CHROMA_URL;
  const dataDir = path.join(config.dataDir, 'chroma');
  console.log(`starting Chroma on 127.0.0.1:${config.chromaPort} (${dataDir})`);
  const chroma = await startChromaServer({
    dataDir,
    port: config.chromaPort,
    // Its banner and notices are noise; its trouble is not.
    log: (line) => {
      if (/error|warn|panic|fail/i.test(line)) console.error(`chroma: ${line}`);
    },
  });
  running.push(chroma);
  return chroma.url;
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const config = loadConfig(startConfig);
  const databaseUrls = await resolveDatabases(config);
  const chromaUrl = await resolveChroma(config);
  const stack = await startStack({
    databaseUrls,
    // Uploaded files live beside the embedded database unless FILES_DIR says otherwise, and so do the keys
    // that must survive a restart (the auth key-encryption key, the audit checkpoint signing key).
    env: {
      FILES_DIR: path.join(config.dataDir, 'files'),
      ...(await localSecrets(config.dataDir, process.env)),
      ...process.env,
      CHROMA_URL: chromaUrl,
    },
  });
  running.push({ stop: stack.close });
  console.log(
    `\nsupergraph ready in ${elapsed()}: ${stack.routerUrl}  (GraphiQL in a browser; Ctrl-C stops)`,
  );
  if (process.env.ROUTER_METRICS_PORT) console.log(`router metrics: ${stack.metricsUrl}`);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  for (const part of running.reverse()) await part.stop().catch(() => undefined);
  process.exit(1);
});
