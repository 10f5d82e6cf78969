import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { aliasedTypenames, fragmentFanOut } from '../test/helpers/hostile-queries.ts';
import {
  checkOperationLimits,
  countCeiling,
  defaultOperationLimits,
  FragmentCycleError,
  measureOperation,
} from './operation-limits.ts';

const measure = (source: string) => {
  const document = parse(source);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  return measureOperation(document, operation);
};
const check = (source: string, limits = defaultOperationLimits) => {
  const document = parse(source);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  return checkOperationLimits(document, operation, limits);
};

describe('measureOperation', () => {
  it('measures depth, aliases, root fields and selections with fragments expanded', () => {
    expect(
      measure(`{
        a: sample { ...S owner { id } }
        b: sample { ...S }
        hello
      }
      fragment S on Sample { x: id ... on Sample { history { at } } }`),
    ).toEqual({
      depth: 3,
      // a, b, and x in each of the two spreads of S
      aliases: 4,
      rootFields: 3,
      // a, owner, id, hello, b = 5; each spread of S: the spread, x, the inline fragment, history, at = 5
      selections: 15,
    });
  });

  it('counts introspection fields like any other', () => {
    expect(measure('{ a: __typename b: __typename __schema { types { fields { name } } } }')).toEqual({
      depth: 4,
      aliases: 2,
      rootFields: 3,
      selections: 6,
    });
    expect(measure(aliasedTypenames(2000))).toMatchObject({ aliases: 2000, rootFields: 2000 });
  });

  it('measures a 30-level fragment fan-out exactly, measuring each fragment once', () => {
    // count(F30) = 1 (its field); count(Fi) = 2 spreads + 2 * count(Fi+1); plus the root spread.
    let count = 1;
    for (let i = 0; i < 30; i++) count = 2 + 2 * count;
    expect(measure(fragmentFanOut(30))).toEqual({
      depth: 1,
      aliases: 0,
      rootFields: 2 ** 30,
      selections: 1 + count,
    });
    const nested = fragmentFanOut(30, { on: 'Sample', select: (s) => `{ samples { ${s} } }`, leaf: 'id' });
    expect(measure(nested)).toEqual({ depth: 2, aliases: 0, rootFields: 1, selections: 2 + count });
  });

  it('stops counting at a ceiling instead of reaching Infinity', () => {
    const measures = measure(fragmentFanOut(1100));
    expect(measures.selections).toBe(countCeiling);
    expect(JSON.stringify(measures.selections)).toBe(String(countCeiling));
  });

  it('throws on a fragment cycle, naming it', () => {
    expect(() => measure('{ ...A } fragment A on Query { ...B } fragment B on Query { hello ...A }')).toThrow(
      new FragmentCycleError(['A', 'B', 'A']),
    );
    expect(() => measure('{ ...A } fragment A on Query { hello ...A }')).toThrow(FragmentCycleError);
  });

  it('ignores unknown fragments (validation reports them)', () => {
    expect(measure('{ hello ...Missing }')).toMatchObject({ rootFields: 1, selections: 2 });
  });
});

describe('checkOperationLimits', () => {
  const limits = { maxDepth: 2, maxAliases: 1, maxRootFields: 2, maxSelections: 6 };

  it('names the first limit an operation goes over', () => {
    expect(check('{ a { b { c } } }', limits)).toMatchObject({ limit: 'maxDepth', max: 2, actual: 3 });
    expect(check('{ a: x b: y }', limits)).toMatchObject({ limit: 'maxAliases', max: 1, actual: 2 });
    expect(check('{ x y z }', limits)).toMatchObject({ limit: 'maxRootFields', max: 2, actual: 3 });
    expect(
      check('{ ...F ...F } fragment F on Query { x { y } }', { ...limits, maxSelections: 5 }),
    ).toMatchObject({
      limit: 'maxSelections',
      max: 5,
      actual: 6,
    });
    expect(check('{ x { y } z }', limits)).toBeUndefined();
  });

  it('refuses a fan-out of fragments on the selection count', () => {
    const nested = fragmentFanOut(30, { on: 'Sample', select: (s) => `{ samples { ${s} } }`, leaf: 'id' });
    expect(check(nested)).toMatchObject({
      limit: 'maxSelections',
      max: defaultOperationLimits.maxSelections,
    });
  });

  it('reports a fragment cycle as an endless selection count', () => {
    expect(check('{ ...A } fragment A on Query { hello ...A }')).toEqual({
      limit: 'maxSelections',
      max: defaultOperationLimits.maxSelections,
      fragmentCycle: ['A', 'A'],
      message: 'Fragment "A" spreads itself (A -> A): its expansion never ends',
    });
  });
});
