import { defineConfig } from 'vitest/config';

const everywhere = ['common', 'subgraphs', 'router', 'test', 'scripts'];

/** Starts PostgreSQL (TEST_DATABASE_URL or an embedded one) and migrates a template database per domain. */
export const databaseSetup = ['test/global-setup.ts'];

export default defineConfig({
  // Apollo's packages load graphql as CommonJS; without this alias our own files would get its ESM build, and
  // the two copies fail each other's instanceof checks (schemas, GraphQLError codes).
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: { APOLLO_TELEMETRY_DISABLED: '1', CHECKPOINT_DISABLE: '1' },
    // `npm run test:unit` runs the first project alone: no database, no child processes, no OCR, in seconds.
    // A test that needs any of those is named *.int.test.ts; `npm test` runs both projects.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Both cores: the unit files share nothing. (Integration files keep vitest's default of one worker
          // on two cores, as their servers and databases already use the other.)
          maxWorkers: 2,
          // First, so a broken rule fails the run before the databases are set up.
          sequence: { groupOrder: 0 },
          include: everywhere.map((dir) => `${dir}/**/*.test.ts`),
          exclude: ['**/*.int.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: everywhere.map((dir) => `${dir}/**/*.int.test.ts`),
          globalSetup: databaseSetup,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
