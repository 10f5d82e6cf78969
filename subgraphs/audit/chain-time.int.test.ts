// Two audit processes append to one chain, each with its own clock: time of receipt must not go back along the
// chain when the second one's clock runs behind (another host), nor when it took its time before waiting for the
// head lock while the other appended.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createChainService } from './chain.service.ts';
import { checkEvent } from './ingest.ts';
import { startAuditHarness, wireEvent, type AuditHarness } from './testing.ts';

let h: AuditHarness;

beforeAll(async () => {
  h = await startAuditHarness();
});
afterAll(async () => {
  await h?.close();
});

const newEvent = (sequence: number) => {
  const checked = checkEvent(wireEvent({ sequence }));
  if (!checked.ok) throw new Error('the test event is invalid');
  return checked.event;
};

it('a replica whose clock runs behind appends at the time of the tip, not before it', async () => {
  const { status } = await h.ingest([wireEvent({ sequence: 1 })]);
  expect(status).toBe(200);
  const behind = createChainService({ ...h.subgraph.deps, now: () => new Date(Date.now() - 5 * 60_000) });
  const [appended] = await behind.append([newEvent(2)]);
  expect(appended).toMatchObject({ status: 'stored', sequence: 2n });

  const rows = await h.sql<{ sequence: string; received_at: Date }>(
    'SELECT sequence::text, received_at FROM audit_event ORDER BY sequence',
  );
  expect(rows.map((r) => r.sequence)).toEqual(['1', '2']);
  expect(rows[1]!.received_at.getTime()).toBe(rows[0]!.received_at.getTime());

  // A clock that is right again moves on from there, and the chain verifies.
  const ahead = await createChainService(h.subgraph.deps).append([newEvent(3)]);
  const [third] = await h.sql<{ received_at: Date }>(
    'SELECT received_at FROM audit_event WHERE sequence = $1',
    [ahead[0]!.sequence],
  );
  expect(third!.received_at.getTime()).toBeGreaterThan(rows[1]!.received_at.getTime());
  expect(await createChainService(h.subgraph.deps).verify()).toMatchObject({ intact: true, checked: 3 });
});
