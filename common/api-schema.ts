// The API schema: what clients see of the supergraph. One implementation for the client codegen (codegen.ts),
// the router's GET /graphql/schema.graphql (router/stages/useSchemaDownload.ts) and `npm run schema`.
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import { printSchema } from 'graphql';

/**
 * The supergraph's API schema as SDL: federation's join__ and link__ types, the federation and security
 * directives and inaccessible elements removed, descriptions kept. Throws on SDL that is not a supergraph.
 */
export function apiSchemaSdl(supergraphSdl: string): string {
  // Our router enforces the security features (@authenticated, @requiresScopes, @policy), as Apollo Router does.
  const supergraph = Supergraph.build(supergraphSdl, {
    supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
  });
  return `${printSchema(supergraph.apiSchema().toGraphQLJSSchema())}\n`;
}
