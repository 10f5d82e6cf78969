import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../kit/logger.ts';
import { eventHash } from './canonical.ts';
import { createChainService } from './chain.service.ts';
import { checkpointPublicKey, createCheckpointKeys } from './checkpoint.ts';
import { loadAuditConfig } from './config.ts';
import type { AuditEventRecord } from './record.ts';
import { RECORD_COLUMNS } from './record.ts';
import { createAuditSubgraph } from './server.ts';
import { RELAY_SECRET, startAuditHarness, wireEvent, type AuditHarness } from './testing.ts';

let h: AuditHarness;
const SIGNING_KEY = randomBytes(32);
const EVERY = 5;

beforeAll(async () => {
  h = await startAuditHarness({
    AUDIT_SIGNING_KEY: SIGNING_KEY.toString('base64'),
    AUDIT_CHECKPOINT_EVERY: String(EVERY),
  });
  const { status } = await h.ingest(Array.from({ length: 12 }, (_, i) => wireEvent({ sequence: i + 1 })));
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

/** Runs statements with the user triggers off, as a database owner (superuser) can. */
async function asOwner(...statements: [string, unknown[]?][]) {
  await h.sql(`SET session_replication_role = replica`);
  try {
    for (const [text, values] of statements) await h.sql(text, values);
  } finally {
    await h.sql(`SET session_replication_role = origin`);
  }
}

const records = () => {
  const { prisma } = h.subgraph;
  return prisma.$queryRaw<AuditEventRecord[]>`SELECT ${RECORD_COLUMNS} FROM audit_event ORDER BY sequence`;
};

/**
 * The attack the chain alone cannot see: change one event, recompute every hash from there to the tip, move the
 * chain head. Returns a function that puts the original rows back.
 */
async function rewriteAndRechain(sequence: number, change: Partial<AuditEventRecord>) {
  const original = await records();
  let prevHash = original.find((r) => Number(r.sequence) === sequence)!.prevHash;
  const statements: [string, unknown[]][] = [];
  for (const record of original.filter((r) => Number(r.sequence) >= sequence)) {
    const forged = {
      ...record,
      ...(Number(record.sequence) === sequence ? change : {}),
      sequence: BigInt(record.sequence),
      prevHash,
    };
    const hash = eventHash(forged);
    statements.push([
      `UPDATE audit_event SET actor_id = $1, prev_hash = $2, hash = $3 WHERE sequence = $4`,
      [forged.actorId, prevHash, hash, String(record.sequence)],
    ]);
    prevHash = hash;
  }
  statements.push([`UPDATE audit_chain_head SET hash = $1 WHERE id = 1`, [prevHash]]);
  await asOwner(...statements);
  const tip = original[original.length - 1]!;
  return () =>
    asOwner(
      ...original.map((r): [string, unknown[]] => [
        `UPDATE audit_event SET actor_id = $1, prev_hash = $2, hash = $3 WHERE sequence = $4`,
        [r.actorId, r.prevHash, r.hash, String(r.sequence)],
      ]),
      [`UPDATE audit_chain_head SET hash = $1 WHERE id = 1`, [tip.hash]],
    );
}

describe('signed checkpoints', () => {
  it('signs one in the append transaction every AUDIT_CHECKPOINT_EVERY events, and on demand', async () => {
    const rows = await h.sql<{ sequence: string; key_id: string }>(
      `SELECT sequence, key_id FROM audit_checkpoint ORDER BY sequence`,
    );
    expect(rows.map((r) => Number(r.sequence))).toEqual([5, 10]);
    expect(await verify()).toEqual({
      intact: true,
      checkedFrom: 1,
      checkedTo: 12,
      checked: 12,
      firstBrokenSequence: null,
      reason: null,
      lastSignedSequence: 10,
    });
    const chain = createChainService(h.subgraph.deps);
    expect(await chain.checkpoint()).toBe(12n);
    expect(await chain.checkpoint()).toBeNull();
    expect(await verify()).toMatchObject({ intact: true, lastSignedSequence: 12 });
    // The signature is over the key the database never saw: anyone with the public key can check it.
    const verifier = createCheckpointKeys(randomBytes(32), EVERY, [
      Buffer.from(checkpointPublicKey(SIGNING_KEY), 'base64'),
    ]);
    const [stored] = await h.subgraph.prisma.auditCheckpoint.findMany({ where: { sequence: 12n } });
    expect(verifier.verify(stored!)).toBe(true);
    expect(verifier.verify({ ...stored!, hash: 'f'.repeat(64) })).toBe(false);
  });

  it('reports an event rewritten with the whole chain recomputed in SQL (the chain alone would pass)', async () => {
    const restore = await rewriteAndRechain(7, { actorId: 'someone-else' });
    try {
      expect(await verify()).toMatchObject({
        intact: false,
        checkedTo: 9,
        firstBrokenSequence: 10,
        reason: 'chain differs from the signed checkpoint: an event after 5 was rewritten',
        lastSignedSequence: 5,
      });
      // Only a range that reaches a checkpoint can see it: [1, 9] is consistent, and says what is signed.
      expect(await verify({ to: 9 })).toMatchObject({ intact: true, lastSignedSequence: 5 });
    } finally {
      await restore();
    }
    expect(await verify()).toMatchObject({ intact: true, lastSignedSequence: 12 });
  });

  it('reports forged, edited and deleted checkpoints', async () => {
    const restore = await rewriteAndRechain(7, { actorId: 'someone-else' });
    const [forgedHead] = await h.sql<{ hash: string }>(`SELECT hash FROM audit_event WHERE sequence = 10`);
    const saved = await h.sql(`SELECT * FROM audit_checkpoint WHERE sequence >= 10 ORDER BY sequence`);
    try {
      // Re-signed with a key of the attacker's own.
      const attacker = createCheckpointKeys(randomBytes(32), EVERY);
      const forged = attacker.sign({
        sequence: 10n,
        hash: forgedHead!.hash,
        signedAt: new Date(),
        interval: EVERY,
      });
      await asOwner([
        `UPDATE audit_checkpoint SET hash = $1, key_id = $2, signature = $3 WHERE sequence = 10`,
        [forged.hash, forged.keyId, forged.signature],
      ]);
      expect(await verify()).toMatchObject({
        intact: false,
        firstBrokenSequence: 10,
        reason: 'checkpoint signature invalid or by an unknown key',
      });
      // The hash edited under the real key id.
      await asOwner([
        `UPDATE audit_checkpoint SET key_id = $1 WHERE sequence = 10`,
        [h.subgraph.deps.checkpoints.keyId],
      ]);
      expect(await verify()).toMatchObject({ intact: false, firstBrokenSequence: 10 });
      // Deleted, with every later one: the next was due 5 events after checkpoint 5.
      await asOwner([`DELETE FROM audit_checkpoint WHERE sequence >= 10`]);
      expect(await verify()).toMatchObject({
        intact: false,
        firstBrokenSequence: 10,
        reason: 'signed checkpoint missing: one is due every 5 events',
      });
      // All of them.
      const first = await h.sql(`SELECT * FROM audit_checkpoint`);
      await asOwner([`DELETE FROM audit_checkpoint`]);
      expect(await verify()).toMatchObject({
        intact: false,
        reason: 'signed checkpoint missing: none at all',
      });
      await asOwner(
        ...first.map((c): [string, unknown[]] => [
          `INSERT INTO audit_checkpoint SELECT * FROM json_populate_record(null::audit_checkpoint, $1)`,
          [JSON.stringify(c)],
        ]),
      );
    } finally {
      await restore();
      await asOwner(
        [`DELETE FROM audit_checkpoint WHERE sequence >= 10`],
        ...saved.map((c): [string, unknown[]] => [
          `INSERT INTO audit_checkpoint SELECT * FROM json_populate_record(null::audit_checkpoint, $1)`,
          [JSON.stringify(c)],
        ]),
      );
    }
    expect(await verify()).toMatchObject({ intact: true, lastSignedSequence: 12 });
  });

  it('refuses the application UPDATE and DELETE of checkpoints', async () => {
    await expect(h.sql(`UPDATE audit_checkpoint SET hash = hash WHERE sequence = 5`)).rejects.toThrow(
      /append-only/,
    );
    await expect(h.sql(`DELETE FROM audit_checkpoint`)).rejects.toThrow(/append-only/);
  });

  it('verifies checkpoints of an earlier signing key listed in AUDIT_CHECKPOINT_PUBLIC_KEYS', async () => {
    const chainWith = async (env: Record<string, string>) => {
      const config = loadAuditConfig({
        AUDIT_DATABASE_URL: h.db.url,
        OUTBOX_RELAY_SECRET: RELAY_SECRET,
        EXPORT_SIGNING_SECRET: RELAY_SECRET,
        AUDIT_CHECKPOINT_EVERY: String(EVERY),
        ...env,
      });
      const audit = await createAuditSubgraph(config, { log: createLogger({ level: 'silent' }) });
      try {
        return await createChainService(audit.deps).verify();
      } finally {
        await audit.close();
      }
    };
    const newKey = randomBytes(32).toString('base64');
    expect(await chainWith({ AUDIT_SIGNING_KEY: newKey })).toMatchObject({
      intact: false,
      firstBrokenSequence: 5,
      reason: 'checkpoint signature invalid or by an unknown key',
    });
    expect(
      await chainWith({
        AUDIT_SIGNING_KEY: newKey,
        AUDIT_CHECKPOINT_PUBLIC_KEYS: checkpointPublicKey(SIGNING_KEY),
      }),
    ).toMatchObject({ intact: true, lastSignedSequence: 12 });
  });

  it('reports events deleted behind a retention anchor that no audit.purged event announced', async () => {
    const removed = await h.sql(`SELECT * FROM audit_event WHERE sequence <= 3 ORDER BY sequence`);
    const [third] = await h.sql<{ hash: string }>(`SELECT hash FROM audit_event WHERE sequence = 3`);
    await asOwner(
      [`DELETE FROM audit_event WHERE sequence <= 3`],
      [
        `INSERT INTO audit_anchor (purged_through_sequence, hash, purged_count, purged_by) VALUES (3, $1, 3, 'x')`,
        [third!.hash],
      ],
    );
    try {
      expect(await verify()).toMatchObject({
        intact: false,
        firstBrokenSequence: 4,
        reason: 'retention anchor not announced by an audit.purged event',
      });
    } finally {
      await asOwner(
        [`DELETE FROM audit_anchor`],
        ...removed.map((e): [string, unknown[]] => [
          `INSERT INTO audit_event SELECT * FROM json_populate_record(null::audit_event, $1)`,
          [JSON.stringify(e)],
        ]),
      );
    }
    expect(await verify()).toMatchObject({ intact: true, checkedFrom: 1 });
  });
});
