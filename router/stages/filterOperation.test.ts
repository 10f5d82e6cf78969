import { buildSchema, Kind, parse, print, validate, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fragmentFanOut } from '../../test/helpers/hostile-queries.ts';
import { filterOperation } from './filterOperation.ts';
import type { AccessRequirement } from '../supergraphMetadata.ts';

const schema = buildSchema(`
  type Query { sample(id: ID!): Sample samples: [Sample!]! node: Node }
  interface Node { id: ID! }
  type Sample implements Node { id: ID! name: String! barcode(format: String): String owner: User }
  type User implements Node { id: ID! email: String }
`);
const authenticated: AccessRequirement[] = [{ kind: 'authenticated' }];
const access = new Map([
  ['Sample.barcode', authenticated],
  ['User', authenticated],
]);

const filterAnonymous = (source: string) => {
  const document = parse(source);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  return filterOperation({ schema, document, operation, access, isAllowed: (r) => r.length === 0 });
};

describe('filterOperation', () => {
  it('keeps fragments as fragments, filtered once, and reports a path per spread', () => {
    const result = filterAnonymous(`
      query($format: String) {
        a: sample(id: "1") { ...S }
        b: samples { ...S }
        node { ... on User { email } id }
      }
      fragment S on Sample { id barcode(format: $format) owner { ...U } }
      fragment U on User { id }`);
    if (!result.changed || !result.document) throw new Error('expected a filtered document');
    expect(result.unauthorizedPaths).toEqual([
      ['a', 'barcode'],
      ['a', 'owner'],
      ['b', '@', 'barcode'],
      ['b', '@', 'owner'],
      ['node'],
    ]);
    expect(validate(schema, result.document)).toEqual([]);
    // $format went with barcode; U went with owner; S stays one fragment; node asks for __typename.
    expect(print(result.document)).toBe(
      print(
        parse(`
          query {
            a: sample(id: "1") { ...S }
            b: samples { ...S }
            node { id __typename }
          }
          fragment S on Sample { id }`),
      ),
    );
  });

  it('filters a 30-level fragment fan-out in one pass, into a document no larger than the input', () => {
    const query = fragmentFanOut(30, {
      on: 'Sample',
      select: (s) => `{ sample(id: "1") { ${s} } }`,
      leaf: 'id barcode',
    });
    const result = filterAnonymous(query);
    if (!result.changed || !result.document) throw new Error('expected a filtered document');
    // 2^30 spreads remove the same field at the same place: one path.
    expect(result.unauthorizedPaths).toEqual([['sample', 'barcode']]);
    expect(print(result.document).length).toBeLessThan(print(parse(query)).length);
    expect(validate(schema, result.document)).toEqual([]);
  });

  it('drops spreads of a fragment with nothing left, and reports nothing changed when nothing is removed', () => {
    const result = filterAnonymous('{ sample(id: "1") { id ...B } } fragment B on Sample { barcode }');
    if (!result.changed || !result.document) throw new Error('expected a filtered document');
    expect(print(result.document)).toBe(print(parse('{ sample(id: "1") { id } }')));
    expect(filterAnonymous('{ sample(id: "1") { ...N } } fragment N on Sample { id name }')).toEqual({
      changed: false,
    });
  });
});
