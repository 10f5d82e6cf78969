import { getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { undeclaredVariables, unresolvedOperation } from './useRequestValidation.ts';

describe('undeclaredVariables', () => {
  it('names the variables sent that the operation does not declare', () => {
    const operation = getOperationAST(parse('query Q($a: Int, $b: Int) { x(a: $a, b: $b) }'))!;
    expect(undeclaredVariables(operation, { a: 1, c: 2, b: 3, d: null })).toEqual(['c', 'd']);
    expect(undeclaredVariables(operation, {})).toEqual([]);
    expect(undeclaredVariables(getOperationAST(parse('{ x }'))!, { a: 1 })).toEqual(['a']);
  });
});

describe('unresolvedOperation', () => {
  it("words an operation that cannot be chosen as graphql-js's execute does", () => {
    const two = parse('query A { x } query B { y }');
    expect(unresolvedOperation(two, 'C')).toBe('Unknown operation named "C".');
    expect(unresolvedOperation(two, undefined)).toBe(
      'Must provide operation name if query contains multiple operations.',
    );
    expect(unresolvedOperation(parse('fragment F on Q { x }'), null)).toBe('Must provide an operation.');
  });
});
