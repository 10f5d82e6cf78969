import { describe, expect, it } from 'vitest';
import type { Identity } from '../../common/identity.ts';
import { defaultPolicies } from '../policies.ts';
import type { AccessRequirement } from '../supergraphMetadata.ts';
import { isAllowed } from './useAuthorization.ts';

const caller = (roles: string[], scopes: string[] = []): Identity => ({ userId: 'u1', roles, scopes });
const allowed = (requirements: AccessRequirement[], identity?: Identity) =>
  isAllowed(requirements, identity, defaultPolicies);

describe('isAllowed', () => {
  it('allows anyone where nothing is required, and nothing else to an anonymous caller', () => {
    expect(allowed([])).toBe(true);
    expect(allowed([{ kind: 'authenticated' }])).toBe(false);
    expect(allowed([{ kind: 'scopes', anyOf: [[]] }])).toBe(false);
    expect(allowed([{ kind: 'authenticated' }], caller([]))).toBe(true);
  });

  it('reads @requiresScopes as any of the sets, each set in full', () => {
    const requirement: AccessRequirement = { kind: 'scopes', anyOf: [['a:read', 'b:read'], ['admin']] };
    expect(allowed([requirement], caller([], ['a:read', 'b:read']))).toBe(true);
    expect(allowed([requirement], caller([], ['admin']))).toBe(true);
    expect(allowed([requirement], caller([], ['a:read']))).toBe(false);
  });

  it('evaluates @policy with the named policies; a name not defined, even an inherited one, denies', () => {
    const policies = (anyOf: string[][]): AccessRequirement[] => [{ kind: 'policies', anyOf }];
    expect(allowed(policies([['staff']]), caller(['ADMIN']))).toBe(true);
    expect(allowed(policies([['admin', 'staff']]), caller(['STAFF']))).toBe(false);
    expect(allowed(policies([['admin'], ['submitter']]), caller(['SUBMITTER']))).toBe(true);
    expect(allowed(policies([['nobody-defined-this']]), caller(['ADMIN']))).toBe(false);
    expect(allowed(policies([['constructor']]), caller(['ADMIN']))).toBe(false);
  });

  it('needs every requirement of a field and its type', () => {
    const both: AccessRequirement[] = [{ kind: 'authenticated' }, { kind: 'scopes', anyOf: [['a:read']] }];
    expect(allowed(both, caller([], ['a:read']))).toBe(true);
    expect(allowed(both, caller([], []))).toBe(false);
  });
});
