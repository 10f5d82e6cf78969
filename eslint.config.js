import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import boundaries from 'eslint-plugin-boundaries';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.data/',
      'generated/',
      'coverage/',
      'client/dist/',
      'client/.build/',
      'dist/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: { ...globals.node },
      // Type information for the rules that need it (a promise nobody awaits, a promise where a callback belongs).
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // Parsers of uploaded bytes run in worker threads that are terminated when they run out of time or memory, and
    // Node aborts the whole process when a terminated worker leaves a zlib handle half made. Inflate with fflate.
    files: ['subgraphs/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing.ts', '**/hostile.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        ...['node:zlib', 'zlib'].map((name) => ({
          name,
          message: 'no native zlib in subgraph code: parser workers may be terminated mid-call (use fflate)',
        })),
      ],
    },
  },
  {
    // Which part of the system a file belongs to (docs/architecture.md): the router, the kit, each subgraph, and
    // common/ (what router and kit both need). Tests and test harnesses may reach across; production code may not.
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing.ts', '**/*-testing.ts', 'test/**', 'bench/**', 'scripts/**'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': [
        { type: 'common', pattern: 'common', partialMatch: false },
        { type: 'router', pattern: 'router', partialMatch: false },
        { type: 'kit', pattern: 'subgraphs/kit', partialMatch: false, exclusive: true },
        { type: 'domain', pattern: 'subgraphs/*', partialMatch: false, capture: ['domain'] },
        { type: 'database', pattern: 'generated/prisma/*', partialMatch: false, capture: ['domain'] },
      ],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'allow',
          policies: [
            {
              from: { element: { type: 'common' } },
              disallow: { to: { element: { types: { anyOf: ['router', 'kit', 'domain', 'database'] } } } },
              message: 'common/ is neutral: it imports neither the router nor the subgraphs',
            },
            {
              from: { element: { type: 'router' } },
              disallow: { to: { element: { types: { anyOf: ['kit', 'domain', 'database'] } } } },
              message: 'the router imports no subgraph code: what both need belongs in common/',
            },
            {
              from: { element: { type: 'kit' } },
              disallow: { to: { element: { types: { anyOf: ['router', 'domain', 'database'] } } } },
              message: 'the kit serves every subgraph and imports none of them',
            },
            {
              from: { element: { type: 'domain' } },
              disallow: {
                to: {
                  element: {
                    types: { anyOf: ['router', 'domain', 'database'] },
                    captured: { domain: '!{{ from.element.captured.domain }}' },
                  },
                },
              },
              message:
                'a subgraph imports no other subgraph or its database: they talk over the graph or a signed contract in the kit',
            },
          ],
        },
      ],
    },
  },
  {
    // Plain JavaScript is outside the TypeScript project, so it gets the rules that need no types.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['scripts/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
);
