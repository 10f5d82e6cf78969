import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalSha256 } from '../kit/canonical-json.ts';
import { MAX_BATCH_BYTES, MAX_EVENT_BYTES } from '../kit/outbox-wire.ts';
import { signServiceRequest } from '../kit/service-auth.ts';
import { RELAY_SECRET, startAuditHarness, wireEvent, type AuditHarness } from './testing.ts';

let h: AuditHarness;

beforeAll(async () => {
  h = await startAuditHarness();
});
afterAll(async () => {
  await h?.close();
});

const VERIFY = `{ verifyAuditChain { intact checked firstBrokenSequence reason } }`;

async function verify() {
  const { body } = await h.gql(VERIFY, {}, await h.as(['ADMIN']));
  expect(body.errors).toBeUndefined();
  return body.data.verifyAuditChain;
}

describe('POST /internal/audit/events', () => {
  it('stores a batch, and a redelivery is duplicate and stored once', async () => {
    const events = [wireEvent(), wireEvent({ payload: { ip: '10.0.0.1', nested: { list: [1, 2.5, 'x'] } } })];
    const first = await h.ingest(events);
    expect(first.status).toBe(200);
    expect(first.body.results).toEqual(events.map((e) => ({ id: e.id, status: 'stored' })));

    const again = await h.ingest([events[1], wireEvent({ id: events[0]!.id }), events[1]]);
    expect(again.body.results.map((r: { status: string }) => r.status)).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    const rows = await h.sql(`SELECT event_id FROM audit_event WHERE event_id = ANY($1::uuid[])`, [
      events.map((e) => e.id),
    ]);
    expect(rows).toHaveLength(2);
    expect(await verify()).toMatchObject({ intact: true, checked: 2, firstBrokenSequence: null });
  });

  it('stores the valid events of a batch, shortens an oversized one and rejects malformed ones; chain intact', async () => {
    const good = [wireEvent(), wireEvent()];
    const malformed = { ...wireEvent(), occurredAt: 'yesterday' };
    const oversized = wireEvent({ payload: { blob: 'x'.repeat(MAX_EVENT_BYTES) } });
    const nul = wireEvent({ changes: { name: { from: 'a\u0000b', to: 'c' } } });
    const { status, body } = await h.ingest([good[0], malformed, oversized, nul, good[1], 'not an event']);
    expect(status).toBe(200);
    expect(body.results).toMatchObject([
      { id: good[0]!.id, status: 'stored' },
      { id: malformed.id, status: 'rejected', code: 'INVALID_EVENT' },
      { id: oversized.id, status: 'stored' },
      { id: nul.id, status: 'rejected', code: 'INVALID_EVENT' },
      { id: good[1]!.id, status: 'stored' },
      { id: '', status: 'rejected', code: 'INVALID_EVENT' },
    ]);
    const stored = await h.sql(`SELECT event_id FROM audit_event WHERE event_id = ANY($1::uuid[])`, [
      [malformed.id, nul.id],
    ]);
    expect(stored).toHaveLength(0);
    const [shortened] = await h.sql<{ truncated: boolean; full_content_sha256: string; bytes: number }>(
      `SELECT truncated, full_content_sha256, octet_length(payload::text) AS bytes FROM audit_event WHERE event_id = $1`,
      [oversized.id],
    );
    expect(shortened).toMatchObject({
      truncated: true,
      full_content_sha256: canonicalSha256({ changes: oversized.changes, payload: oversized.payload }),
    });
    expect(shortened!.bytes).toBeLessThan(MAX_EVENT_BYTES);
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('rejects a flag without its hash, or a hash without the flag', async () => {
    const flagOnly = wireEvent({ truncated: true });
    const hashOnly = wireEvent({ fullContentSha256: 'a'.repeat(64) });
    const { body } = await h.ingest([flagOnly, hashOnly]);
    expect(body.results).toMatchObject([
      { id: flagOnly.id, status: 'rejected', code: 'INVALID_EVENT' },
      { id: hashOnly.id, status: 'rejected', code: 'INVALID_EVENT' },
    ]);
  });

  it('answers 401 without a signature, with a bad or old one, or with a bearer token', async () => {
    const events = [wireEvent()];
    const body = JSON.stringify({ events });
    const unsigned = await fetch(`${h.url}/internal/audit/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');

    expect((await h.ingest(events, { secret: 'another secret of at least 32 characters' })).status).toBe(401);
    expect((await h.ingest(events, { now: Date.now() - 10 * 60_000 })).status).toBe(401);
    // Signed over one body, sent with another.
    const swapped = await fetch(`${h.url}/internal/audit/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: signServiceRequest({ secret: RELAY_SECRET, service: 'auth', body }),
      },
      body: body.replace('user.updated', 'user.deleted'),
    });
    expect(swapped.status).toBe(401);

    const user = await h.ingest(events, { headers: await h.as(['ADMIN']) });
    expect(user.status).toBe(401);
    // A relay may only send its own service's events.
    expect((await h.ingest([wireEvent({ service: 'samples' })], { service: 'auth' })).status).toBe(401);
  });

  it('answers 413 for a body over the limit and 400 for a body that is not a batch', async () => {
    const big = JSON.stringify({ events: [], padding: 'x'.repeat(MAX_BATCH_BYTES) });
    expect((await h.ingest([], { body: big })).status).toBe(413);
    const notJson = await h.ingest([], { body: 'not json' });
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT' } } });
    expect((await h.ingest([], { body: '{"events": {}}' })).status).toBe(400);
  });

  it('keeps the sequence gapless and the chain intact under concurrent batches', async () => {
    const [tip] = await h.sql<{ max: string }>(`SELECT coalesce(max(sequence), 0) AS max FROM audit_event`);
    const before = tip!.max;
    const batches = Array.from({ length: 5 }, () => Array.from({ length: 200 }, () => wireEvent()));
    const responses = await Promise.all(batches.map((b) => h.ingest(b)));
    for (const r of responses) {
      expect(r.status).toBe(200);
      expect(r.body.results.every((x: { status: string }) => x.status === 'stored')).toBe(true);
    }
    const [stats] = await h.sql<{ min: string; max: string; count: string }>(
      `SELECT min(sequence), max(sequence), count(*) FROM audit_event WHERE sequence > $1`,
      [before],
    );
    expect(Number(stats!.count)).toBe(1000);
    expect(Number(stats!.max) - Number(stats!.min) + 1).toBe(1000);
    expect(Number(stats!.min)).toBe(Number(before) + 1);
    expect(await verify()).toMatchObject({ intact: true, firstBrokenSequence: null });
  });

  it('counts stored, duplicate and rejected events and exposes the chain length', async () => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toMatch(/audit_events_ingested_total\{outcome="stored",subgraph="audit"\} \d+/);
    expect(text).toMatch(/audit_events_ingested_total\{outcome="duplicate",subgraph="audit"\} [1-9]/);
    expect(text).toMatch(/audit_events_ingested_total\{outcome="rejected",subgraph="audit"\} [1-9]/);
    expect(text).toMatch(/audit_ingest_duration_seconds_count\{subgraph="audit"\} [1-9]/);
    expect(text).toMatch(/audit_chain_length\{subgraph="audit"\} [1-9]\d*/);
  });
});
