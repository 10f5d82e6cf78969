// The chain monitor over a real database and /metrics: intact after ingestion, broken (with the sequence) after
// an event is altered behind the triggers' back, intact again once it is restored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuditHarness, wireEvent, type AuditHarness } from './testing.ts';

let h: AuditHarness;

beforeAll(async () => {
  h = await startAuditHarness();
  const { status } = await h.ingest(Array.from({ length: 6 }, (_, i) => wireEvent({ sequence: i + 1 })));
  expect(status).toBe(200);
});
afterAll(async () => {
  await h?.close();
});

async function metric(name: string): Promise<number | undefined> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/** As an attacker with superuser access could: the append-only triggers off. */
async function asAttacker(text: string, values?: unknown[]) {
  await h.sql(`SET session_replication_role = replica`);
  try {
    await h.sql(text, values);
  } finally {
    await h.sql(`SET session_replication_role = origin`);
  }
}

describe('the chain monitor', () => {
  it('exports the outcome of verifying the whole chain, broken and restored', async () => {
    expect(await h.subgraph.chainMonitor.verifyNow()).toMatchObject({ intact: true, checked: 6 });
    expect(await metric('audit_chain_intact')).toBe(1);
    expect(await metric('audit_chain_verified_events')).toBe(6);
    expect(await metric('audit_chain_first_broken_sequence')).toBe(0);
    const verifiedAt = await metric('audit_chain_last_verification_timestamp_seconds');
    expect(Math.abs(verifiedAt! - Date.now() / 1000)).toBeLessThan(60);

    const [row] = await h.sql<{ changes: unknown }>(`SELECT changes FROM audit_event WHERE sequence = 4`);
    await asAttacker(
      `UPDATE audit_event SET changes = '{"name":{"from":"Old","to":"Forged"}}' WHERE sequence = 4`,
    );
    expect(await h.subgraph.chainMonitor.verifyNow()).toMatchObject({
      intact: false,
      firstBrokenSequence: 4,
    });
    expect(await metric('audit_chain_intact')).toBe(0);
    expect(await metric('audit_chain_first_broken_sequence')).toBe(4);

    await asAttacker(`UPDATE audit_event SET changes = $1 WHERE sequence = 4`, [
      JSON.stringify(row!.changes),
    ]);
    await h.subgraph.chainMonitor.verifyNow();
    expect(await metric('audit_chain_intact')).toBe(1);
  });
});
