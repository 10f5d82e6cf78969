import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { stripSuggestions, usesIntrospection } from './introspection.ts';

describe('usesIntrospection and stripSuggestions', () => {
  it('finds introspection in fragments and under aliases, and not __typename', () => {
    expect(
      usesIntrospection(parse('query { ...F } fragment F on Query { s: __schema { __typename } }')),
    ).toBe(true);
    expect(usesIntrospection(parse('{ __typename hello }'))).toBe(false);
  });

  it('cuts only the trailing suggestion', () => {
    expect(stripSuggestions('Cannot query field "a" on type "Q". Did you mean "b" or "c"?')).toBe(
      'Cannot query field "a" on type "Q".',
    );
    expect(stripSuggestions('Value "Did you mean x?" is odd.')).toBe('Value "Did you mean x?" is odd.');
  });
});
