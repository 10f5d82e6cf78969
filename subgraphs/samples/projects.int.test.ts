import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

type Headers = Record<string, string>;

let h: SamplesHarness;
let staff: Headers;
let viewer: Headers;
let submitter: Headers;
const staffId = randomUUID();
const submitterId = randomUUID();

const PROJECT = 'id name description status version createdAt owner { id }';
const CREATE = `mutation ($input: CreateProjectInput!) { createProject(input: $input) { ${PROJECT} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateProjectInput!, $version: Int) {
  updateProject(id: $id, input: $input, version: $version) { ${PROJECT} } }`;
const GET = `query ($id: ID!) { project(id: $id) { ${PROJECT} sampleCount } }`;

async function data(query: string, variables: Record<string, unknown>, headers = staff) {
  const { body } = await h.gql(query, variables, headers);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data;
}

async function error(query: string, variables: Record<string, unknown>, headers = staff) {
  const { body } = await h.gql(query, variables, headers);
  expect(body.errors, 'expected an error').toBeDefined();
  return body.errors![0].extensions;
}

function events(entityId: string) {
  return h.sql<{ type: string; owner_id: string; actor_id: string; changes: unknown }>(
    'SELECT type, owner_id, actor_id, changes FROM outbox_event WHERE entity_id = $1 ORDER BY sequence',
    [entityId],
  );
}

beforeAll(async () => {
  h = await startSamplesHarness();
  staff = await h.as(['STAFF'], staffId);
  viewer = await h.as(['VIEWER']);
  submitter = await h.as(['SUBMITTER'], submitterId);
});
afterAll(async () => {
  await h?.close();
});

describe('createProject', () => {
  it('trims the name, owns it to the caller by default, and writes project.created', async () => {
    const { createProject } = await data(CREATE, {
      input: { name: '  Liver atlas  ', description: 'Mouse' },
    });
    expect(createProject).toMatchObject({
      name: 'Liver atlas',
      description: 'Mouse',
      status: 'ACTIVE',
      version: 0,
      owner: { id: staffId },
    });
    const [created] = await events(createProject.id);
    expect(created).toMatchObject({ type: 'project.created', owner_id: staffId, actor_id: staffId });
    expect(created!.changes).toEqual({
      name: { from: null, to: 'Liver atlas' },
      description: { from: null, to: 'Mouse' },
      ownerId: { from: null, to: staffId },
      status: { from: null, to: 'ACTIVE' },
    });
  });

  it('gives CONFLICT for a taken name, BAD_USER_INPUT for a bad one, FORBIDDEN to a viewer', async () => {
    await data(CREATE, { input: { name: 'Taken' } });
    expect(await error(CREATE, { input: { name: 'Taken' } })).toMatchObject({
      code: 'CONFLICT',
      field: 'name',
      rule: 'UNIQUE',
    });
    expect(await error(CREATE, { input: { name: '   ' } })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'name',
      rule: 'NAME_LENGTH',
    });
    expect(await error(CREATE, { input: { name: 'x'.repeat(201) } })).toMatchObject({ rule: 'TEXT_LENGTH' });
    expect(await error(CREATE, { input: { name: 'Owned', ownerId: 'nobody' } })).toMatchObject({
      field: 'ownerId',
      rule: 'ID_FORMAT',
    });
    expect((await error(CREATE, { input: { name: 'Viewer' } }, viewer)).code).toBe('FORBIDDEN');
    const [row] = await h.sql<{ n: number }>(`SELECT count(*)::int AS n FROM project WHERE name = 'Viewer'`);
    expect(row!.n).toBe(0);
  });

  it('takes another owner', async () => {
    const { createProject } = await data(CREATE, {
      input: { name: 'For a submitter', ownerId: submitterId },
    });
    expect(createProject.owner).toEqual({ id: submitterId });
  });
});

describe('updateProject', () => {
  it('changes given fields, writes project.updated with the changes, and refuses a stale version', async () => {
    const { createProject: project } = await data(CREATE, { input: { name: 'Gut', description: 'old' } });
    const { updateProject } = await data(UPDATE, {
      id: project.id,
      input: { name: 'Gut microbiome', status: 'ON_HOLD', description: null },
      version: 0,
    });
    expect(updateProject).toMatchObject({
      name: 'Gut microbiome',
      status: 'ON_HOLD',
      description: null,
      version: 1,
    });
    const [, updated] = await events(project.id);
    expect(updated).toMatchObject({ type: 'project.updated', actor_id: staffId });
    expect(updated!.changes).toEqual({
      name: { from: 'Gut', to: 'Gut microbiome' },
      description: { from: 'old', to: null },
      status: { from: 'ACTIVE', to: 'ON_HOLD' },
      version: { from: 0, to: 1 },
    });

    expect(await error(UPDATE, { id: project.id, input: { status: 'COMPLETED' }, version: 0 })).toMatchObject(
      {
        code: 'CONFLICT',
        expectedVersion: 0,
        actualVersion: 1,
      },
    );
    expect(await error(UPDATE, { id: project.id, input: { name: null } })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'name',
      rule: 'REQUIRED',
    });
    await data(CREATE, { input: { name: 'Skin' } });
    expect(await error(UPDATE, { id: project.id, input: { name: 'Skin' } })).toMatchObject({
      code: 'CONFLICT',
      rule: 'UNIQUE',
    });
    expect((await error(UPDATE, { id: randomUUID(), input: { name: 'Nowhere' } })).code).toBe('NOT_FOUND');
    expect((await data(GET, { id: project.id })).project.version).toBe(1);
    expect(await events(project.id)).toHaveLength(2);
  });

  it('of two concurrent updates from one read, lets exactly one win', async () => {
    const { createProject: project } = await data(CREATE, { input: { name: 'Race' } });
    const results = await Promise.all(
      ['Race A', 'Race B'].map((name) =>
        h.gql(UPDATE, { id: project.id, input: { name }, version: 0 }, staff),
      ),
    );
    const codes = results.map((r) => r.body.errors?.[0]?.extensions.code ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'OK']);
  });
});

describe('reading projects', () => {
  it('lists by name, filters by status, and counts only the samples the caller may see', async () => {
    const { createProject: project } = await data(CREATE, { input: { name: 'Counted' } });
    const other = randomUUID();
    for (const ownerId of [submitterId, submitterId, other]) {
      await h.subgraph.prisma.sample.create({ data: { name: randomUUID(), ownerId, projectId: project.id } });
    }
    expect((await data(GET, { id: project.id })).project.sampleCount).toBe(3);
    expect((await data(GET, { id: project.id }, submitter)).project.sampleCount).toBe(2);

    const { projects } = await data(`{ projects { name sampleCount } }`, {}, viewer);
    const names = projects.map((p: { name: string }) => p.name);
    expect(names).toEqual([...names].sort());
    expect(projects.find((p: { name: string }) => p.name === 'Counted').sampleCount).toBe(3);
    const { projects: onHold } = await data(`{ projects(status: ON_HOLD) { name status } }`, {}, viewer);
    expect(onHold.length).toBeGreaterThan(0);
    expect(onHold.every((p: { status: string }) => p.status === 'ON_HOLD')).toBe(true);
  });

  it("pages the project's samples, a SUBMITTER's own only", async () => {
    const { createProject: project } = await data(CREATE, { input: { name: 'Paged' } });
    const mine = [];
    for (let i = 0; i < 3; i += 1) {
      mine.push(
        await h.subgraph.prisma.sample.create({
          data: { name: `p${i}`, ownerId: submitterId, projectId: project.id },
        }),
      );
    }
    await h.subgraph.prisma.sample.create({
      data: { name: 'theirs', ownerId: randomUUID(), projectId: project.id },
    });
    const query = `query ($id: ID!, $after: String) { project(id: $id) {
      samples(first: 2, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } } }`;
    const page = (await data(query, { id: project.id }, submitter)).project.samples;
    expect(page.totalCount).toBe(3);
    expect(page.edges).toHaveLength(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const rest = (await data(query, { id: project.id, after: page.pageInfo.endCursor }, submitter)).project
      .samples;
    const seen = [...page.edges, ...rest.edges].map((e: { node: { id: string } }) => e.node.id).sort();
    expect(seen).toEqual(mine.map((s) => s.id).sort());
    expect((await data(query, { id: project.id }, staff)).project.samples.totalCount).toBe(4);
  });

  it('shows a SUBMITTER the projects they own or that hold their samples, by id, in the list and as a reference', async () => {
    const stranger = randomUUID();
    const reader = await h.as(['SUBMITTER'], stranger);
    const create = async (name: string, ownerId: string) =>
      (await data(CREATE, { input: { name, ownerId } })).createProject.id as string;
    const owned = await create('Owned by the reader', stranger);
    const holding = await create('Holds a sample of the reader', randomUUID());
    const hidden = await create('Of somebody else', randomUUID());
    await h.subgraph.prisma.sample.create({ data: { name: 'mine', ownerId: stranger, projectId: holding } });
    await h.subgraph.prisma.sample.create({
      data: { name: 'theirs', ownerId: randomUUID(), projectId: hidden },
    });

    const list = (await data('{ projects { id } }', {}, reader)).projects.map((p: { id: string }) => p.id);
    expect(list.sort()).toEqual([owned, holding].sort());
    const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Project { id name } } }`;
    const r = [owned, holding, hidden].map((id) => ({ __typename: 'Project', id }));
    const refs = (await data(ENTITIES, { r }, reader))._entities;
    expect(refs.map((p: { id: string } | null) => p?.id ?? null)).toEqual([owned, holding, null]);
    expect((await data(GET, { id: hidden }, reader)).project).toBeNull();
    expect((await data(GET, { id: holding }, reader)).project.sampleCount).toBe(1);
    // Read-all roles see every one of them.
    expect((await data(ENTITIES, { r }, viewer))._entities.every(Boolean)).toBe(true);
  });

  it('gives null for an unknown or malformed id', async () => {
    expect((await data(GET, { id: randomUUID() })).project).toBeNull();
    expect((await data(GET, { id: 'nope' })).project).toBeNull();
  });
});
