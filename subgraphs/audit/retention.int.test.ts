import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuditHarness, wireEvent, type AuditHarness } from './testing.ts';

let h: AuditHarness;

beforeAll(async () => {
  h = await startAuditHarness({
    AUDIT_RETENTION_DAYS: '2555',
    AUDIT_RETENTION_OVERRIDES: 'LoginAttempt=365',
  });
});
afterAll(async () => {
  await h?.close();
});

const VERIFY = `{ verifyAuditChain { intact checkedFrom checkedTo checked firstBrokenSequence reason } }`;

async function verify() {
  const { body } = await h.gql(VERIFY, {}, await h.as(['ADMIN']));
  expect(body.errors).toBeUndefined();
  return body.data.verifyAuditChain;
}

const sequences = async () =>
  (await h.sql<{ sequence: string }>(`SELECT sequence FROM audit_event ORDER BY sequence`)).map((r) =>
    Number(r.sequence),
  );

const attempt = () => wireEvent({ type: 'login_attempt.failed', entityType: 'LoginAttempt' });

describe('retention purge', () => {
  it('removes only the expired prefix, writes the anchor and an audit.purged event; the chain still verifies', async () => {
    // 1-3 and 5-6 expire after 365 days; 4 (a User event) after 2555 days.
    const events = [attempt(), attempt(), attempt(), wireEvent(), attempt(), attempt()];
    expect((await h.ingest(events)).status).toBe(200);
    expect(await h.subgraph.retention.purgeExpired({ purgedBy: 'test' })).toMatchObject({ purgedCount: 0 });

    h.advance(400 * 86400);
    const anchorHash = (await h.sql<{ hash: string }>(`SELECT hash FROM audit_event WHERE sequence = 3`))[0]!
      .hash;
    const result = await h.subgraph.retention.purgeExpired({ purgedBy: 'test' });
    expect(result).toEqual({ purgedCount: 3, purgedThroughSequence: 3, anchorHash, eventSequence: 7 });
    expect(await sequences()).toEqual([4, 5, 6, 7]);
    const anchors = await h.sql(
      `SELECT purged_through_sequence, hash, purged_count, purged_by FROM audit_anchor`,
    );
    expect(anchors).toEqual([
      { purged_through_sequence: '3', hash: anchorHash, purged_count: '3', purged_by: 'test' },
    ]);
    const [purged] = await h.sql<{ type: string; service: string; payload: Record<string, unknown> }>(
      `SELECT type, service, payload FROM audit_event WHERE sequence = 7`,
    );
    expect(purged).toMatchObject({
      type: 'audit.purged',
      service: 'audit',
      payload: { purgedThroughSequence: '3', purgedCount: 3, anchorHash, purgedBy: 'test' },
    });
    expect(await verify()).toEqual({
      intact: true,
      checkedFrom: 4,
      checkedTo: 7,
      checked: 4,
      firstBrokenSequence: null,
      reason: null,
    });
    // The purge signed a checkpoint over its own audit.purged event, which vouches for the anchor.
    expect(await h.sql(`SELECT sequence FROM audit_checkpoint ORDER BY sequence`)).toEqual([
      { sequence: '7' },
    ]);

    // 5 and 6 have expired too, but 4 has not: nothing more goes.
    expect(await h.subgraph.retention.purgeExpired({ purgedBy: 'test' })).toMatchObject({ purgedCount: 0 });
    expect(await sequences()).toEqual([4, 5, 6, 7]);
  });

  it('keeps appending and verifying after a purge, and purges everything once all has expired', async () => {
    expect((await h.ingest([wireEvent()])).status).toBe(200);
    expect(await verify()).toMatchObject({ intact: true, checkedFrom: 4, checkedTo: 8 });
    h.advance(2600 * 86400);
    expect(await h.subgraph.retention.purgeExpired({ purgedBy: 'test' })).toMatchObject({
      purgedCount: 5,
      purgedThroughSequence: 8,
      eventSequence: 9,
    });
    expect(await sequences()).toEqual([9]);
    expect(await verify()).toMatchObject({ intact: true, checkedFrom: 9, checkedTo: 9, checked: 1 });
  });

  it('detects a tampered event right after the anchor', async () => {
    await h.sql(`SET session_replication_role = replica`);
    await h.sql(`UPDATE audit_event SET payload = '{}' WHERE sequence = 9`);
    await h.sql(`SET session_replication_role = origin`);
    expect(await verify()).toMatchObject({ intact: false, firstBrokenSequence: 9 });
  });
});
