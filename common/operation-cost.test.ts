import { buildASTSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fragmentFanOut } from '../test/helpers/hostile-queries.ts';
import {
  computeCost,
  defaultCostLimits,
  readCostDirectives,
  SlicingArgumentError,
} from './operation-cost.ts';

// A subgraph-style SDL: the directives come through the federation @link import, as in schema/*.graphql.
const sdl = parse(`
  directive @cost(weight: Int!) on FIELD_DEFINITION | OBJECT | ARGUMENT_DEFINITION
  directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
  type Query {
    sample(id: ID!): Sample
    samples(first: Int = 50): SampleConnection! @listSize(assumedSize: 50, slicingArguments: ["first"], sizedFields: ["edges"])
    runs(first: Int, last: Int): [Run!]! @listSize(assumedSize: 20, slicingArguments: ["first", "last"])
    tags: [String!]!
    report: String @cost(weight: 100)
  }
  type Mutation { touch: Boolean }
  type SampleConnection { edges: [SampleEdge!]! total: Int! }
  type SampleEdge { node: Sample! }
  type Sample { id: ID! history: [Entry!]! @cost(weight: 5) owner: User }
  type Entry { at: String }
  type User { id: ID! }
  type Run { id: ID! }
`);
const schema = buildASTSchema(sdl);
const directives = readCostDirectives(sdl, { cost: 'cost', listSize: 'listSize' });

const cost = (source: string, variables: Record<string, unknown> = {}) => {
  const document = parse(source);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  return computeCost({ schema, document, operation, variables, directives, limits: defaultCostLimits });
};

describe('readCostDirectives', () => {
  it('reads @cost and @listSize under the names given', () => {
    expect(directives.cost).toEqual(
      new Map([
        ['Query.report', 100],
        ['Sample.history', 5],
      ]),
    );
    expect(directives.listSize.get('Query.runs')).toEqual({
      assumedSize: 20,
      slicingArguments: ['first', 'last'],
    });
    expect(readCostDirectives(sdl, { cost: 'federation__cost' }).cost.size).toBe(0);
  });
});

describe('computeCost', () => {
  it('weighs objects 1, scalars 0, @cost, lists by slicing argument, assumedSize or the default', () => {
    expect(cost('{ sample(id: "1") { id owner { id } } }')).toBe(2);
    expect(cost('{ report }')).toBe(100);
    // history: 10 (default list size) x weight 5
    expect(cost('{ sample(id: "1") { history { at } } }')).toBe(1 + 50);
    expect(cost('{ runs { id } }')).toBe(20);
    expect(cost('{ runs(first: 3, last: 7) { id } }')).toBe(7);
    expect(cost('query($n: Int) { runs(first: $n) { id } }', { n: 4 })).toBe(4);
    expect(cost('query($n: Int = 6) { runs(first: $n) { id } }')).toBe(6);
    // sizedFields: first sizes the edges, not the connection.
    expect(cost('{ samples(first: 4) { edges { node { id } } } }')).toBe(1 + 4 * (1 + 1));
    expect(cost('mutation { touch }')).toBe(10);
  });

  it('refuses negative, fractional and oversized slicing arguments, naming the argument', () => {
    expect(() => cost('{ runs(first: -1340000) { id } sample(id: "1") { id } }')).toThrow(
      new SlicingArgumentError('Query.runs', 'first', -1340000, 1000),
    );
    expect(() => cost('{ runs(last: 1001) { id } }')).toThrow(
      /Argument "last" of Query.runs must be a whole number from 0 to 1000 \(got 1001\)/,
    );
    expect(() => cost('query($n: Int) { samples(first: $n) { total } }', { n: -1 })).toThrow(
      SlicingArgumentError,
    );
    expect(() => cost('query($n: Int) { runs(first: $n) { id } }', { n: 2.5 })).toThrow(SlicingArgumentError);
    expect(() => cost('query($n: Int) { runs(first: $n) { id } }', { n: '9' })).toThrow(SlicingArgumentError);
    expect(() => cost('query($n: Int = -5) { runs(first: $n) { id } }')).toThrow(SlicingArgumentError);
    // Zero and null are sizes a client may ask for: zero items, or the assumed size.
    expect(cost('{ runs(first: 0) { id } sample(id: "1") { id } }')).toBe(1);
    expect(cost('query($n: Int) { runs(first: $n) { id } }', { n: null })).toBe(20);
  });

  it('costs each fragment once, however often it is spread', () => {
    // 2^30 spreads of `sample { id }`: cost 2^30, computed from 31 fragments.
    const query = fragmentFanOut(30, { leaf: 'sample(id: "1") { id }' });
    expect(cost(query)).toBe(2 ** 30);
  });

  it('keeps the list size a fragment is spread under', () => {
    const query = `{
      a: samples(first: 2) { ...Page }
      b: samples(first: 3) { ...Page }
    }
    fragment Page on SampleConnection { edges { node { id } } }`;
    expect(cost(query)).toBe(1 + 2 * 2 + (1 + 3 * 2));
  });

  it('costs every aliased copy of a field', () => {
    expect(cost('{ a: report b: report c: sample(id: "1") { id } }')).toBe(201);
    expect(cost('{ a: runs(first: 2) { id } b: runs(first: 5) { id } }')).toBe(7);
  });

  it('ends a fragment cycle instead of looping (measureOperation refuses the document)', () => {
    const query = `{ sample(id: "1") { ...A } }
      fragment A on Sample { owner { id } ...B }
      fragment B on Sample { history { at } ...A }`;
    expect(cost(query)).toBe(1 + 1 + 10 * 5);
  });

  it('stops at a ceiling instead of reaching Infinity or NaN', () => {
    const query = fragmentFanOut(1100, { leaf: 'runs(first: 0) { id } sample(id: "1") { id }' });
    expect(cost(query)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('SlicingArgumentError', () => {
  it('names a non-number value by kind, never serializing it', () => {
    const deep = JSON.parse(`${'['.repeat(300_000)}${']'.repeat(300_000)}`) as unknown;
    expect(() => cost('query($n: Int) { runs(first: $n) { id } }', { n: deep })).toThrow(
      'Argument "first" of Query.runs must be a whole number from 0 to 1000 (got a list)',
    );
  });
});
