// The lint rules that keep the parts apart (eslint.config.js) must catch a crossing, not only pass a clean tree.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Linting text that is not on disk: this rule needs the import targets (real files), not type information.
const eslint = new ESLint({
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === 'boundaries/dependencies',
});

async function boundaryErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: file });
  return (result?.messages ?? []).map((message) => message.message);
}

const use = (names: string) => `\nexport const used = [${names}];\n`;

describe('import boundaries', () => {
  it('a subgraph may not import another subgraph, even from a subfolder, nor its database client', async () => {
    expect(
      await boundaryErrors(
        'subgraphs/auth/probe.ts',
        `import { STAGES } from '../samples/stages.ts';\n` +
          `import { PrismaClient } from '../../generated/prisma/samples/client.ts';` +
          use('STAGES, PrismaClient'),
      ),
    ).toHaveLength(2);
    expect(
      await boundaryErrors(
        'subgraphs/submission/quote-pdf/probe.ts',
        `import { SERVICE_NAME } from '../../samples/deps.ts';` + use('SERVICE_NAME'),
      ),
    ).toEqual([expect.stringContaining('imports no other subgraph')]);
  });

  it('a subgraph may import itself, its own database client, the kit and common/', async () => {
    expect(
      await boundaryErrors(
        'subgraphs/submission/quote-pdf/probe.ts',
        `import { SERVICE_NAME } from '../deps.ts';\n` +
          `import { PrismaClient } from '../../../generated/prisma/submission/client.ts';\n` +
          `import { createLogger } from '../../kit/logger.ts';\n` +
          `import { codedError } from '../../../common/errors.ts';` +
          use('SERVICE_NAME, PrismaClient, createLogger, codedError'),
      ),
    ).toEqual([]);
  });

  it('the kit imports no subgraph and no router code', async () => {
    expect(
      await boundaryErrors(
        'subgraphs/kit/probe.ts',
        `import { SERVICE_NAME } from '../auth/deps.ts';\n` +
          `import { createRouter } from '../../router/createRouter.ts';` +
          use('SERVICE_NAME, createRouter'),
      ),
    ).toEqual([
      expect.stringContaining('imports none of them'),
      expect.stringContaining('imports none of them'),
    ]);
  });

  it('the router imports no subgraph code, and common/ imports neither side', async () => {
    expect(
      await boundaryErrors(
        'router/probe.ts',
        `import { createLogger } from '../subgraphs/kit/logger.ts';` + use('createLogger'),
      ),
    ).toEqual([expect.stringContaining('belongs in common/')]);
    expect(
      await boundaryErrors(
        'common/probe.ts',
        `import { createLogger } from '../subgraphs/kit/logger.ts';` + use('createLogger'),
      ),
    ).toEqual([expect.stringContaining('common/ is neutral')]);
  });

  it('tests and test harnesses may reach across', async () => {
    expect(
      await boundaryErrors(
        'subgraphs/auth/probe.test.ts',
        `import { STAGES } from '../samples/stages.ts';` + use('STAGES'),
      ),
    ).toEqual([]);
  });
});
