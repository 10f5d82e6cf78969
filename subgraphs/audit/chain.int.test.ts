import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHash } from './canonical.ts';
import { createChainService } from './chain.service.ts';
import type { AuditEventRecord } from './record.ts';
import { RECORD_COLUMNS } from './record.ts';
import { startAuditHarness, wireEvent, type AuditHarness } from './testing.ts';

let h: AuditHarness;

beforeAll(async () => {
  h = await startAuditHarness();
  const { status } = await h.ingest(Array.from({ length: 20 }, (_, i) => wireEvent({ sequence: i + 1 })));
  expect(status).toBe(200);
});
afterAll(async () => {
  await h?.close();
});

const VERIFY = `query ($from: Int, $to: Int) {
  verifyAuditChain(from: $from, to: $to) {
    intact checkedFrom checkedTo checked firstBrokenSequence reason lastSignedSequence
  }
}`;

async function verify(range: { from?: number; to?: number } = {}) {
  const { body } = await h.gql(VERIFY, range, await h.as(['VIEWER']));
  expect(body.errors).toBeUndefined();
  return body.data.verifyAuditChain;
}

/** Runs statements with the user triggers off, as an attacker with superuser access could. */
async function asAttacker(...statements: [string, unknown[]?][]) {
  await h.sql(`SET session_replication_role = replica`);
  try {
    for (const [text, values] of statements) await h.sql(text, values);
  } finally {
    await h.sql(`SET session_replication_role = origin`);
  }
}

describe('the hash chain', () => {
  it('verifies the whole chain and any range of it', async () => {
    expect(await verify()).toEqual({
      intact: true,
      checkedFrom: 1,
      checkedTo: 20,
      checked: 20,
      firstBrokenSequence: null,
      reason: null,
      lastSignedSequence: null,
    });
    expect(await verify({ from: 5, to: 9 })).toMatchObject({
      intact: true,
      checkedFrom: 5,
      checkedTo: 9,
      checked: 5,
    });
    const small = createChainService(h.subgraph.deps, { batchSize: 3 });
    expect(await small.verify()).toMatchObject({ intact: true, checked: 20 });
    const bad = await h.gql(VERIFY, { from: 0 }, await h.as(['ADMIN']));
    expect(bad.body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
  });

  it('refuses the application UPDATE, DELETE and TRUNCATE of events (and of anchors and the chain head)', async () => {
    const { prisma } = h.subgraph;
    await expect(
      prisma.auditEvent.update({ where: { sequence: 3n }, data: { type: 'user.forged' } }),
    ).rejects.toThrow(/append-only/);
    await expect(prisma.auditEvent.deleteMany({ where: { sequence: 3n } })).rejects.toThrow(/append-only/);
    await expect(prisma.$executeRaw`TRUNCATE audit_event`).rejects.toThrow(/append-only/);
    await expect(h.sql(`UPDATE audit_event SET changes = '{}' WHERE sequence = 3`)).rejects.toThrow(
      /append-only/,
    );
    await expect(
      prisma.auditAnchor.create({
        data: { purgedThroughSequence: 19n, hash: 'f'.repeat(64), purgedCount: 19n, purgedBy: 'x' },
      }),
    ).rejects.toThrow(/audit_purge/);
    await expect(prisma.auditChainHead.update({ where: { id: 1 }, data: { sequence: 1n } })).rejects.toThrow(
      /moves forward/,
    );
    expect(await verify()).toMatchObject({ intact: true, checked: 20 });
  });

  it('reports an event whose content was altered in the database, and recovers when it is restored', async () => {
    const [row] = await h.sql<{ changes: unknown }>(`SELECT changes FROM audit_event WHERE sequence = 7`);
    await asAttacker([
      `UPDATE audit_event SET changes = '{"name":{"from":"Old","to":"Forged"}}' WHERE sequence = 7`,
    ]);
    expect(await verify()).toMatchObject({
      intact: false,
      firstBrokenSequence: 7,
      reason: 'hash mismatch: content altered',
      checked: 6,
    });
    await asAttacker([
      `UPDATE audit_event SET changes = $1 WHERE sequence = 7`,
      [JSON.stringify(row!.changes)],
    ]);
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('reports the next event when an altered event was re-hashed', async () => {
    const [original] = await h.subgraph.prisma.$queryRaw<AuditEventRecord[]>`
      SELECT ${RECORD_COLUMNS} FROM audit_event WHERE sequence = 11`;
    const forged = { ...original!, actorId: 'someone-else' };
    await asAttacker([
      `UPDATE audit_event SET actor_id = $1, hash = $2 WHERE sequence = 11`,
      [forged.actorId, eventHash(forged)],
    ]);
    expect(await verify()).toMatchObject({
      intact: false,
      firstBrokenSequence: 12,
      reason: 'prev_hash does not match the previous event',
    });
    await asAttacker([
      `UPDATE audit_event SET actor_id = $1, hash = $2 WHERE sequence = 11`,
      [original!.actorId, original!.hash],
    ]);
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('reports a deleted event in the middle and a deleted last event', async () => {
    await asAttacker([`DELETE FROM audit_event WHERE sequence = 20`]);
    expect(await verify()).toMatchObject({
      intact: false,
      firstBrokenSequence: 20,
      reason: 'sequence gap: event missing',
    });
    await asAttacker([`DELETE FROM audit_event WHERE sequence = 13`]);
    expect(await verify()).toMatchObject({
      intact: false,
      checkedTo: 12,
      firstBrokenSequence: 13,
      reason: 'sequence gap: event missing',
    });
    expect(await verify({ from: 14 })).toMatchObject({ intact: false, firstBrokenSequence: 13 });
    expect(await verify({ to: 12 })).toMatchObject({ intact: true, checked: 12 });
  });
});
