// Generated at install (scripts/generate.mjs) and by `npm run codegen`; the output in generated/ is never edited.
// - generated/graphql/<domain>.ts: typed resolvers for each subgraph (federation mode), from schema/<domain>.graphql
// - generated/client/: a typed client for integrators, from the supergraph's API schema and client/operations
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import { printSchema } from 'graphql';

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

/** The schema clients see: the supergraph without federation's join machinery. */
function apiSchemaSdl(): string {
  // Our router enforces the security features (@authenticated, @requiresScopes, @policy), as Apollo Router does.
  const supergraph = Supergraph.build(readFileSync('schema/supergraph.graphql', 'utf8'), {
    supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
  });
  return printSchema(supergraph.apiSchema().toGraphQLJSSchema());
}

const hasClient = existsSync('schema/supergraph.graphql') && existsSync('client/operations');
const clientTarget: CodegenConfig['generates'] = hasClient
  ? {
      'generated/client/': {
        schema: apiSchemaSdl(),
        documents: 'client/operations/*.graphql',
        preset: 'client',
        presetConfig: { fragmentMasking: false },
        config: { useTypeImports: true, enumsAsTypes: true, scalars },
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
