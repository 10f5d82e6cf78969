import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Apollo's packages load graphql as CommonJS; without this alias our own files would get its ESM build, and
  // the two copies fail each other's instanceof checks (schemas, GraphQLError codes).
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: [
      'common/**/*.test.ts',
      'subgraphs/**/*.test.ts',
      'router/**/*.test.ts',
      'test/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: { APOLLO_TELEMETRY_DISABLED: '1', CHECKPOINT_DISABLE: '1' },
  },
});
