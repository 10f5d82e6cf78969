// Who sees which files: VIEWER, STAFF and ADMIN everything; a SUBMITTER the files on their own samples, their own
// uploads, and what is shared with them until the share ends or is revoked. Sharing, revoking and deleting, with
// their rules and outbox events. Sample.files for a page of samples in a constant number of statements.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFilesHarness, type FilesHarness } from './testing.ts';

let h: FilesHarness;
const staffId = randomUUID();
const submitterId = randomUUID();
let staff: Record<string, string>;
let submitter: Record<string, string>;
let viewer: Record<string, string>;
let ownSample: string;
let otherSample: string;
/** Uploaded by staff: on the submitter's sample, and on someone else's. */
let onOwn: string;
let onOther: string;

const FILE = 'query ($id: ID!) { file(id: $id) { id name shares { id user { id } sharedBy { id } } } }';
const SHARE = `mutation ($f: ID!, $u: ID!, $e: DateTime!) {
  shareFile(fileId: $f, userId: $u, expiresAt: $e) { id expiresAt user { id } sharedBy { id } file { id } }
}`;
const REVOKE = 'mutation ($id: ID!) { revokeShare(shareId: $id) }';
const DELETE = 'mutation ($id: ID!) { deleteFile(id: $id) }';
const ENTITIES = `query ($r: [_Any!]!) {
  _entities(representations: $r) { ... on Sample { id files { id name version size contentType downloadUrl } } }
}`;

async function upload(sampleId: string, name: string, headers = staff, text = name): Promise<string> {
  const { body } = await h.upload({ bytes: Buffer.from(`${text}\n`), name, attachTo: { sampleId }, headers });
  expect(body.errors).toBeUndefined();
  return body.data.uploadFile.id;
}

async function fileFor(id: string, headers: Record<string, string>) {
  const { body } = await h.gql(FILE, { id }, headers);
  expect(body.errors).toBeUndefined();
  return body.data.file;
}

async function sampleFiles(sampleIds: string[], headers: Record<string, string>) {
  const { body } = await h.gql(
    ENTITIES,
    { r: sampleIds.map((id) => ({ __typename: 'Sample', id })) },
    headers,
  );
  expect(body.errors).toBeUndefined();
  return body.data._entities as { id: string; files: { id: string; name: string; version: number }[] }[];
}

const inHours = (hours: number) => new Date(h.now().getTime() + hours * 3_600_000).toISOString();

beforeAll(async () => {
  h = await startFilesHarness();
  staff = await h.as(['STAFF'], staffId);
  submitter = await h.as(['SUBMITTER'], submitterId);
  viewer = await h.as(['VIEWER']);
  ownSample = await h.createSample(submitterId);
  otherSample = await h.createSample(randomUUID());
  onOwn = await upload(ownSample, 'own.txt');
  onOther = await upload(otherSample, 'other.txt');
});
afterAll(async () => {
  await h?.close();
});

describe('visibility', () => {
  it('VIEWER sees every file; a SUBMITTER only those on their own samples', async () => {
    expect(await fileFor(onOther, viewer)).toMatchObject({ id: onOther });
    expect(await fileFor(onOwn, submitter)).toMatchObject({ id: onOwn });
    expect(await fileFor(onOther, submitter)).toBeNull();

    expect(await sampleFiles([ownSample, otherSample], viewer)).toEqual([
      { id: ownSample, files: [expect.objectContaining({ id: onOwn })] },
      { id: otherSample, files: [expect.objectContaining({ id: onOther })] },
    ]);
    expect(await sampleFiles([ownSample, otherSample], submitter)).toEqual([
      { id: ownSample, files: [expect.objectContaining({ id: onOwn })] },
      { id: otherSample, files: [] },
    ]);
  });

  it('a share shows a file to its user until it is revoked or expires', async () => {
    const share = await h.gql(SHARE, { f: onOther, u: submitterId, e: inHours(1) }, staff);
    expect(share.body.errors).toBeUndefined();
    expect(share.body.data.shareFile).toMatchObject({
      user: { id: submitterId },
      sharedBy: { id: staffId },
      file: { id: onOther },
    });
    expect(await fileFor(onOther, submitter)).toEqual({ id: onOther, name: 'other.txt', shares: [] });
    expect((await sampleFiles([otherSample], submitter))[0]!.files.map((f) => f.id)).toEqual([onOther]);
    // Its shares are shown to the uploader, STAFF and ADMIN only.
    expect((await fileFor(onOther, staff)).shares).toEqual([
      { id: share.body.data.shareFile.id, user: { id: submitterId }, sharedBy: { id: staffId } },
    ]);
    expect((await fileFor(onOther, viewer)).shares).toEqual([]);

    const revoke = await h.gql(REVOKE, { id: share.body.data.shareFile.id }, staff);
    expect(revoke.body.data).toEqual({ revokeShare: true });
    expect(await fileFor(onOther, submitter)).toBeNull();
    expect((await h.gql(REVOKE, { id: share.body.data.shareFile.id }, staff)).body.data).toEqual({
      revokeShare: false,
    });

    await h.gql(SHARE, { f: onOther, u: submitterId, e: inHours(1) }, staff);
    expect(await fileFor(onOther, submitter)).not.toBeNull();
    h.advance(3601);
    try {
      expect(await fileFor(onOther, submitter)).toBeNull();
      expect((await sampleFiles([otherSample], submitter))[0]!.files).toEqual([]);
    } finally {
      h.advance(-3601);
    }
  });

  it('lists the latest visible version of each name, newest first, and drops deleted versions', async () => {
    const sampleId = await h.createSample(submitterId);
    const a1 = await upload(sampleId, 'a.txt', staff, 'a one');
    const b1 = await upload(sampleId, 'b.txt', staff, 'b one');
    const a2 = await upload(sampleId, 'a.txt', staff, 'a two');
    expect((await sampleFiles([sampleId], submitter))[0]!.files.map((f) => [f.id, f.version])).toEqual([
      [a2, 2],
      [b1, 1],
    ]);
    expect((await h.gql(DELETE, { id: a2 }, staff)).body.data).toEqual({ deleteFile: true });
    expect((await sampleFiles([sampleId], submitter))[0]!.files.map((f) => f.id)).toEqual([b1, a1]);
    const { body } = await h.gql('query ($id: ID!) { file(id: $id) { versions { id } } }', { id: a1 }, staff);
    expect(body.data.file.versions).toEqual([{ id: a1 }]);
    expect(await fileFor(a2, staff)).toBeNull();
  });
});

describe('Submission.files', () => {
  it('lists the files of a submission (seeded: the submission subgraph arrives later)', async () => {
    const submissionId = randomUUID();
    const sha256 = 'f'.repeat(64);
    const prisma = h.subgraph.prisma;
    await prisma.blob.create({
      data: { sha256, size: 3n, contentType: 'text/plain', storageKey: `blobs/ff/ff/${sha256}` },
    });
    const file = await prisma.file.create({
      data: {
        name: 'sheet.csv',
        kind: 'SAMPLE_SHEET',
        entityType: 'SUBMISSION',
        entityId: submissionId,
        version: 1,
        sha256,
        uploadedById: staffId,
      },
    });
    const query = `query ($r: [_Any!]!) {
      _entities(representations: $r) { ... on Submission { id files(kind: SAMPLE_SHEET) { id contentType size sample { id } submission { id } } } }
    }`;
    const r = [{ __typename: 'Submission', id: submissionId }];
    const seen = await h.gql(query, { r }, viewer);
    expect(seen.body.data._entities).toEqual([
      {
        id: submissionId,
        files: [
          { id: file.id, contentType: 'text/csv', size: 3, sample: null, submission: { id: submissionId } },
        ],
      },
    ]);
    const hidden = await h.gql(query, { r }, submitter);
    expect(hidden.body.data._entities).toEqual([{ id: submissionId, files: [] }]);
    const anonymous = await h.gql(query, { r });
    expect(anonymous.body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('sharing, revoking, deleting', () => {
  it('only the uploader, STAFF or ADMIN may share, revoke or delete', async () => {
    // The submitter sees onOwn (their sample) but did not upload it.
    for (const [query, variables] of [
      [SHARE, { f: onOwn, u: randomUUID(), e: inHours(1) }],
      [DELETE, { id: onOwn }],
    ] as const) {
      const { body } = await h.gql(query, variables, submitter);
      expect(body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    }
    // A file they cannot see does not exist for them.
    const unseen = await upload(otherSample, 'unseen.txt');
    const hidden = await h.gql(SHARE, { f: unseen, u: randomUUID(), e: inHours(1) }, submitter);
    expect(hidden.body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    // Their own upload they may share.
    const mine = await upload(ownSample, 'mine.txt', submitter);
    const shared = await h.gql(SHARE, { f: mine, u: randomUUID(), e: inHours(1) }, submitter);
    expect(shared.body.errors).toBeUndefined();
    const revoke = await h.gql(REVOKE, { id: shared.body.data.shareFile.id }, await h.as(['SUBMITTER']));
    expect(revoke.body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
  });

  it.each([
    ['in the past', -1, 'IN_THE_PAST'],
    ['more than 90 days ahead', 90 * 24 + 1, 'TOO_FAR_AHEAD'],
  ])('refuses a share ending %s', async (_what, hours, rule) => {
    const { body } = await h.gql(SHARE, { f: onOther, u: randomUUID(), e: inHours(hours) }, staff);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt', rule });
  });

  it('records file.shared, file.share_revoked and file.deleted', async () => {
    const sampleOwner = randomUUID();
    const sampleId = await h.createSample(sampleOwner);
    const id = await upload(sampleId, 'audited.txt');
    const guest = randomUUID();
    const expiresAt = inHours(2);
    const shareId = (await h.gql(SHARE, { f: id, u: guest, e: expiresAt }, staff)).body.data.shareFile.id;
    await h.gql(REVOKE, { id: shareId }, staff);
    await h.gql(DELETE, { id }, staff);
    const events = await h.sql(
      'SELECT type, owner_id, actor_id, changes, payload FROM outbox_event WHERE entity_id = $1 ORDER BY sequence',
      [id],
    );
    const common = { owner_id: sampleOwner, actor_id: staffId };
    expect(events).toEqual([
      expect.objectContaining({ type: 'file.uploaded', ...common }),
      { type: 'file.shared', ...common, changes: {}, payload: { shareId, userId: guest, expiresAt } },
      { type: 'file.share_revoked', ...common, changes: {}, payload: { shareId, userId: guest } },
      {
        type: 'file.deleted',
        ...common,
        changes: { deletedAt: { from: null, to: expect.any(String) } },
        payload: { name: 'audited.txt', version: 1 },
      },
    ]);
    const [row] = await h.sql('SELECT deleted_at, deleted_by_id FROM file WHERE id = $1', [id]);
    expect(row).toEqual({ deleted_at: expect.any(Date), deleted_by_id: staffId });
    expect((await h.gql(DELETE, { id }, staff)).body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
  });
});

describe('Sample.files for a page of samples', () => {
  async function statements(sampleIds: string[], headers: Record<string, string>) {
    const before = await h.queryCount();
    const entities = await sampleFiles(sampleIds, headers);
    return { count: (await h.queryCount()) - before, entities };
  }

  it('costs the same statements for 3 samples as for 12', async () => {
    const samples = await Promise.all(Array.from({ length: 12 }, () => h.createSample(submitterId)));
    for (const [i, sampleId] of samples.entries()) {
      await upload(sampleId, `report-${i}.txt`);
      await upload(sampleId, `report-${i}.txt`, staff, `report ${i} again`);
    }
    for (const headers of [viewer, submitter]) {
      const small = await statements(samples.slice(0, 3), headers);
      const large = await statements(samples, headers);
      expect(large.entities.map((e) => e.files.map((f) => [f.name, f.version]))).toEqual(
        samples.map((_id, i) => [[`report-${i}.txt`, 2]]),
      );
      // The files (visibility included) and their blobs.
      expect(small.count).toBe(2);
      expect(large.count).toBe(small.count);
    }
  });
});
