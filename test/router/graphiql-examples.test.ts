// GraphiQL's example operations (router/graphiql/examples.ts) are valid against the API schema, their variables
// coerce, and every role they are offered to may run all of them: the router's own field filter, with the scopes
// the auth subgraph gives that role, removes nothing.
import { readFileSync } from 'node:fs';
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import { Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { describe, expect, it } from 'vitest';
import { ROLE_SCOPES } from '../../subgraphs/auth/scopes.ts';
import {
  EXAMPLE_ROLES,
  examplesForPage,
  examplesForRoles,
  GRAPHIQL_EXAMPLES,
} from '../../router/graphiql/examples.ts';
import { filterOperation } from '../../router/stages/filterOperation.ts';
import { isAllowed } from '../../router/stages/useAuthorization.ts';
import { defaultPolicies } from '../../router/policies.ts';
import { readSupergraphMetadata } from '../../router/supergraphMetadata.ts';

const supergraphSdl = readFileSync('schema/supergraph.graphql', 'utf8');
const schema = Supergraph.build(supergraphSdl, { supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES })
  .apiSchema()
  .toGraphQLJSSchema();
const { access } = readSupergraphMetadata(supergraphSdl);
const now = new Date('2026-12-04T10:00:00Z');

/** What the router removes from this operation for a user with only this role. */
function removedFor(role: string, source: string) {
  const document = parse(source);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const identity = {
    userId: 'u1',
    roles: [role],
    scopes: [...(ROLE_SCOPES[role as keyof typeof ROLE_SCOPES] ?? [])],
  };
  const result = filterOperation({
    schema,
    document,
    operation,
    access,
    isAllowed: (requirements) => isAllowed(requirements, identity, defaultPolicies),
  });
  return result.changed ? result.unauthorizedPaths.map((path) => path.join('.')) : [];
}

describe('GraphiQL examples', () => {
  it('cover the five topics, with unique names, for roles that exist', () => {
    expect(GRAPHIQL_EXAMPLES.map((e) => e.name)).toEqual([
      'SamplesByStatus',
      'OverdueWork',
      'TurnaroundPerKit',
      'SampleAuditTrail',
      'TodaysIntake',
    ]);
    expect(EXAMPLE_ROLES.toSorted()).toEqual(Object.keys(ROLE_SCOPES).toSorted());
    for (const role of EXAMPLE_ROLES) expect(examplesForRoles([role]).length, role).toBeGreaterThan(0);
  });

  it.each(GRAPHIQL_EXAMPLES.map((e) => [e.name, e] as const))(
    '%s is one named operation, valid against the API schema, whose variables coerce',
    (name, example) => {
      const document = parse(example.query);
      expect(validate(schema, document)).toEqual([]);
      const operations = document.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      expect(operations.map((o) => o.name?.value)).toEqual([name]);
      const coerced = getVariableValues(
        schema,
        operations[0]!.variableDefinitions ?? [],
        example.variables?.(now) ?? {},
      );
      expect(coerced.errors ?? []).toEqual([]);
    },
  );

  it.each(EXAMPLE_ROLES)("%s's examples ask for nothing the role may not see", (role) => {
    for (const example of examplesForRoles([role])) {
      expect(removedFor(role, example.query), `${role} ${example.name}`).toEqual([]);
    }
  });

  it('the scope check does refuse what a role may not see', () => {
    // The same check on operations outside a role's scopes: it is not vacuous.
    expect(removedFor('VIEWER', '{ users(first: 1) { totalCount } }')).toEqual(['users']);
    expect(removedFor('SUBMITTER', '{ auditStats(groupBy: ACTION) { count } }')).toEqual(['auditStats']);
  });

  it('a user with several roles gets the union, each example once', () => {
    const names = examplesForRoles(['SUBMITTER', 'VIEWER']).map((e) => e.name);
    expect(names).toEqual([...new Set(names)]);
    expect(names).toEqual(
      GRAPHIQL_EXAMPLES.filter((e) => e.roles.includes('SUBMITTER') || e.roles.includes('VIEWER')).map(
        (e) => e.name,
      ),
    );
    expect(examplesForRoles(['NOBODY'])).toEqual([]);
  });

  it('are served with their variables as JSON text, date ranges ending today', () => {
    const served = examplesForPage(now);
    expect(served.map((e) => e.name)).toEqual(GRAPHIQL_EXAMPLES.map((e) => e.name));
    const turnaround = served.find((e) => e.name === 'TurnaroundPerKit')!;
    expect(JSON.parse(turnaround.variables!)).toEqual({
      from: '2026-09-06T00:00:00.000Z',
      to: '2026-12-05T00:00:00.000Z',
    });
    expect(served.find((e) => e.name === 'OverdueWork')!.variables).toBeNull();
  });
});
