// `npm start`: the whole stack on one machine. Databases whose *_DATABASE_URL is not set live in an embedded
// PostgreSQL under DATA_DIR (created on first start, reused after); migrations are applied; every subgraph
// and the router start; Ctrl-C stops everything, PostgreSQL included. Chroma (the ai subgraph's retrieval) runs
// from node_modules under DATA_DIR/chroma unless CHROMA_URL points at one. Ports follow PORT_BASE
// (scripts/ports.ts). Nothing outlives this process: SIGINT, SIGTERM or SIGHUP stop everything in order, so does
// the end of the process that started it (npm), and scripts/lifeline.mjs stops PostgreSQL and Chroma should this
// process be killed outright.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { startTracing, TracingConfigError } from '../common/tracing.ts';
import { ConfigError, loadConfig } from '../subgraphs/kit/config.ts';
import { databaseUrlVariable } from '../prisma/prisma-config.ts';
import { startChromaServer } from '../subgraphs/ai/retrieval/chroma-server.ts';
import { dataDirLayout, dataDirVariable } from './data-dir.ts';
import { ensureDatabase, startEmbeddedPostgres } from './embedded-postgres.ts';
import { localSecrets } from './local-secrets.ts';
import { listDomains, migrateDatabase } from './migrate.ts';
import { assertPortsFree, planPorts, type PortPlan, type PortVariable } from './ports.ts';
import { startStack, subgraphs } from './stack.ts';

const startedAt = performance.now();
const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(1)} s`;

const startConfig = z
  .object({
    /** Where embedded PostgreSQL keeps its data. @default ./.data */
    DATA_DIR: dataDirVariable,
  })
  .transform((v) => ({ dataDir: path.resolve(v.DATA_DIR) }));

type StartConfig = z.output<typeof startConfig> & { ports: PortPlan['ports'] };

/** What is running so far; Ctrl-C at any point of startup stops exactly that, in reverse order. */
const running: { stop(): Promise<void> }[] = [];
let stopping = false;
/** The part being started, if any: a stop waits for it, so that it is stopped too rather than left running. */
let starting: Promise<unknown> = Promise.resolve();

/** Starts one part of the stack, unless a stop has begun (then nothing more starts; the stop ends the process). */
async function startPart<T>(start: () => Promise<T>): Promise<T> {
  if (stopping) await new Promise(() => undefined);
  const part = start();
  starting = part.catch(() => undefined);
  return part;
}

async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping`);
  await starting;
  for (const part of running.reverse()) await part.stop();
  lifeline.release();
  console.log('stopped');
  process.exit(0);
}

/** The lifeline (scripts/lifeline.mjs), told of every process started outside this one. */
const lifeline = (() => {
  let child: ChildProcess | undefined;
  const send = (line: string) => child?.stdin?.write(`${line}\n`);
  return {
    start() {
      // .mjs beside this file, in the checkout and in dist/ alike (the build copies it).
      const script = fileURLToPath(new URL('./lifeline.mjs', import.meta.url));
      child = spawn(process.execPath, [script], { detached: true, stdio: ['pipe', 'ignore', 'inherit'] });
      // Neither it nor its pipe keeps this process alive; the pipe closes when this process ends.
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
    },
    /** Stop `pid` with `signal` if this process dies without stopping it. */
    watch: (pid: number, signal: NodeJS.Signals) => send(`watch ${pid} ${signal}`),
    unwatch: (pid: number) => send(`unwatch ${pid}`),
    /** This process stops everything itself from here on. */
    release: () => send('release'),
  };
})();

/** A child process this one started: stopped in order, and by the lifeline should this process be killed. */
function track(part: { pid: number; stop(): Promise<void> }, signal: NodeJS.Signals): void {
  lifeline.watch(part.pid, signal);
  running.push({
    stop: async () => {
      await part.stop();
      lifeline.unwatch(part.pid);
    },
  });
}

/**
 * npm forwards SIGINT and SIGTERM, but when npm itself is killed (SIGKILL) or its shell goes first, this process
 * is re-parented and nobody would stop it: the parent's end is a signal too.
 */
function stopWhenParentExits(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop('parent exited');
  }, 500).unref();
}

/** The domains whose database URL is not set: they get an embedded PostgreSQL. */
function embeddedDomains(): string[] {
  return listDomains().filter((domain) => !process.env[databaseUrlVariable(domain)]);
}

async function resolveDatabases(config: StartConfig): Promise<Record<string, string>> {
  const domains = listDomains();
  const missing = embeddedDomains();
  const urls: Record<string, string> = {};
  for (const domain of domains)
    if (!missing.includes(domain)) urls[domain] = process.env[databaseUrlVariable(domain)]!;
  if (missing.length) {
    const port = config.ports.EMBEDDED_PG_PORT;
    console.log(
      `starting embedded PostgreSQL on 127.0.0.1:${port} (${config.dataDir}) for: ${missing.join(', ')}`,
    );
    const embedded = await startPart(() =>
      startEmbeddedPostgres({ dataDir: dataDirLayout(config.dataDir).postgres, port }),
    );
    // SIGINT: PostgreSQL's fast shutdown (clients disconnected, no waiting for them).
    track(embedded, 'SIGINT');
    for (const domain of missing) {
      await ensureDatabase(embedded.url('postgres'), domain);
      urls[domain] = embedded.url(domain);
    }
  }
  await Promise.all(domains.map((domain) => migrateDatabase(domain, urls[domain]!)));
  return urls;
}

/** CHROMA_URL as given, or a Chroma server of our own under DATA_DIR/chroma (stopped with the rest). */
async function resolveChroma(config: StartConfig): Promise<string> {
  if (process.env.CHROMA_URL) return process.env.CHROMA_URL;
  const dataDir = dataDirLayout(config.dataDir).chroma;
  const port = config.ports.CHROMA_PORT;
  console.log(`starting Chroma on 127.0.0.1:${port} (${dataDir})`);
  const chroma = await startPart(() =>
    startChromaServer({
      dataDir,
      port,
      // Its banner and notices are noise; its trouble is not.
      log: (line) => {
        if (/error|warn|panic|fail/i.test(line)) console.error(`chroma: ${line}`);
      },
    }),
  );
  track(chroma, 'SIGTERM');
  return chroma.url;
}

/**
 * Before anything starts: every port this run will listen on is free, or the run ends here naming the variable
 * to change. (Port 0, any free port, is left to the OS.)
 */
async function checkPorts(plan: PortPlan): Promise<void> {
  const variables: PortVariable[] = ['ROUTER_PORT'];
  // Each subgraph listens on <NAME>_HOST (default 127.0.0.1); the router on ROUTER_HOST, unset: every interface.
  const hosts: Partial<Record<PortVariable, string | undefined>> = {
    ROUTER_PORT: process.env.ROUTER_HOST || undefined,
  };
  for (const name of Object.keys(subgraphs)) {
    const variable = `${name.toUpperCase()}_PORT` as PortVariable;
    variables.push(variable);
    hosts[variable] = process.env[`${name.toUpperCase()}_HOST`] || '127.0.0.1';
  }
  if (embeddedDomains().length) variables.push('EMBEDDED_PG_PORT');
  if (!process.env.CHROMA_URL) variables.push('CHROMA_PORT');
  await assertPortsFree(plan, variables, hosts);
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
  stopWhenParentExits();
  const plan = planPorts(process.env);
  const config: StartConfig = { ...loadConfig(startConfig), ports: plan.ports };
  await checkPorts(plan);
  // One process runs every subgraph and the router: their spans share one service name, `stack`.
  const tracing = await startTracing('stack');
  if (tracing) running.push({ stop: () => tracing.shutdown() });
  lifeline.start();
  const databaseUrls = await resolveDatabases(config);
  const chromaUrl = await resolveChroma(config);
  const secrets = await localSecrets(config.dataDir, process.env);
  const stack = await startPart(() =>
    startStack({
      databaseUrls,
      // Uploaded files live beside the embedded database unless FILES_DIR says otherwise, and so do the keys
      // that must survive a restart (the auth key-encryption key, the audit checkpoint signing key).
      env: {
        FILES_DIR: dataDirLayout(config.dataDir).files,
        ...secrets,
        ...process.env,
        // Each process's port: its own variable when set, else PORT_BASE + its offset.
        ...Object.fromEntries(
          Object.entries(config.ports).map(([variable, port]) => [variable, String(port)]),
        ),
        CHROMA_URL: chromaUrl,
      },
    }),
  );
  running.push({ stop: stack.close });
  console.log(
    `\nsupergraph ready in ${elapsed()}: ${stack.routerUrl}  (GraphiQL in a browser; Ctrl-C stops)`,
  );
  if (process.env.ROUTER_METRICS_PORT) console.log(`router metrics: ${stack.metricsUrl}`);
}

main().catch(async (error: unknown) => {
  const configError = error instanceof ConfigError || error instanceof TracingConfigError;
  console.error(configError ? error.message : error);
  for (const part of running.reverse()) await part.stop().catch(() => undefined);
  lifeline.release();
  process.exit(1);
});
