// Tracing as each process entry starts it (common/tracing.ts): a subgraph started alone (subgraphs/auth/index.ts)
// exports its spans under its own name and continues the caller's trace, its log lines carry the trace ids, and
// a bad endpoint stops the subgraph and the router at startup naming the variable.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { wireSettings } from '../scripts/stack.ts';
import { createTestDatabase, type TestDatabase } from '../test/helpers/database.ts';
import { eventually } from '../test/helpers/eventually.ts';
import { SERVER, startCollector, type Collector } from '../test/helpers/otlp-collector.ts';

interface Started {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** Everything the process wrote, for failure messages. */
  output: () => string;
  exited: Promise<number | null>;
}

function start(entry: string, env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let text = '';
  createInterface({ input: child.stdout! }).on('line', (line) => {
    text += `${line}\n`;
    if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, lines, output: () => text, exited };
}

describe('a subgraph process with tracing on', () => {
  let collector: Collector;
  let database: TestDatabase;
  let auth: Started;
  let url = '';

  beforeAll(async () => {
    [collector, database] = await Promise.all([startCollector(), createTestDatabase('auth')]);
    const env = await wireSettings({
      databaseUrls: { auth: database.url },
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        // A second login from the same address is refused, and logged.
        LOGIN_IP_MAX_ATTEMPTS: '1',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      routerPort: 0,
      subgraphPort: () => 0,
    });
    auth = start('subgraphs/auth/index.ts', env);
    await eventually(() => auth.lines.some((l) => l.msg === 'auth subgraph listening'), {
      what: `the auth subgraph to listen:\n${auth.output()}`,
      timeoutMs: 60_000,
    });
    url = `http://127.0.0.1:${env.AUTH_PORT}/graphql`;
  }, 120_000);

  afterAll(async () => {
    auth?.child.kill('SIGTERM');
    await auth?.exited;
    await Promise.all([collector?.close(), database?.drop()]);
  });

  test("continues the caller's trace under its own name, down to Prisma; its log lines carry the ids", async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const login = (headers: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          query: 'mutation { login(email: "nobody@lab.test", password: "not the password") { accessToken } }',
        }),
      });
    await (await login({})).text();
    await (await login({ traceparent: `00-${traceId}-${callerSpanId}-01` })).text();

    // The server span ends last, after the response: wait for it, the Prisma spans and the log line alike.
    const spans = await eventually(
      () => {
        const ours = collector.spans.filter((s) => s.traceId === traceId);
        const complete =
          ours.some((s) => s.kind === SERVER) &&
          ours.some((s) => s.name.startsWith('prisma:')) &&
          auth.lines.some((l) => l.msg === 'login: client address throttled');
        return complete && ours;
      },
      { what: 'the spans and the log line of the traced login' },
    );
    const server = spans.find((s) => s.kind === SERVER)!;
    expect(server).toMatchObject({ service: 'auth', parentSpanId: callerSpanId });
    expect(spans.every((s) => s.service === 'auth')).toBe(true);

    const refused = auth.lines.find((l) => l.msg === 'login: client address throttled');
    expect(refused, auth.output()).toMatchObject({ trace_id: traceId });
    expect(spans.map((s) => s.spanId)).toContain(refused!.span_id);
  });
});

describe('a bad tracing endpoint stops the process at startup, naming the variable', () => {
  const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' };

  test('a subgraph', { timeout: 60_000 }, async () => {
    const auth = start('subgraphs/auth/index.ts', env);
    expect(await auth.exited).toBe(2);
    expect(auth.output()).toContain(
      'auth: invalid configuration:\n  - OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL',
    );
  });

  test('the router', { timeout: 60_000 }, async () => {
    const router = start('router/index.ts', env);
    expect(await router.exited).toBe(1);
    expect(router.output()).toContain(
      'router: invalid configuration:\n  - OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL',
    );
  });
});
