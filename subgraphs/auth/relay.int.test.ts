// The auth subgraph's outbox relay: with AUDIT_INGEST_URL and OUTBOX_RELAY_SECRET set it delivers auth's events
// (woken by each mutation), with owners, and shows the outbox metrics at /metrics. The relay itself is tested in
// subgraphs/kit/outbox-relay.int.test.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_PATH, type WireEvent } from '../kit/outbox-wire.ts';
import { verifyServiceRequest } from '../kit/service-auth.ts';
import { PASSWORD, startAuthHarness, type AuthHarness } from './testing.ts';
import { eventually } from '../../test/helpers/eventually.ts';

const SECRET = 'auth-relay-test-secret-0123456789abcdef';
const received: WireEvent[] = [];
let receiver: Server;
let h: AuthHarness;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const auth = verifyServiceRequest({ secret: SECRET, header: req.headers.authorization, body });
      if (req.url !== INGEST_PATH || 'error' in auth) return res.writeHead(401).end('{}');
      const { events } = JSON.parse(body) as { events: WireEvent[] };
      received.push(...events);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: events.map((e) => ({ id: e.id, status: 'stored' })) }));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // A poll far longer than the test: events must arrive because the mutation woke the relay.
  h = await startAuthHarness(
    { AUDIT_INGEST_URL: origin, OUTBOX_RELAY_SECRET: SECRET },
    { outboxRelay: { pollIntervalMs: 60_000 } },
  );
});
afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('auth outbox delivery', () => {
  it('delivers events right after the mutation that recorded them, with their owner', async () => {
    const userId = await h.createUser('ada@lab.example', ['SUBMITTER']);
    await h.login('ada@lab.example');
    await eventually(() => received.some((e) => e.type === 'user.login_succeeded'));
    expect(received.find((e) => e.type === 'user.login_succeeded')).toMatchObject({
      entityType: 'User',
      entityId: userId,
      ownerId: userId,
      service: 'auth',
      actor: { userId, roles: ['SUBMITTER'] },
    });

    const LOGIN = 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }';
    await h.gql(LOGIN, { e: 'ada@lab.example', p: `${PASSWORD}!` });
    await h.gql(LOGIN, { e: 'nobody@lab.example', p: PASSWORD });
    await eventually(() => received.filter((e) => e.type === 'user.login_failed').length === 2);
    const failures = received.filter((e) => e.type === 'user.login_failed');
    expect(failures.map((e) => [e.entityType, e.ownerId])).toEqual([
      ['User', userId],
      ['LoginAttempt', null],
    ]);
    // The receiver has them; the relay marks them delivered once the answer is back.
    await eventually(async () => (await h.subgraph.relay?.pending()) === 0);
  });

  it('shows the outbox metrics on the subgraph /metrics', async () => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toMatch(/^outbox_pending_events\{service="auth",subgraph="auth"\} 0$/m);
    expect(text).toMatch(/^outbox_delivered_total\{service="auth",result="stored",subgraph="auth"\} [1-9]/m);
  });
});
