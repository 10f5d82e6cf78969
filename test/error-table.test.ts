import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../common/errors.ts';
import { readmePath, renderErrorTable, replaceErrorTable } from '../scripts/error-table.ts';

describe('README.md error-code table', () => {
  it('equals the table generated from common/errors.ts (run `npx tsx scripts/error-table.ts --write`)', async () => {
    const readme = readFileSync(readmePath, 'utf8');
    const fresh = replaceErrorTable(readme, await renderErrorTable());
    expect(
      readme,
      'the error-code table in README.md is stale: run `npx tsx scripts/error-table.ts --write`',
    ).toBe(fresh);
  });

  it('lists every code once, with its status', async () => {
    const table = await renderErrorTable();
    for (const [code, { httpStatus }] of Object.entries(errorCodes)) {
      expect(table).toMatch(new RegExp(`^\\| \`${code}\` +\\| ${httpStatus} +\\|`, 'm'));
    }
    expect(table.split('\n').filter((line) => line.startsWith('| `'))).toHaveLength(
      Object.keys(errorCodes).length,
    );
  });
});
