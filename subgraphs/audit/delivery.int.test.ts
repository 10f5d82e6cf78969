// What the audit subgraph says about events that did not reach the log: per service, from the relays' signed
// status reports and from what ingestion refused, through auditDeliveryStatus, verifyAuditChain.complete and the
// audit_delivery_* metrics. A shortened event shows its flag and full-content hash through the API.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalSha256 } from '../kit/canonical-json.ts';
import { MAX_EVENT_BYTES } from '../kit/outbox-wire.ts';
import { startAuditHarness, wireEvent, type AuditHarness } from './testing.ts';

let h: AuditHarness;
let admin: Record<string, string>;

beforeAll(async () => {
  h = await startAuditHarness({ AUDIT_EXPECTED_SERVICES: 'auth,samples,files' });
  admin = await h.as(['ADMIN']);
});
afterAll(async () => {
  await h?.close();
});

const STATUS = `{ auditDeliveryStatus { service pending oldestPendingAgeSeconds rejected ingestRejected lastIngestError
  reportedAt lastDeliveryAt stale ok } }`;
const VERIFY = `{ verifyAuditChain { intact complete delivery { service ok rejected } } }`;

async function status(headers = admin) {
  const { body } = await h.gql(STATUS, {}, headers);
  expect(body.errors).toBeUndefined();
  return Object.fromEntries(
    (body.data.auditDeliveryStatus as { service: string }[]).map((s) => [s.service, s]),
  ) as Record<string, Record<string, unknown>>;
}

const report = (service: string, s: { pending: number; rejected: number; oldestPendingAt?: string | null }) =>
  h.ingest([], {
    service,
    body: JSON.stringify({
      events: [],
      status: { oldestPendingAt: null, ...s, at: new Date().toISOString() },
    }),
  });

describe('delivery status', () => {
  it('lists every expected service as stale until its relay reports', async () => {
    const all = await status();
    expect(Object.keys(all)).toEqual(['auth', 'files', 'samples']);
    expect(all.files).toMatchObject({ reportedAt: null, stale: true, ok: false, pending: 0, rejected: 0 });
  });

  it('shows what a relay reported, and a rejected event makes the service not ok and the chain not complete', async () => {
    for (const service of ['auth', 'files', 'samples']) {
      expect((await report(service, { pending: 0, rejected: 0 })).status).toBe(200);
    }
    expect(Object.values(await status()).every((s) => s.ok)).toBe(true);
    const verified = (await h.gql(VERIFY, {}, admin)).body.data.verifyAuditChain;
    expect(verified).toMatchObject({ intact: true, complete: true });

    const oldest = new Date(Date.now() - 3600_000).toISOString();
    await report('samples', { pending: 3, rejected: 2, oldestPendingAt: oldest });
    const samples = (await status()).samples!;
    expect(samples).toMatchObject({ pending: 3, rejected: 2, ingestRejected: 0, stale: false, ok: false });
    expect(samples.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(3599);
    const after = (await h.gql(VERIFY, {}, admin)).body.data.verifyAuditChain;
    expect(after).toMatchObject({ intact: true, complete: false });
    expect(after.delivery.find((d: { service: string }) => d.service === 'samples')).toEqual({
      service: 'samples',
      ok: false,
      rejected: 2,
    });
    await report('samples', { pending: 0, rejected: 0 });
  });

  it('counts an event refused at ingestion against its service, with the reason', async () => {
    const malformed = { ...wireEvent({ service: 'files' }), occurredAt: 'not a time' };
    const good = wireEvent({ service: 'files' });
    const { body } = await h.ingest([malformed, good], { service: 'files' });
    expect(body.results.map((r: { status: string }) => r.status)).toEqual(['rejected', 'stored']);
    const files = (await status()).files!;
    expect(files).toMatchObject({ rejected: 1, ingestRejected: 1, ok: false });
    expect(files.lastIngestError).toMatch(new RegExp(`^${malformed.id}: INVALID_EVENT: occurredAt`));
    expect(files.lastDeliveryAt).not.toBeNull();
    expect((await h.gql(VERIFY, {}, admin)).body.data.verifyAuditChain).toMatchObject({
      intact: true,
      complete: false,
    });

    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/^audit_delivery_rejected_events\{service="files",subgraph="audit"\} 1$/m);
    expect(metrics).toMatch(/^audit_delivery_rejected_events\{service="auth",subgraph="audit"\} 0$/m);
    expect(metrics).toMatch(/^audit_delivery_report_age_seconds\{service="auth",subgraph="audit"\} \d/m);
  });

  it('exports every audit_delivery_* series the alert rules in deploy/prometheus/alerts.yml use', async () => {
    const rules = await readFile(new URL('../../deploy/prometheus/alerts.yml', import.meta.url), 'utf8');
    const expressions = rules
      .split('\n')
      .filter((line) => line.trim().startsWith('expr:'))
      .join('\n');
    const used = [...new Set(expressions.match(/\baudit_delivery_[a-z_]+\b/g))];
    expect(used.length).toBeGreaterThanOrEqual(2);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    for (const name of used) expect(metrics).toMatch(new RegExp(`^${name}\\{service="samples"`, 'm'));
  });

  it('shows a service as stale when its relay has been silent too long', async () => {
    h.advance(86400);
    const all = await status();
    expect(all.auth).toMatchObject({ stale: true, ok: false });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    const age = /^audit_delivery_report_age_seconds\{service="auth",subgraph="audit"\} (\S+)$/m.exec(metrics);
    expect(Number(age?.[1])).toBeGreaterThan(86_000);
  });

  it('is for audit:read only', async () => {
    const { body } = await h.gql(STATUS, {}, await h.as(['SUBMITTER']));
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('shortened events through the API', () => {
  it('shows the flag and the hash of the full content, and the chain covers both', async () => {
    const payload = { blob: 'q'.repeat(MAX_EVENT_BYTES) };
    const event = wireEvent({ payload, entityType: 'Sample' });
    expect((await h.ingest([event])).body.results).toEqual([{ id: event.id, status: 'stored' }]);
    const { body } = await h.gql(
      `query ($f: AuditEventFilter) { auditEvents(filter: $f) { edges { node { id truncated fullContentSha256 payload } } } }`,
      { f: { entityId: event.entityId } },
      admin,
    );
    const node = body.data.auditEvents.edges[0].node;
    expect(node).toMatchObject({
      id: event.id,
      truncated: true,
      fullContentSha256: canonicalSha256({ changes: event.changes, payload }),
    });
    expect(node.payload.blob).toMatch(/^q+…\[\+\d+ characters\]$/);

    // Clearing the flag (as a database owner could) breaks the chain at that event.
    await h.sql(`ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only`);
    await h.sql(`UPDATE audit_event SET truncated = false, full_content_sha256 = NULL WHERE event_id = $1`, [
      event.id,
    ]);
    await h.sql(`ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only`);
    const verified = (await h.gql(`{ verifyAuditChain { intact reason } }`, {}, admin)).body.data;
    expect(verified.verifyAuditChain).toEqual({ intact: false, reason: 'hash mismatch: content altered' });
  });
});
