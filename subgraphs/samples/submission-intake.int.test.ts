// POST /internal/samples/commands over real HTTP: only the submission subgraph's signed commands get in, each
// command creates its sample once (a redelivery is a duplicate, never a second sample), a descriptive value the
// sample rules refuse is dropped rather than the sample, and Submission.samples lists them in grid order.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireEvent } from '../kit/outbox-wire.ts';
import { SAMPLE_COMMANDS_PATH } from '../kit/sample-command-wire.ts';
import { signServiceRequest } from '../kit/service-auth.ts';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

const SECRET = 'samples-intake-test-secret-0123456789ab';

let h: SamplesHarness;

beforeAll(async () => {
  h = await startSamplesHarness({ OUTBOX_RELAY_SECRET: SECRET });
});
afterAll(() => h?.close());

const ownerId = randomUUID();
const staffId = randomUUID();

function command(
  submissionId: string,
  rowNumber: number,
  name: string,
  extra: Record<string, unknown> = {},
): WireEvent {
  return {
    id: randomUUID(),
    type: 'submission.sample_committed',
    entityType: 'Submission',
    entityId: submissionId,
    ownerId,
    actor: { userId: staffId, roles: ['STAFF'] },
    service: 'submission',
    requestId: 'req-1',
    occurredAt: new Date().toISOString(),
    sequence: rowNumber,
    changes: {},
    payload: {
      submissionId,
      rowNumber,
      name,
      isControl: false,
      ownerId,
      labSampleId: null,
      requesterName: 'Joshua Leon',
      requesterEmail: 'joshleon@unc.edu',
      lab: 'Mitchell Lab',
      measurements: {
        volumeUl: 2,
        qubitNgPerUl: null,
        nanodropNgPerUl: 298.9,
        a260_280: 1.84,
        a260_230: null,
      },
      libraryKit: 'SQK-RBK114.24',
      flowCellFormat: 'MINION',
      sampleType: 'PCR_AMPLICONS',
      sourceOrganism: 'Fungi',
      containsHumanDna: false,
      buffer: 'EB',
      fileFormats: ['FASTQ', 'BAM'],
      basecalling: ['SUP'],
      ...extra,
    },
  };
}

async function send(events: unknown[], service = 'submission', secret = SECRET, url = h.url) {
  const body = JSON.stringify({ events });
  const response = await fetch(`${url}${SAMPLE_COMMANDS_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: signServiceRequest({ secret, service, body }),
    },
    body,
  });
  return {
    status: response.status,
    body: (await response.json()) as { results?: unknown[]; error?: { code: string } },
  };
}

const samplesOf = (submissionId: string) =>
  h.sql<{
    name: string;
    row_number: number;
    lab_sample_id: string | null;
    requester_email: string | null;
    owner_id: string;
  }>(
    'SELECT name, row_number, lab_sample_id, requester_email, owner_id FROM sample WHERE submission_id = $1 ORDER BY row_number',
    [submissionId],
  );

describe('who may send commands', () => {
  it('refuses an unsigned request, another service and a wrong secret', async () => {
    const unsigned = await fetch(`${h.url}${SAMPLE_COMMANDS_PATH}`, {
      method: 'POST',
      body: '{"events":[]}',
    });
    expect(unsigned.status).toBe(401);
    const asAuth = await send([command(randomUUID(), 1, 'x')], 'auth');
    expect(asAuth).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    const wrong = await send([], 'submission', 'another secret of at least thirty-two characters');
    expect(wrong.status).toBe(401);
  });

  it('answers 503 while no secret is configured, so the relay keeps the commands', async () => {
    const off = await startSamplesHarness();
    try {
      expect((await send([command(randomUUID(), 1, 'x')], 'submission', SECRET, off.url)).status).toBe(503);
    } finally {
      await off.close();
    }
  });
});

describe('applying commands', () => {
  it('creates each sample once, acknowledging redeliveries as duplicates', async () => {
    const submissionId = randomUUID();
    const first = [
      command(submissionId, 1, '1', { labSampleId: 'JL-147-001' }),
      command(submissionId, 2, '3'),
    ];
    expect((await send(first)).body.results).toEqual([
      { id: first[0]!.id, status: 'stored' },
      { id: first[1]!.id, status: 'stored' },
    ]);
    // The same events again, and the same sample under a new event id (an accept written twice).
    const again = await send([...first, command(submissionId, 1, '1')]);
    expect(again.body.results).toEqual([
      { id: first[0]!.id, status: 'duplicate' },
      { id: first[1]!.id, status: 'duplicate' },
      expect.objectContaining({ status: 'duplicate' }),
    ]);
    expect(await samplesOf(submissionId)).toEqual([
      expect.objectContaining({ name: '1', row_number: 1, lab_sample_id: 'JL-147-001', owner_id: ownerId }),
      expect.objectContaining({ name: '3', row_number: 2, lab_sample_id: null }),
    ]);
    const created = await h.sql<{ actor_id: string; owner_id: string }>(
      `SELECT e.actor_id, e.owner_id FROM outbox_event e JOIN sample s ON s.id::text = e.entity_id
        WHERE s.submission_id = $1 AND e.type = 'sample.created'`,
      [submissionId],
    );
    expect(created).toEqual([
      { actor_id: staffId, owner_id: ownerId },
      { actor_id: staffId, owner_id: ownerId },
    ]);
  });

  it('drops a value the sample rules refuse (a taken lab id, a bad e-mail), never the sample', async () => {
    const submissionId = randomUUID();
    const taken = command(submissionId, 1, 'A', { labSampleId: 'JL-147-001' });
    const badEmail = command(submissionId, 2, 'B', { requesterEmail: 'not an address' });
    const { body } = await send([taken, badEmail]);
    expect(body.results).toEqual([
      { id: taken.id, status: 'stored' },
      { id: badEmail.id, status: 'stored' },
    ]);
    expect(await samplesOf(submissionId)).toEqual([
      expect.objectContaining({ name: 'A', lab_sample_id: null }),
      expect.objectContaining({ name: 'B', requester_email: null }),
    ]);
  });

  it('rejects what is not a sample command, and stores the valid ones beside it', async () => {
    const submissionId = randomUUID();
    const good = command(submissionId, 1, 'ok');
    const otherType = { ...command(submissionId, 2, 'x'), type: 'submission.updated' };
    const noName = command(submissionId, 3, '  ');
    const otherEntity = { ...command(submissionId, 4, 'y'), entityId: randomUUID() };
    const { body } = await send([good, otherType, noName, otherEntity, { id: 'junk' }]);
    expect(body.results).toEqual([
      { id: good.id, status: 'stored' },
      expect.objectContaining({ id: otherType.id, status: 'rejected', code: 'UNKNOWN_COMMAND' }),
      expect.objectContaining({ id: noName.id, status: 'rejected', code: 'INVALID_PAYLOAD' }),
      expect.objectContaining({ id: otherEntity.id, status: 'rejected', code: 'INVALID_PAYLOAD' }),
      expect.objectContaining({ id: 'junk', status: 'rejected', code: 'INVALID_EVENT' }),
    ]);
    expect((await samplesOf(submissionId)).map((s) => s.name)).toEqual(['ok']);
  });
});

describe('Submission.samples', () => {
  const QUERY = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Submission { id samples { name rowNumber } } } }`;

  it('lists the visible samples of each submission in grid order', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await send([
      command(a, 3, '10'),
      command(a, 1, '5'),
      command(a, 2, 'Positive control'),
      command(b, 1, 'x'),
    ]);
    const reps = [a, b, randomUUID(), 'not-a-uuid'].map((id) => ({ __typename: 'Submission', id }));
    const staff = await h.gql(QUERY, { reps }, await h.as(['STAFF']));
    expect(
      staff.body.data._entities.map((e: { samples: { name: string }[] }) => e.samples.map((s) => s.name)),
    ).toEqual([['5', 'Positive control', '10'], ['x'], [], []]);
    const owner = await h.gql(QUERY, { reps: reps.slice(0, 1) }, await h.as(['SUBMITTER'], ownerId));
    expect(owner.body.data._entities[0].samples).toHaveLength(3);
    const stranger = await h.gql(QUERY, { reps: reps.slice(0, 1) }, await h.as(['SUBMITTER']));
    expect(stranger.body.data._entities[0].samples).toEqual([]);
  });
});
