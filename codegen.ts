// Generated at install (scripts/generate.mjs) and by `npm run codegen`; the output in generated/ is never edited.
// - generated/graphql/<domain>.ts: typed resolvers for each subgraph (federation mode), from schema/<domain>.graphql
// - generated/client/: a typed client for integrators, from the supergraph's API schema and client/operations
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { apiSchemaSdl } from './common/api-schema.ts';

const subgraphs = readdirSync('schema')
  .filter((f) => f.endsWith('.graphql') && f !== 'supergraph.graphql')
  .map((f) => f.replace(/\.graphql$/, ''));

const scalars = { DateTime: { input: 'string', output: 'Date | string' }, JSON: 'unknown' };

/**
 * GraphQL type -> the record its resolvers receive as parent, where that is a database row (or, for
 * SampleAnalytics, the range its fields aggregate over) rather than the GraphQL shape: field resolvers derive the rest.
 */
const mappers: Record<string, Record<string, string>> = {
  auth: { ApiKey: '../prisma/auth/client.ts#ApiKey as ApiKeyRecord' },
  samples: {
    Sample: '../prisma/samples/client.ts#Sample as SampleRecord',
    SampleHistoryEntry: '../prisma/samples/client.ts#SampleHistory as SampleHistoryRecord',
    SampleNote: '../prisma/samples/client.ts#SampleNote as SampleNoteRecord',
    Project: '../prisma/samples/client.ts#Project as ProjectRecord',
    Run: '../prisma/samples/client.ts#Run as RunRecord',
    RunSample: '../prisma/samples/client.ts#RunSample as RunSampleRecord',
    SampleAnalytics: '../../subgraphs/samples/analytics.service.ts#AnalyticsRange',
    Submission: '../../subgraphs/samples/deps.ts#SubmissionRef',
  },
  files: {
    File: '../prisma/files/client.ts#File as FileRecord',
    FileShare: '../prisma/files/client.ts#FileShare as FileShareRecord',
    Sample: '../../subgraphs/files/deps.ts#EntityRef',
    Submission: '../../subgraphs/files/deps.ts#EntityRef',
  },
  submission: {
    Submission: '../prisma/submission/client.ts#Submission as SubmissionRecord',
    SubmissionRow: '../prisma/submission/client.ts#SubmissionRow as SubmissionRowRecord',
    SubmissionIssue: '../../subgraphs/submission/issues.ts#StoredIssue',
  },
  ai: {
    ExtractionJob: '../prisma/ai/client.ts#ExtractionJob as ExtractionJobRecord',
    Submission: '../../subgraphs/ai/deps.ts#EntityRef',
    File: '../../subgraphs/ai/deps.ts#EntityRef',
  },
};

const resolverTargets: CodegenConfig['generates'] = Object.fromEntries(
  subgraphs.map((domain) => [
    `generated/graphql/${domain}.ts`,
    {
      schema: `schema/${domain}.graphql`,
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useTypeImports: true,
        enumsAsTypes: true,
        contextType: `../../subgraphs/${domain}/context.ts#Context`,
        scalars,
        mappers: mappers[domain] ?? {},
      },
    },
  ]),
);

/**
 * The integrators' client (the client/ package): each document is its query text (documentMode string: no graphql
 * package needed at run time), typed with its result and variables. Scalars are typed as they arrive in JSON:
 * DateTime is an ISO 8601 string. persisted-documents.json maps each document's hash to its text: the hex SHA-256
 * of that exact text, as Apollo's persisted-query protocol sends it (`extensions.persistedQuery.sha256Hash`), so
 * the router's trusted-documents stage and the client agree on it.
 */
const hasClient = existsSync('schema/supergraph.graphql') && existsSync('client/operations');
const clientTarget: CodegenConfig['generates'] = hasClient
  ? {
      'generated/client/': {
        schema: apiSchemaSdl(readFileSync('schema/supergraph.graphql', 'utf8')),
        documents: 'client/operations/*.graphql',
        preset: 'client',
        presetConfig: {
          fragmentMasking: false,
          persistedDocuments: {
            mode: 'embedHashInDocument',
            hashAlgorithm: (text: string) => createHash('sha256').update(text).digest('hex'),
          },
        },
        config: {
          useTypeImports: true,
          enumsAsTypes: true,
          documentMode: 'string',
          scalars: { DateTime: 'string', JSON: 'unknown' },
        },
      },
    }
  : {};

const config: CodegenConfig = {
  overwrite: true,
  silent: true,
  importExtension: '.ts',
  generates: { ...resolverTargets, ...clientTarget },
};

export default config;
