import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** The stages in createRouter's `const stages = [...]`, as words: useRequestId → "request id". */
function stagesOfCreateRouter(): string[] {
  const source = read('router/createRouter.ts');
  const list = /const stages = \[([\s\S]*?)\n {2}\];/.exec(source)?.[1];
  expect(list, 'createRouter.ts has no `const stages = [...]`').toBeDefined();
  return [...list!.matchAll(/\buse([A-Z]\w*)\(/g)].map(([, name]) =>
    name!.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase(),
  );
}

/** A prose list of stages, asides in parentheses dropped: "JWT (and ended sessions), cost" → ["jwt", "cost"]. */
function stagesOfText(text: string): string[] {
  return text
    .replace(/\s*\([^)]*\)/g, '')
    .split(',')
    .map((item) => item.replace(/\s+/g, ' ').trim().toLowerCase());
}

describe('the documented stage order', () => {
  const stages = stagesOfCreateRouter();

  it('is the order of createRouter in the README', () => {
    const list = /`createRouter` lists the stages in request order: ([^.]*)\./.exec(read('README.md'))?.[1];
    expect(list, 'README.md no longer lists the stages').toBeDefined();
    expect(stagesOfText(list!)).toEqual(stages);
  });

  it('is the order of createRouter in docs/architecture.md', () => {
    const list = /The router's stages, in order \([^)]*\): ([\s\S]*?);\s+then planning/.exec(
      read('docs/architecture.md'),
    )?.[1];
    expect(list, 'docs/architecture.md no longer lists the stages').toBeDefined();
    expect(stagesOfText(list!)).toEqual(stages);
  });
});
