// Traces across the stack (common/tracing.ts): one request through the router is one trace, from the client's
// traceparent through the router, its subgraph fetches and the subgraphs to their Prisma queries, sent as
// OTLP/JSON to a collector on 127.0.0.1; the router's access log line and the kit's log lines name the trace.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTracing, type Tracing } from '../../common/tracing.ts';
import { createLogger } from '../../subgraphs/kit/logger.ts';
import { INGEST_PATH } from '../../subgraphs/kit/outbox-wire.ts';
import { eventually } from '../helpers/eventually.ts';
import { post } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import {
  CLIENT,
  SERVER,
  startCollector,
  type Collector,
  type ReceivedSpan,
} from '../helpers/otlp-collector.ts';

/** POSTs from another process, as an outside client would: our own instrumentation would replace its traceparent. */
async function postFromClient(url: string, body: unknown, headers: Record<string, string>): Promise<unknown> {
  const script = `const r = await fetch(process.argv[1], { method: 'POST', headers: JSON.parse(process.argv[2]),
    body: process.argv[3] }); process.stdout.write(await r.text());`;
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--input-type=module',
    '-e',
    script,
    url,
    JSON.stringify({ 'content-type': 'application/json', ...headers }),
    JSON.stringify(body),
  ]);
  return JSON.parse(stdout);
}

let collector: Collector;
let tracing: Tracing;
let stack: TestStack;
const routerLines: Record<string, unknown>[] = [];
let token = '';

beforeAll(async () => {
  collector = await startCollector();
  // What npm start does for its one process: all of the stack's spans under one service name.
  tracing = (await startTracing('stack', { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }))!;
  const routerLog = new Writable({
    write(chunk: Buffer, _encoding, done) {
      routerLines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  stack = await startTestStack({}, pino({ name: 'router', level: 'info' }, routerLog));
  const { admin } = stack;
  const login = await post(
    stack.routerUrl,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: admin.email, p: admin.password },
  );
  token = login.body.data.login.accessToken as string;
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await tracing?.shutdown();
  await collector?.close();
});

describe('one request, one trace', () => {
  test("the client's trace goes on through the router and two subgraphs down to Prisma", async () => {
    const created = await post(
      stack.routerUrl,
      'mutation($input: CreateSampleInput!) { createSample(input: $input) { id } }',
      { input: { name: 'S-traced' } },
      { authorization: `Bearer ${token}` },
    );
    const sampleId = created.body.data.createSample.id as string;

    const traceId = randomBytes(16).toString('hex');
    const clientSpanId = randomBytes(8).toString('hex');
    const answer = await postFromClient(
      stack.routerUrl,
      {
        query: 'query SampleOwner($id: ID!) { sample(id: $id) { name owner { email } } }',
        operationName: 'SampleOwner',
        variables: { id: sampleId },
      },
      { authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${clientSpanId}-01` },
    );
    // samples answers the sample, auth its owner.
    expect(answer).toEqual({ data: { sample: { name: 'S-traced', owner: { email: 'admin@lab.test' } } } });

    const subgraphServer = (name: string) => (s: ReceivedSpan) =>
      s.kind === SERVER && s.attributes['subgraph.name'] === name;
    const spans = await eventually(
      async () => {
        await tracing.flush();
        const ours = collector.spans.filter((s) => s.traceId === traceId);
        const done =
          ours.some(subgraphServer('samples')) &&
          ours.some(subgraphServer('auth')) &&
          ours.some((s) => s.kind === SERVER && s.parentSpanId === clientSpanId);
        return done && ours;
      },
      { what: 'the spans of the traced request' },
    );
    expect(collector.requests[0]).toBe('POST /v1/traces application/json');
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
      const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
      return parent ? [parent, ...ancestors(parent)] : [];
    };

    // The router continued the client's trace: its HTTP span is the child of the client's span.
    const routerServer = spans.find((s) => s.kind === SERVER && s.parentSpanId === clientSpanId)!;
    expect(routerServer.service).toBe('stack');
    // The operation's span, named and labelled by type and name, and nothing of its variables.
    const operation = spans.find((s) => s.name === 'query SampleOwner')!;
    expect(operation.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'SampleOwner',
    });
    expect(JSON.stringify(spans)).not.toContain(sampleId);
    expect(ancestors(operation)).toContain(routerServer);

    for (const name of ['samples', 'auth']) {
      // The subgraph's HTTP span is the child of the router's client span that sent its traceparent, which is
      // under the operation.
      const server = spans.find(subgraphServer(name))!;
      const client = byId.get(server.parentSpanId!)!;
      expect(client, `${name}: the parent of its span is the router's request`).toBeDefined();
      expect(client.kind).toBe(CLIENT);
      expect(ancestors(client)).toContain(operation);
      // And its database queries are under it.
      const prisma = spans.filter((s) => s.name.startsWith('prisma:') && ancestors(s).includes(server));
      expect(prisma.length, `${name}: Prisma spans under its request`).toBeGreaterThan(0);
    }

    // The router's access log line of this request names the trace (and still its request id).
    const access = await eventually(() =>
      routerLines.find((l) => l.msg === 'request' && l.operationName === 'SampleOwner'),
    );
    expect(access).toMatchObject({ trace_id: traceId, span_id: routerServer.spanId });
    expect(access.requestId).toEqual(expect.any(String));
  });

  test("a relay's delivery to the audit subgraph carries its traceparent", async () => {
    // The admin's bootstrap and createSample wrote events their relays deliver to audit on their own time.
    const delivery = await eventually(
      async () => {
        await tracing.flush();
        return collector.spans.find(
          (s) =>
            s.kind === SERVER &&
            s.attributes['subgraph.name'] === 'audit' &&
            String(s.attributes['http.target'] ?? s.attributes['url.path']).startsWith(INGEST_PATH),
        );
      },
      { what: "the audit subgraph's span of a relay delivery" },
    );
    const sender = collector.spans.find((s) => s.spanId === delivery.parentSpanId);
    expect(sender).toMatchObject({ kind: CLIENT, traceId: delivery.traceId });
    expect(String(sender!.attributes['url.full'])).toContain(INGEST_PATH);
  });

  test('probes and the session-revocation polls make no spans', async () => {
    await tracing.flush();
    const paths = collector.spans.map((s) =>
      String(s.attributes['url.full'] ?? s.attributes['http.target'] ?? s.attributes['url.path']),
    );
    expect(paths.filter((p) => p.includes('/graphql')).length).toBeGreaterThan(0);
    expect(paths.filter((p) => /\/(health|ready|metrics)\b|\/sessions\/revoked/.test(p))).toEqual([]);
  });

  test('a line the kit logs inside a span carries its trace and span ids; outside, none', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({
      name: 'kit',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const ids = trace.getTracer('test').startActiveSpan('work', (span) => {
      log.info('inside');
      span.end();
      return span.spanContext();
    });
    log.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', trace_id: ids.traceId, span_id: ids.spanId });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });
});
