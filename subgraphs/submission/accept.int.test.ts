// Acceptance, end to end over real HTTP: the samples appear in a real samples subgraph exactly once, whether the
// accept is retried, the samples subgraph is down for a while, or the relay dies in the middle of a batch.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFixture, REAL_QUOTE } from '../../test/helpers/fixtures.ts';
import { createLogger } from '../kit/logger.ts';
import { createOutboxRelay } from '../kit/outbox-relay.ts';
import { SAMPLE_COMMAND_TABLE } from './server.ts';
import { eventually } from '../../test/helpers/eventually.ts';
import { RELAY_SECRET, startSubmissionHarness, type SubmissionHarness } from './testing.ts';

const corpus = (name: string) => readFileSync(new URL(`../../test/fixtures/quotes/${name}`, import.meta.url));

const ACCEPT = `mutation ($id: ID!, $version: Int) {
  acceptSubmission(id: $id, version: $version) { status version acceptedAt reviewedBy { id } }
}`;
const SAMPLES = `query ($id: ID!) {
  samples(filter: { submissionId: $id }, orderBy: { field: ROW_NUMBER }, first: 200) {
    totalCount
    edges { node {
      name rowNumber labSampleId isControl status owner { id } requesterName requesterEmail lab
      measurements { volumeUl nanodropNgPerUl a260_280 }
      material { materialType sourceOrganism buffer containsHumanDna }
      request { libraryKit flowCellFormat fileFormats basecallingModel }
    } }
  }
}`;
const SUBMISSION_SAMPLES = `query ($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Submission { samples { name rowNumber } } }
}`;

let h: SubmissionHarness;
let staffId: string;
let staff: Record<string, string>;
let submitterId: string;
let submitter: Record<string, string>;

beforeAll(async () => {
  h = await startSubmissionHarness();
  staffId = randomUUID();
  staff = await h.as(['STAFF'], staffId);
  submitterId = randomUUID();
  submitter = await h.as(['SUBMITTER'], submitterId);
});
afterAll(() => h?.close());

async function importAs(bytes: Uint8Array, name: string): Promise<string> {
  const { body } = await h.importFile(bytes, name, submitter);
  expect(body.errors).toBeUndefined();
  return body.data.importSubmission.id;
}

const sampleCount = async (submissionId: string) =>
  Number(
    (
      await h.samples.sql<{ n: string }>('SELECT count(*) AS n FROM sample WHERE submission_id = $1', [
        submissionId,
      ])
    )[0]!.n,
  );

const commands = (submissionId: string) =>
  h.sql<{ delivered_at: Date | null; attempts: number; last_error: string | null }>(
    'SELECT delivered_at, attempts, last_error FROM sample_command WHERE entity_id = $1',
    [submissionId],
  );

/** Waits until the samples subgraph holds `count` samples of the submission and every command is delivered. */
async function delivered(submissionId: string, count: number): Promise<void> {
  await eventually(async () => {
    const pending = (await commands(submissionId)).filter((c) => !c.delivered_at).length;
    return pending === 0 && (await sampleCount(submissionId)) === count ? true : undefined;
  });
}

describe('accepting a submission', () => {
  let id: string;

  it('is refused while an error is open, naming it', async () => {
    id = await importAs(corpus('quote-three-rows.pdf'), 'three.pdf');
    const { body } = await h.gql(ACCEPT, { id }, staff);
    expect(body.errors![0].extensions).toMatchObject({
      code: 'INVALID_TRANSITION',
      rule: 'UNRESOLVED_ERRORS',
      issues: [expect.objectContaining({ path: 'form.containsHumanDna', code: 'REQUIRED_ANSWER_MISSING' })],
    });
    expect(await commands(id)).toEqual([]);
    const submitterTry = await h.gql(ACCEPT, { id }, submitter);
    expect(submitterTry.body.errors![0].extensions.code).toBe('FORBIDDEN');
  });

  it('creates one sample per sample and control row in the samples subgraph', async () => {
    const fix = await h.gql(
      `mutation ($id: ID!) { updateSubmission(id: $id, input: { form: { containsHumanDna: false } }, version: 0) { version } }`,
      { id },
      staff,
    );
    expect(fix.body.data.updateSubmission.version).toBe(1);
    const stale = await h.gql(ACCEPT, { id, version: 0 }, staff);
    expect(stale.body.errors![0].extensions).toMatchObject({ code: 'CONFLICT', rule: 'STALE_VERSION' });
    const { body } = await h.gql(ACCEPT, { id, version: 1 }, staff);
    expect(body.data.acceptSubmission).toMatchObject({
      status: 'ACCEPTED',
      version: 2,
      reviewedBy: { id: staffId },
    });
    await delivered(id, 3);

    const samples = await h.samples.gql(SAMPLES, { id }, staff);
    const nodes = samples.body.data.samples.edges.map((e: { node: unknown }) => e.node);
    expect(
      nodes.map((n: { name: string; labSampleId: string; isControl: boolean }) => [
        n.name,
        n.labSampleId,
        n.isControl,
      ]),
    ).toEqual([
      ['EC-A', 'EF-7-001', false],
      ['EC-B', 'EF-7-002', false],
      ['BLANK', 'EF-7-003', true],
    ]);
    expect(nodes[0]).toMatchObject({
      rowNumber: 1,
      status: 'SUBMITTED',
      owner: { id: submitterId },
      measurements: { volumeUl: 20 },
      material: { containsHumanDna: false },
    });
    expect(nodes[0].request.libraryKit).toMatch(/^SQK-/);
    // Submission.samples, as the router asks for it: the owner sees them, another submitter none.
    const reps = [{ __typename: 'Submission', id }];
    const own = await h.samples.gql(SUBMISSION_SAMPLES, { reps }, submitter);
    expect(own.body.data._entities[0].samples.map((s: { rowNumber: number }) => s.rowNumber)).toEqual([
      1, 2, 3,
    ]);
    const stranger = await h.samples.gql(SUBMISSION_SAMPLES, { reps }, await h.as(['SUBMITTER']));
    expect(stranger.body.data._entities[0].samples).toEqual([]);
  });

  it('answers a second accept with the accepted submission and writes nothing', async () => {
    const before = {
      commands: (await commands(id)).length,
      events: await h.sql('SELECT id FROM outbox_event'),
    };
    const again = await h.gql(ACCEPT, { id, version: 1 }, staff);
    expect(again.body.data.acceptSubmission).toMatchObject({ status: 'ACCEPTED', version: 2 });
    expect((await commands(id)).length).toBe(before.commands);
    expect(await h.sql('SELECT id FROM outbox_event')).toEqual(before.events);
    expect(await sampleCount(id)).toBe(3);
    const accepted = await h.sql(
      `SELECT id FROM outbox_event WHERE entity_id = $1 AND type = 'submission.accepted'`,
      [id],
    );
    expect(accepted).toHaveLength(1);
  });

  it('accepts the real quote into its 96 samples, JL-147-001 onwards', async () => {
    const quote = await importAs(readFixture(REAL_QUOTE), 'quote.pdf');
    const { body } = await h.gql(ACCEPT, { id: quote }, staff);
    expect(body.data.acceptSubmission.status).toBe('ACCEPTED');
    await delivered(quote, 96);
    const samples = await h.samples.gql(SAMPLES, { id: quote }, staff);
    const nodes = samples.body.data.samples.edges.map((e: { node: unknown }) => e.node);
    expect(samples.body.data.samples.totalCount).toBe(96);
    expect(nodes[0]).toMatchObject({
      name: '1',
      labSampleId: 'JL-147-001',
      requesterName: 'Joshua Leon',
      requesterEmail: 'joshleon@unc.edu',
      lab: 'Mitchell, Charles (UNC-CH) Lab',
      measurements: { volumeUl: 2, nanodropNgPerUl: 298.9, a260_280: 1.84 },
      material: {
        materialType: 'PCR_AMPLICONS',
        sourceOrganism: 'Fungi from plant leave tissue',
        buffer: 'EB',
      },
      request: {
        libraryKit: 'SQK-RBK114.24',
        flowCellFormat: 'MINION',
        fileFormats: ['FASTQ', 'BAM'],
        basecallingModel: 'SUP',
      },
    });
    expect(nodes.at(-1)).toMatchObject({
      name: 'BLANK',
      labSampleId: 'JL-147-096',
      isControl: true,
      rowNumber: 96,
    });
  });

  it('says which relay metric is which: two relays share the registry', async () => {
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/^outbox_pending_events\{/m);
    expect(metrics).toMatch(/^sample_command_pending_events\{/m);
    expect(metrics).toMatch(/^sample_command_delivered_total\{[^}]*result="stored"[^}]*\} 99$/m);
  });
});

describe('when the samples subgraph is down', () => {
  it('keeps the commands, then creates every sample once it is back', async () => {
    const csv = Buffer.from(`sample_name,volume,concentration\nD-1,10,20\nD-2,12,25\nD-3,9,30\n`);
    const id = await importAs(csv, 'down.csv');
    await h.stopSamples();
    const { body } = await h.gql(ACCEPT, { id }, staff);
    expect(body.data.acceptSubmission.status).toBe('ACCEPTED');
    await eventually(async () => ((await commands(id)).every((c) => c.attempts >= 2) ? true : undefined));
    expect((await commands(id)).every((c) => c.delivered_at === null)).toBe(true);
    await h.startSamples();
    await delivered(id, 3);
    const names = await h.samples.sql<{ name: string }>(
      'SELECT name FROM sample WHERE submission_id = $1 ORDER BY row_number',
      [id],
    );
    expect(names.map((n) => n.name)).toEqual(['D-1', 'D-2', 'D-3']);
  });
});

describe('when the relay dies in the middle of a batch', () => {
  it('redelivers on restart, and the samples subgraph acknowledges duplicates without new samples', async () => {
    // The subgraph's own relay stops; the two below stand for the process before and after a crash.
    await h.subgraph.commandRelay!.stop();
    const csv = Buffer.from(`sample_name,volume,concentration\nK-1,10,20\nK-2,12,25\nK-3,9,30\nK-4,8,31\n`);
    const id = await importAs(csv, 'crash.csv');
    await h.gql(ACCEPT, { id }, staff);

    // A proxy that forwards the batch to the samples subgraph, lets it store the samples, then kills the relay's
    // database session and drops the answer: the relay never learns, and never marks, what was stored.
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          await fetch(`${h.samples.url}${req.url}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: req.headers.authorization! },
            body: Buffer.concat(chunks),
          });
          await h.sql(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'crashing-relay'`,
          );
          res.socket?.destroy();
        })();
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as AddressInfo).port;
    const databaseUrl = h.subgraph.deps.config.databaseUrl;
    const common = {
      table: SAMPLE_COMMAND_TABLE,
      service: 'submission',
      secret: RELAY_SECRET,
      logger: createLogger({ level: 'silent' }),
    };
    const crashingPool = new pg.Pool({
      connectionString: databaseUrl,
      max: 1,
      application_name: 'crashing-relay',
    });
    crashingPool.on('error', () => {});
    const crashing = createOutboxRelay({
      ...common,
      pool: crashingPool,
      ingestUrl: `http://127.0.0.1:${port}/internal/samples/commands`,
    });
    await expect(crashing.runOnce()).rejects.toThrow();
    await crashing.stop();
    await crashingPool.end().catch(() => {});
    await new Promise<void>((resolve) => proxy.close(() => resolve()));

    expect(await sampleCount(id)).toBe(4);
    expect((await commands(id)).every((c) => c.delivered_at === null)).toBe(true);

    const restarted = createOutboxRelay({
      ...common,
      databaseUrl,
      ingestUrl: `${h.samples.url}/internal/samples/commands`,
    });
    try {
      expect(await restarted.runOnce()).toEqual({ delivered: 0, duplicates: 4, rejected: 0, failed: 0 });
    } finally {
      await restarted.stop();
    }
    expect(await sampleCount(id)).toBe(4);
    expect((await commands(id)).every((c) => c.delivered_at !== null)).toBe(true);
    const created = await h.samples.sql(
      `SELECT e.id FROM outbox_event e JOIN sample s ON s.id::text = e.entity_id
        WHERE s.submission_id = $1 AND e.type = 'sample.created'`,
      [id],
    );
    expect(created).toHaveLength(4);
  });
});
