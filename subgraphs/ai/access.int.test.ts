// Who sees and changes which extraction jobs, per role, through real JWTs over real HTTP: the lists, a job by
// id, the entity references the router sends (ExtractionJob, Submission.extraction, File.extraction), cancel and
// retry, and the bounds of the list's arguments.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtractionJob } from '../../generated/prisma/ai/client.ts';
import type { GraphQLResponse } from '../../test/helpers/graphql.ts';
import { extractionRequest, JOB_SCALARS, startAiHarness, type AiHarness } from './testing.ts';

const SYSTEM = { userId: null, roles: [], requestId: null };
const alice = randomUUID();
const bob = randomUUID();

let h: AiHarness;
let aliceJob: ExtractionJob;
let bobJob: ExtractionJob;

const LIST = `query ($filter: ExtractionJobFilter, $first: Int, $after: String) {
  extractionJobs(filter: $filter, first: $first, after: $after) {
    edges { node { id } } pageInfo { hasNextPage endCursor } totalCount } }`;
const ONE = `query ($id: ID!) { extractionJob(id: $id) { ${JOB_SCALARS} } }`;
const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) {
  ... on ExtractionJob { id status } ... on Submission { id extraction { id } } ... on File { id extraction { id } } } }`;
const CANCEL = `mutation ($id: ID!) { cancelExtractionJob(id: $id) { id status cancelRequested } }`;
const RETRY = `mutation ($id: ID!) { retryExtractionJob(id: $id) { id status attempts errorCode } }`;

const ids = (r: GraphQLResponse): string[] =>
  (r.body.data as { extractionJobs: { edges: { node: { id: string } }[] } }).extractionJobs.edges.map(
    (e) => e.node.id,
  );
const code = (r: GraphQLResponse) => r.body.errors?.[0]?.extensions.code as string | undefined;

beforeAll(async () => {
  h = await startAiHarness();
  aliceJob = (await h.subgraph.deps.queue.enqueue(extractionRequest({ ownerId: alice }), SYSTEM)).job;
  bobJob = (
    await h.subgraph.deps.queue.enqueue(extractionRequest({ ownerId: bob, kind: 'DOCUMENT' }), SYSTEM)
  ).job;
});
afterAll(() => h?.close());

describe('reading jobs', () => {
  it('a SUBMITTER lists and reads only their own jobs', async () => {
    const as = await h.as(['SUBMITTER'], alice);
    const list = await h.gql(LIST, {}, as);
    expect(ids(list)).toEqual([aliceJob.id]);
    // Asking for another owner's jobs gives none, not theirs.
    expect(ids(await h.gql(LIST, { filter: { ownerId: bob } }, as))).toEqual([]);
    const own = await h.gql(ONE, { id: aliceJob.id }, as);
    expect(own.body.data).toMatchObject({
      extractionJob: {
        id: aliceJob.id,
        kind: 'SCANNED_QUOTE',
        status: 'QUEUED',
        attempts: 0,
        maxAttempts: 3,
        progress: { pagesDone: 0, pagesTotal: null },
        submission: { id: aliceJob.submissionId },
        file: { id: aliceJob.fileId },
      },
    });
    expect((await h.gql(ONE, { id: bobJob.id }, as)).body.data).toEqual({ extractionJob: null });
  });

  it.each([['STAFF'], ['ADMIN'], ['VIEWER']] as const)('%s sees every job', async (role) => {
    const as = await h.as([role]);
    expect(ids(await h.gql(LIST, {}, as)).sort()).toEqual([aliceJob.id, bobJob.id].sort());
    expect(ids(await h.gql(LIST, { filter: { ownerId: bob } }, as))).toEqual([bobJob.id]);
    expect(ids(await h.gql(LIST, { filter: { kind: ['DOCUMENT'] } }, as))).toEqual([bobJob.id]);
    expect(ids(await h.gql(LIST, { filter: { submissionId: aliceJob.submissionId } }, as))).toEqual([
      aliceJob.id,
    ]);
  });

  it('entity references resolve only to what the caller may see', async () => {
    const representations = [
      { __typename: 'ExtractionJob', id: aliceJob.id },
      { __typename: 'ExtractionJob', id: bobJob.id },
      { __typename: 'Submission', id: aliceJob.submissionId },
      { __typename: 'Submission', id: bobJob.submissionId },
      { __typename: 'File', id: aliceJob.fileId },
      { __typename: 'File', id: bobJob.fileId },
    ];
    const mine = await h.gql(ENTITIES, { r: representations }, await h.as(['SUBMITTER'], alice));
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data).toEqual({
      _entities: [
        { id: aliceJob.id, status: 'QUEUED' },
        null,
        { id: aliceJob.submissionId, extraction: { id: aliceJob.id } },
        { id: bobJob.submissionId, extraction: null },
        { id: aliceJob.fileId, extraction: { id: aliceJob.id } },
        { id: bobJob.fileId, extraction: null },
      ],
    });
    const staff = await h.gql(ENTITIES, { r: representations }, await h.as(['STAFF']));
    expect((staff.body.data as { _entities: unknown[] })._entities.every((e) => e !== null)).toBe(true);
    expect(
      (staff.body.data as { _entities: { extraction?: { id: string } }[] })._entities[3]?.extraction,
    ).toEqual({
      id: bobJob.id,
    });
  });

  it('refuses a caller without a token and bounds the list', async () => {
    expect(code(await h.gql(LIST, {}))).toBe('UNAUTHENTICATED');
    const as = await h.as(['STAFF']);
    const tooMany = await h.gql(LIST, { first: 201 }, as);
    expect(code(tooMany)).toBe('BAD_USER_INPUT');
    const statuses = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'QUEUED'];
    expect(code(await h.gql(LIST, { filter: { status: statuses } }, as))).toBe('BAD_USER_INPUT');
    expect(code(await h.gql(LIST, { filter: { submissionId: 'not-a-uuid' } }, as))).toBe('BAD_USER_INPUT');
    expect(code(await h.gql(LIST, { after: 'x'.repeat(300) }, as))).toBe('BAD_USER_INPUT');
    const page = await h.gql(LIST, { first: 1 }, as);
    const { endCursor, hasNextPage } = (
      page.body.data as { extractionJobs: { pageInfo: { endCursor: string; hasNextPage: boolean } } }
    ).extractionJobs.pageInfo;
    expect(hasNextPage).toBe(true);
    const next = await h.gql(LIST, { first: 1, after: endCursor }, as);
    expect([...ids(page), ...ids(next)].sort()).toEqual([aliceJob.id, bobJob.id].sort());
  });
});

describe('cancel and retry', () => {
  it('a SUBMITTER cancels their own job, not another one; a VIEWER none', async () => {
    const own = (await h.subgraph.deps.queue.enqueue(extractionRequest({ ownerId: alice }), SYSTEM)).job;
    const other = (await h.subgraph.deps.queue.enqueue(extractionRequest({ ownerId: bob }), SYSTEM)).job;
    const asAlice = await h.as(['SUBMITTER'], alice);
    expect(code(await h.gql(CANCEL, { id: other.id }, asAlice))).toBe('NOT_FOUND');
    expect(code(await h.gql(CANCEL, { id: other.id }, await h.as(['VIEWER'])))).toBe('FORBIDDEN');
    const cancelled = await h.gql(CANCEL, { id: own.id }, asAlice);
    expect(cancelled.body.data).toEqual({
      cancelExtractionJob: { id: own.id, status: 'CANCELLED', cancelRequested: false },
    });
    const events = await h.events(own.id);
    expect(events.map((e) => e.type)).toEqual(['extraction.queued', 'extraction.cancelled']);
    expect(events[1]).toMatchObject({ actorId: alice, ownerId: alice, entityType: 'ExtractionJob' });
    // The job ended: the submission subgraph is told, in the same transaction.
    const notices = await h.sql(`SELECT payload FROM extraction_notice WHERE entity_id = $1`, [
      own.submissionId,
    ]);
    expect(notices).toEqual([{ payload: expect.objectContaining({ jobId: own.id, status: 'CANCELLED' }) }]);
    // Cancelling again: it has finished.
    expect(code(await h.gql(CANCEL, { id: own.id }, asAlice))).toBe('JOB_NOT_CANCELLABLE');
    // A SUBMITTER may not retry (no ai:manage), even their own.
    expect(code(await h.gql(RETRY, { id: own.id }, asAlice))).toMatch(/FORBIDDEN|UNAUTHORIZED/);
  });

  it('cancelling a RUNNING job asks the runner to stop it', async () => {
    const job = (await h.subgraph.deps.queue.enqueue(extractionRequest({ ownerId: bob }), SYSTEM)).job;
    await h.sql(`UPDATE extraction_job SET status = 'RUNNING', attempts = 1 WHERE id = $1`, [job.id]);
    const staff = await h.as(['STAFF']);
    const result = await h.gql(CANCEL, { id: job.id }, staff);
    expect(result.body.data).toEqual({
      cancelExtractionJob: { id: job.id, status: 'RUNNING', cancelRequested: true },
    });
    expect((await h.events(job.id)).map((e) => e.type)).toEqual([
      'extraction.queued',
      'extraction.cancel_requested',
    ]);
  });

  it('STAFF retries a FAILED job with fresh attempts; a QUEUED one is not retryable', async () => {
    const job = (await h.subgraph.deps.queue.enqueue(extractionRequest({ ownerId: bob }), SYSTEM)).job;
    const staff = await h.as(['STAFF']);
    expect(code(await h.gql(RETRY, { id: job.id }, staff))).toBe('JOB_NOT_RETRYABLE');
    await h.sql(
      `UPDATE extraction_job SET status = 'FAILED', attempts = 3, error_code = 'PAGE_TIMEOUT', finished_at = now()
        WHERE id = $1`,
      [job.id],
    );
    const retried = await h.gql(RETRY, { id: job.id }, staff);
    expect(retried.body.data).toEqual({
      retryExtractionJob: { id: job.id, status: 'QUEUED', attempts: 0, errorCode: null },
    });
    const events = await h.events(job.id);
    expect(events.map((e) => e.type)).toEqual(['extraction.queued', 'extraction.retried']);
    expect(events[1]!.changes).toEqual({
      status: { from: 'FAILED', to: 'QUEUED' },
      attempts: { from: 3, to: 0 },
    });
    // A SUCCEEDED job can be neither cancelled nor retried.
    await h.sql(`UPDATE extraction_job SET status = 'SUCCEEDED' WHERE id = $1`, [job.id]);
    expect(code(await h.gql(CANCEL, { id: job.id }, staff))).toBe('JOB_NOT_CANCELLABLE');
    expect(code(await h.gql(RETRY, { id: job.id }, staff))).toBe('JOB_NOT_RETRYABLE');
  });
});
