// Every String input of every subgraph declares a maximum, and the kit enforces what the SDL declares.
import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ID_MAX_LENGTH,
  declaredMaxLength,
  enforceTextLimits,
  listTextInputs,
} from './text-limits.ts';

const SUBGRAPHS = ['auth', 'samples', 'submission', 'files', 'audit'];

const subgraphSchema = (sdl: string, resolvers: object = {}) =>
  buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as never });

describe('text limits in the SDL', () => {
  it.each(SUBGRAPHS)('every String and ID input of the %s subgraph has a maximum', (name) => {
    const schema = subgraphSchema(
      readFileSync(new URL(`../../schema/${name}.graphql`, import.meta.url), 'utf8'),
    );
    const inputs = listTextInputs(schema);
    expect(inputs.filter((i) => i.max === undefined)).toEqual([]);
    for (const input of inputs) expect(input.max, input.coordinate).toBeGreaterThan(0);
    // The subgraph server builds the same schema; enforceTextLimits would refuse to start it otherwise.
    expect(() => enforceTextLimits(schema, name)).not.toThrow();
  });

  it('the walk finds the inputs that matter (a new String input is seen, so it cannot ship without a limit)', () => {
    const samples = subgraphSchema(
      readFileSync(new URL('../../schema/samples.graphql', import.meta.url), 'utf8'),
    );
    const byCoordinate = new Map(listTextInputs(samples).map((i) => [i.coordinate, i.max]));
    expect(byCoordinate.get('Mutation.cancelSample(reason:)')).toBe(2000);
    expect(byCoordinate.get('Mutation.addNote(body:)')).toBe(5000);
    expect(byCoordinate.get('CreateSampleInput.requesterEmail')).toBe(320);
    expect(byCoordinate.get('Mutation.cancelSample(id:)')).toBe(DEFAULT_ID_MAX_LENGTH);
  });

  it('refuses to build a schema with a String input that declares no maximum, naming each', () => {
    const schema = subgraphSchema(`
      type Query { find("Free text." text: String, "At most 5 characters." code: String): String }
      input Note { body: String! }
      type Mutation { note(input: Note!): String }`);
    expect(() => enforceTextLimits(schema, 'demo')).toThrow(
      /demo: every String input needs a maximum.*missing on Query\.find\(text:\), Note\.body/,
    );
  });

  it('reads the sentence in any place of the description', () => {
    expect(declaredMaxLength('At most 2000 characters.')).toBe(2000);
    expect(declaredMaxLength('At least 12 and at most 256 characters.')).toBe(256);
    expect(declaredMaxLength('At most 10,000 characters, trimmed.')).toBe(10000);
    expect(declaredMaxLength('Free text.')).toBeUndefined();
    expect(declaredMaxLength(undefined)).toBeUndefined();
  });
});

describe('enforcement', () => {
  const sdl = `
    type Query { ping: String }
    input Contact { "At most 5 characters." name: String!, "At most 3 characters." tags: [String!] }
    type Mutation {
      save("At most 4 characters." reason: String!, contacts: [Contact!], id: ID): String
    }`;
  let calls = 0;
  const schema = enforceTextLimits(
    subgraphSchema(sdl, {
      Mutation: {
        save: () => {
          calls += 1;
          return 'saved';
        },
      },
    }),
  );
  const run = (variables: Record<string, unknown>) =>
    graphql({
      schema,
      source: 'mutation ($r: String!, $c: [Contact!], $id: ID) { save(reason: $r, contacts: $c, id: $id) }',
      variableValues: variables,
    });

  it('runs the resolver when every text is within its limit', async () => {
    const before = calls;
    const result = await run({ r: 'abcd', c: [{ name: 'abcde', tags: ['abc'] }], id: 'x'.repeat(100) });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ save: 'saved' });
    expect(calls).toBe(before + 1);
  });

  it.each([
    [{ r: 'abcde' }, 'reason', 'reason', 4],
    [{ r: 'a', c: [{ name: 'ok' }, { name: 'toolong' }] }, 'name', 'contacts.1.name', 5],
    [{ r: 'a', c: [{ name: 'ok', tags: ['a', 'abcd'] }] }, 'tags', 'contacts.0.tags.1', 3],
    [{ r: 'a', id: 'x'.repeat(DEFAULT_ID_MAX_LENGTH + 1) }, 'id', 'id', DEFAULT_ID_MAX_LENGTH],
  ])('refuses %j at %s (%s) before the resolver runs', async (variables, field, path, max) => {
    const before = calls;
    const result = await run(variables);
    expect(calls).toBe(before);
    expect(result.data).toEqual({ save: null });
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'TEXT_LENGTH',
      field,
      max,
    });
  });
});
