// Entity references apply the caller rules of the root fields. For every entity type of every subgraph (found in
// schema/<subgraph>.graphql, so a new one is covered, or fails for want of a fixture), data owned by SUBMITTER A
// is asked for as A, as SUBMITTER B and without a token: directly at the subgraph (_entities, as the router would)
// and through the router (the root field reading that type). B and the anonymous caller must get exactly what
// they get for an id that does not exist; A must get something else, so a wrong fixture cannot pass.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  type DocumentNode,
  type GraphQLObjectType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commandEvent, extractionRequest } from '../../subgraphs/ai/testing.ts';
import { EXTRACTION_COMMANDS_PATH, EXTRACTION_REQUESTED } from '../../subgraphs/kit/extraction-wire.ts';
import { signServiceRequest } from '../../subgraphs/kit/service-auth.ts';
import { CSV_TEMPLATE, readFixture } from '../helpers/fixtures.ts';
import { post, type GraphQLResponse } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { eventually } from '../helpers/eventually.ts';

type Headers = Record<string, string>;
type Caller = 'owner' | 'other' | 'anonymous';

let stack: TestStack;
const headers: Record<Caller | 'admin' | 'staff', Headers> = {
  owner: {},
  other: {},
  anonymous: {},
  admin: {},
  staff: {},
};
const userIds: Record<string, string> = {};
/** Shared by the stack's services: signs the command that queues A's extraction. */
const relaySecret = randomBytes(32).toString('base64url');
/** Entity type -> the id of the owner's (SUBMITTER A's) instance. */
const ownedIds: Record<string, string> = {};

// ---- what the subgraphs' SDL says ------------------------------------------------------------------------

interface EntityType {
  subgraph: string;
  type: string;
  /** A selection of each field this subgraph resolves on the type (nested objects one level deep). */
  fields: string[];
}

const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

/** Every subgraph with an SDL file (the supergraph is their composition, not a subgraph). */
const SUBGRAPHS = readdirSync(SCHEMA_DIR)
  .filter((file) => file.endsWith('.graphql') && file !== 'supergraph.graphql')
  .map((file) => file.replace(/\.graphql$/, ''))
  .sort();

function schemaOf(subgraph: string): DocumentNode {
  return parse(readFileSync(new URL(`${subgraph}.graphql`, SCHEMA_DIR), 'utf8'));
}

/** Types with a resolvable @key: the ones a subgraph answers _entities for. */
function resolvableEntityNames(document: DocumentNode): string[] {
  return document.definitions.flatMap((definition) => {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) {
      return [];
    }
    const keys = (definition.directives ?? []).filter((d) => d.name.value === 'key');
    const resolvable = keys.some(
      (key) =>
        !key.arguments?.some(
          (arg) =>
            arg.name.value === 'resolvable' && arg.value.kind === Kind.BOOLEAN && arg.value.value === false,
        ),
    );
    return resolvable ? [definition.name.value] : [];
  });
}

/** A selection of each field (leaf fields by name, objects `depth` levels deep, then only __typename). */
function fieldSelections(type: GraphQLObjectType, depth: number): string[] {
  return Object.values(type.getFields()).map((field) => {
    const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
    if (required.length > 0) {
      throw new Error(`${type.name}.${field.name} has required arguments: give this test values for them`);
    }
    const named = getNamedType(field.type);
    if (isLeafType(named)) return field.name;
    if (depth === 0 || !isObjectType(named)) return `${field.name} { __typename }`;
    return `${field.name} { ${fieldSelections(named, depth - 1).join(' ')} }`;
  });
}

function entityTypes(subgraphs: string[]): EntityType[] {
  return subgraphs.flatMap((subgraph) => {
    const document = schemaOf(subgraph);
    const schema = buildSubgraphSchema({ typeDefs: document });
    return resolvableEntityNames(document).map((type) => ({
      subgraph,
      type,
      fields: fieldSelections(schema.getType(type) as GraphQLObjectType, 1),
    }));
  });
}

// ---- asking -------------------------------------------------------------------------------------------------

async function gql(query: string, variables: Record<string, unknown>, who: Headers) {
  const { body } = await post(stack.routerUrl, query, variables, who);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data;
}

type Ask = (id: string, selection: string, who: Headers) => Promise<GraphQLResponse>;

function direct(entity: EntityType): Ask {
  return (id, selection, who) => {
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ${entity.type} { ${selection} } } }`;
    return post(stack.subgraphUrls[entity.subgraph]!, query, { r: [{ __typename: entity.type, id }] }, who);
  };
}

/**
 * What any signed-in caller may read of an entity that is not theirs: a user's public profile, shown wherever a
 * user is an assignee, submitter or actor (schema/auth.graphql). Nothing else of A's may reach B.
 */
const PUBLIC_FIELDS: Record<string, string[]> = { 'auth:User': ['id', 'name'] };

/** The root field that reads the type by id: `user(id)` for User, and so on. */
const rootField = (type: string) => `${type[0]!.toLowerCase()}${type.slice(1)}`;

function throughRouter(entity: EntityType): Ask {
  return (id, selection, who) =>
    post(
      stack.routerUrl,
      `query ($id: ID!) { ${rootField(entity.type)}(id: $id) { ${selection} } }`,
      { id },
      who,
    );
}

/** The data, with the id asked for written as ID: an answer about A's entity and one about nothing compare. */
const dataOf = (response: GraphQLResponse, id: string) =>
  JSON.stringify(response.body.data ?? null).replaceAll(id, 'ID');

/**
 * The owner reads every field at once; the others are asked one field at a time, because one refused non-null
 * field nulls the whole entity and would hide what the other fields give away.
 */
async function expectAccessRules(ask: Ask, entity: EntityType) {
  const id = ownedIds[entity.type];
  expect(
    id,
    `no fixture for the entity type ${entity.type}: create one owned by A in beforeAll`,
  ).toBeDefined();
  const absentId = randomUUID();
  const everything = entity.fields.join(' ');

  const owner = await ask(id!, everything, headers.owner);
  expect(owner.body.errors, JSON.stringify(owner.body.errors)).toBeUndefined();
  expect(dataOf(owner, id!), 'the owner must see their own entity').not.toBe(
    dataOf(await ask(absentId, everything, headers.owner), absentId),
  );
  expect(JSON.stringify(owner.body.data)).toContain(id);

  const publicFields = PUBLIC_FIELDS[`${entity.subgraph}:${entity.type}`];
  for (const caller of ['other', 'anonymous'] as const) {
    for (const field of entity.fields) {
      const seen = await ask(id!, field, headers[caller]);
      const why = `${caller} must learn nothing of A's ${entity.type} (${field})`;
      if (caller === 'other' && publicFields) {
        // The entity is public (its profile), so it exists for B: every other field must come back empty.
        if (publicFields.includes(field)) continue;
        const value = entityOf(seen);
        expect(value === null || Object.values(value).every((v) => v === null), why).toBe(true);
        continue;
      }
      const nothing = await ask(absentId, field, headers[caller]);
      expect(dataOf(seen, id!), why).toBe(dataOf(nothing, absentId));
    }
  }
}

/** The entity of an answer: _entities[0] at a subgraph, the root field's value through the router. */
function entityOf(response: GraphQLResponse): Record<string, unknown> | null {
  const value = Object.values(response.body.data ?? {})[0] as unknown;
  return ((Array.isArray(value) ? value[0] : value) ?? null) as Record<string, unknown> | null;
}

// ---- A's data, made through the real stack ---------------------------------------------------------------

async function login(email: string, password: string) {
  const data = await gql(
    'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { id } } }',
    { e: email, p: password },
    {},
  );
  return { headers: { authorization: `Bearer ${data.login.accessToken}` }, id: data.login.user.id as string };
}

async function createUser(key: 'owner' | 'other' | 'staff', role: string) {
  const email = `${key}@lab.test`;
  // Not built from the email or name: the password policy refuses that.
  const password = `the passphrase of user number ${['owner', 'other', 'staff'].indexOf(key) + 1}`;
  await gql(
    'mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input: { email, name: `The ${key}`, roles: [role], password } },
    headers.admin,
  );
  const session = await login(email, password);
  headers[key] = session.headers;
  userIds[key] = session.id;
}

/** One GraphQL multipart request (one file) through the router. */
async function upload(
  query: string,
  variables: Record<string, unknown>,
  bytes: Buffer,
  name: string,
  type: string,
) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables: { ...variables, file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([bytes], { type }), name);
  const response = await fetch(stack.routerUrl, {
    method: 'POST',
    headers: { ...headers.owner, 'apollo-require-preflight': 'true' },
    body: form,
  });
  const body = (await response.json()) as GraphQLResponse['body'];
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data;
}

async function createOwnedData() {
  ownedIds.User = userIds.owner!;
  const imported = await upload(
    'mutation ($file: Upload!) { importSubmission(file: $file) { id } }',
    {},
    readFixture(CSV_TEMPLATE),
    'sheet.csv',
    'text/csv',
  );
  ownedIds.Submission = imported.importSubmission.id;

  const project = await gql(
    'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }',
    { input: { name: "A's project", description: 'only for A', ownerId: userIds.owner } },
    headers.staff,
  );
  ownedIds.Project = project.createProject.id;

  const sample = await gql(
    'mutation ($input: CreateSampleInput!) { createSample(input: $input) { id } }',
    {
      input: {
        name: "A's sample",
        ownerId: userIds.owner,
        submissionId: ownedIds.Submission,
        projectId: ownedIds.Project,
      },
    },
    headers.staff,
  );
  ownedIds.Sample = sample.createSample.id;

  const run = await gql(
    'mutation ($input: CreateRunInput!) { createRun(input: $input) { id } }',
    {
      input: {
        flowCellId: 'FAK00001',
        productCode: 'FLO-MIN114',
        format: 'MINION',
        kit: 'SQK-LSK114',
        experimentId: 'EXP-A',
      },
    },
    headers.staff,
  );
  ownedIds.Run = run.createRun.id;
  await gql(
    'mutation ($runId: ID!, $s: [RunSampleInput!]!) { addSamplesToRun(runId: $runId, samples: $s) { id } }',
    { runId: ownedIds.Run, s: [{ sampleId: ownedIds.Sample }] },
    headers.staff,
  );

  const file = await upload(
    'mutation ($file: Upload!, $id: ID!) { uploadFile(file: $file, attachTo: { sampleId: $id }, kind: QC_REPORT) { id } }',
    { id: ownedIds.Sample },
    Buffer.from('Qubit 42 ng/uL\n'),
    'qc.txt',
    'text/plain',
  );
  ownedIds.File = file.uploadFile.id;

  // An extraction of A's submission's document, requested as the submission subgraph requests one (a signed
  // command to the ai subgraph): ExtractionJob, and the ai subgraph's Submission.extraction and File.extraction.
  const request = extractionRequest({
    submissionId: ownedIds.Submission,
    ownerId: userIds.owner!,
    fileId: ownedIds.File,
  });
  const body = JSON.stringify({ events: [commandEvent(EXTRACTION_REQUESTED, request)] });
  const sent = await fetch(`${stack.subgraphUrls.ai!.replace(/\/graphql$/, '')}${EXTRACTION_COMMANDS_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: signServiceRequest({ secret: relaySecret, service: 'submission', body }),
    },
    body,
  });
  expect(sent.status).toBe(200);
  const jobs = await gql(
    'query ($s: ID!) { extractionJobs(filter: { submissionId: $s }) { edges { node { id } } } }',
    { s: ownedIds.Submission },
    headers.staff,
  );
  ownedIds.ExtractionJob = jobs.extractionJobs.edges[0].node.id;

  // The audit trails fill asynchronously (outbox relays): wait until A's sample and user have one.
  const TRAILS = `query ($s: ID!, $u: ID!) {
    sample(id: $s) { auditTrail { totalCount } } user(id: $u) { auditTrail { totalCount } } }`;
  await eventually(
    async () => {
      const { body } = await post(
        stack.routerUrl,
        TRAILS,
        { s: ownedIds.Sample, u: ownedIds.User },
        headers.owner,
      );
      return body.data?.sample?.auditTrail.totalCount > 0 && body.data?.user?.auditTrail.totalCount > 0;
    },
    { what: 'the audit trails of A', timeoutMs: 30_000 },
  );
}

beforeAll(async () => {
  stack = await startTestStack({ OUTBOX_RELAY_SECRET: relaySecret });
  headers.admin = (await login(stack.admin.email, stack.admin.password)).headers;
  await createUser('owner', 'SUBMITTER');
  await createUser('other', 'SUBMITTER');
  await createUser('staff', 'STAFF');
  await createOwnedData();
}, 120_000);
afterAll(() => stack?.close());

// ---- the walk -----------------------------------------------------------------------------------------------

describe('every entity type of every subgraph', () => {
  test('is found in the SDL of every running subgraph, and each has a fixture', () => {
    expect(SUBGRAPHS).toEqual(Object.keys(stack.subgraphUrls).sort());
    const entities = entityTypes(SUBGRAPHS);
    // Sanity: the walk sees the known entities (a broken discovery would make the walk below vacuous).
    expect(entities.map((e) => `${e.subgraph}:${e.type}`)).toEqual(
      expect.arrayContaining(['auth:User', 'samples:Sample', 'samples:Project', 'samples:Run', 'audit:User']),
    );
    for (const { subgraph, type } of entities) {
      expect(ownedIds[type], `no fixture for ${type} (${subgraph})`).toBeDefined();
    }
  });

  for (const entity of entityTypes(SUBGRAPHS)) {
    test(`${entity.subgraph}: ${entity.type} by _entities at the subgraph`, async () => {
      await expectAccessRules(direct(entity), entity);
      // Without a token, _entities itself refuses.
      const anonymous = await direct(entity)(ownedIds[entity.type]!, 'id', {});
      expect(anonymous.body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    });

    test(`${entity.subgraph}: ${entity.type} through the router (${rootField(entity.type)})`, async () => {
      await expectAccessRules(throughRouter(entity), entity);
    });
  }
});

describe('lists and references through the router', () => {
  const PROJECTS = '{ projects { id name owner { id name email } } }';

  test("a SUBMITTER lists only the projects and runs they may see, never another's owner email", async () => {
    const other = await gql(PROJECTS, {}, headers.other);
    expect(other.projects).toEqual([]);
    expect((await gql('{ runs { id } }', {}, headers.other)).runs).toEqual([]);

    const owner = await gql(PROJECTS, {}, headers.owner);
    expect(owner.projects).toEqual([
      {
        id: ownedIds.Project,
        name: "A's project",
        owner: { id: userIds.owner, name: 'The owner', email: 'owner@lab.test' },
      },
    ]);
    expect((await gql('{ runs { id } }', {}, headers.owner)).runs).toEqual([{ id: ownedIds.Run }]);
    expect((await gql(PROJECTS, {}, headers.staff)).projects).toHaveLength(1);
  });

  test("a SUBMITTER reads the name of a user on their own data, not the account's details", async () => {
    const { createSample } = await gql(
      'mutation ($input: CreateSampleInput!) { createSample(input: $input) { id } }',
      { input: { name: "B's sample", ownerId: userIds.other } },
      headers.staff,
    );
    await gql(
      'mutation ($ids: [ID!]!, $u: ID) { assignSamples(ids: $ids, userId: $u) { succeeded } }',
      { ids: [createSample.id], u: userIds.staff },
      headers.staff,
    );
    const NAME = 'query ($id: ID!) { sample(id: $id) { assignee { id name } } }';
    expect(await gql(NAME, { id: createSample.id }, headers.other)).toEqual({
      sample: { assignee: { id: userIds.staff, name: 'The staff' } },
    });
    const EMAIL = 'query ($id: ID!) { sample(id: $id) { id assignee { email roles } } }';
    const { body } = await post(stack.routerUrl, EMAIL, { id: createSample.id }, headers.other);
    expect(body.data).toEqual({ sample: { id: createSample.id, assignee: null } });
    expect(body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    // Staff see it.
    expect(await gql(EMAIL, { id: createSample.id }, headers.staff)).toEqual({
      sample: { id: createSample.id, assignee: { email: 'staff@lab.test', roles: ['STAFF'] } },
    });
  });
});
