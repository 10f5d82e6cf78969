import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../generated/prisma/audit/client.ts';
import { MAX_BATCH_EVENTS } from '../kit/outbox-wire.ts';
import { createChainService } from './chain.service.ts';
import { startAuditHarness, wireEvent, type AuditHarness } from './testing.ts';

let h: AuditHarness;
const TOTAL = 10_000;

beforeAll(async () => {
  h = await startAuditHarness();
  const batches = Array.from({ length: TOTAL / MAX_BATCH_EVENTS }, () =>
    Array.from({ length: MAX_BATCH_EVENTS }, () => wireEvent()),
  );
  for (let i = 0; i < batches.length; i += 4) {
    const responses = await Promise.all(batches.slice(i, i + 4).map((b) => h.ingest(b)));
    for (const r of responses) expect(r.status).toBe(200);
  }
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('verifying a long chain', () => {
  it('verifies 10,000 events in bounded batches', async () => {
    const { prisma } = h.subgraph;
    let largestResult = 0;
    // The chain service's reads, with the size of each raw result recorded.
    const counting = {
      auditAnchor: prisma.auditAnchor,
      auditChainHead: prisma.auditChainHead,
      auditEvent: prisma.auditEvent,
      $queryRaw: async (...args: Parameters<PrismaClient['$queryRaw']>) => {
        const rows = (await prisma.$queryRaw(...args)) as unknown[];
        largestResult = Math.max(largestResult, rows.length);
        return rows;
      },
    } as unknown as PrismaClient;
    const chain = createChainService({ ...h.subgraph.deps, prisma: counting });
    expect(await chain.verify()).toEqual({
      intact: true,
      checkedFrom: 1,
      checkedTo: TOTAL,
      checked: TOTAL,
      firstBrokenSequence: null,
      reason: null,
      // A checkpoint is signed every 1000 events (AUDIT_CHECKPOINT_EVERY's default).
      lastSignedSequence: TOTAL,
    });
    expect(largestResult).toBe(1000);
  });
});
