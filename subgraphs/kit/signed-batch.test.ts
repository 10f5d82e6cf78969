// The shared receiving half of the signed batch endpoints, on a bare express app over real HTTP: who gets in,
// what a bad body gets, what reaches the handler, and that a handler failure is a 503 the sender retries.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, type IngestResult } from './outbox-wire.ts';
import { signServiceRequest } from './service-auth.ts';
import { mountSignedBatchEndpoint, type SignedBatchOptions } from './signed-batch.ts';

const SECRET = 'signed-batch-test-secret-0123456789abcdef';
const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

const calls: { events: unknown[]; sender: string }[] = [];
let failNext = false;
const handle: SignedBatchOptions['handle'] = async (events, sender) => {
  calls.push({ events, sender });
  if (failNext) {
    failNext = false;
    throw new Error('database down');
  }
  return events.map((_e, i): IngestResult => ({ id: String(i), status: 'stored' }));
};

const servers: Server[] = [];
let url: string;

async function start(options: Partial<SignedBatchOptions>): Promise<string> {
  const app = express();
  mountSignedBatchEndpoint(app, '/in', { secret: SECRET, log, what: 'test events', handle, ...options });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
}

beforeAll(async () => {
  url = await start({ senders: ['submission'] });
});
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

async function send(body: string, { service = 'submission', secret = SECRET, to = url } = {}) {
  const response = await fetch(to, {
    method: 'POST',
    headers: { authorization: signServiceRequest({ secret, service, body }) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
const batch = (events: unknown[]) => JSON.stringify({ events });
const codeOf = (r: { body: Record<string, unknown> }) =>
  (r.body.error as { code?: string } | undefined)?.code;

describe('mountSignedBatchEndpoint', () => {
  it('hands a verified batch to the handler and answers its results', async () => {
    calls.length = 0;
    const events = [{ id: 'a', service: 'submission' }, { id: 'no service' }];
    expect(await send(batch(events))).toEqual({
      status: 200,
      body: {
        results: [
          { id: '0', status: 'stored' },
          { id: '1', status: 'stored' },
        ],
      },
    });
    expect(calls).toEqual([{ events, sender: 'submission' }]);
  });

  it('refuses before the handler: no signature, a bad one, another signer, a forged event', async () => {
    calls.length = 0;
    const unsigned = await fetch(url, { method: 'POST', body: batch([]) });
    expect(unsigned.status).toBe(401);
    const cases = [
      await send(batch([]), { secret: 'another secret of at least thirty-two characters' }),
      await send(batch([]), { service: 'auth' }),
      await send(batch([{ id: 'x', service: 'auth' }])),
    ];
    expect(cases.map((r) => [r.status, codeOf(r)])).toEqual(cases.map(() => [401, 'UNAUTHENTICATED']));
    expect(calls).toEqual([]);
  });

  it('answers 400 for a body that is not a batch, 413 for one too large', async () => {
    calls.length = 0;
    const bad = [
      await send('not json'),
      await send('{"events": {}}'),
      await send(batch(Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => ({})))),
    ];
    expect(bad.map((r) => [r.status, codeOf(r)])).toEqual(bad.map(() => [400, 'BAD_USER_INPUT']));
    const big = await send(batch(['x'.repeat(MAX_BATCH_BYTES)]));
    expect([big.status, codeOf(big)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(calls).toEqual([]);
  });

  it('answers 503 when the handler fails, so the sender retries', async () => {
    failNext = true;
    const r = await send(batch([]));
    expect([r.status, codeOf(r)]).toEqual([503, 'SERVICE_UNAVAILABLE']);
  });

  it('answers 503 while no secret is configured; accepts any signer when no senders are named', async () => {
    const off = await start({ secret: undefined });
    const r = await send(batch([]), { to: off });
    expect([r.status, codeOf(r)]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    const open = await start({});
    expect((await send(batch([]), { service: 'auth', to: open })).status).toBe(200);
  });
});
