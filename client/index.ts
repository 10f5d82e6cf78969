// A small typed client for integrators: pass a document from generated/client (`npm run codegen`) and get
// typed data back, or a GraphQLRequestError carrying the server's errors with their codes.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export * from '../generated/client/graphql.ts';

export interface GraphQLErrorPayload {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export class GraphQLRequestError extends Error {
  constructor(
    readonly errors: GraphQLErrorPayload[],
    readonly status: number,
  ) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  }

  /** The codes of all errors, e.g. ['UNAUTHENTICATED']. */
  get codes(): string[] {
    return this.errors.map((e) => e.extensions?.code ?? 'ERROR');
  }
}

export interface ClientOptions {
  /** The router's GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** An access token from `login`, sent as a bearer token. */
  accessToken?: string;
  fetch?: typeof fetch;
}

export function createClient(options: ClientOptions) {
  const doFetch = options.fetch ?? fetch;
  return {
    async request<TData, TVariables>(
      document: TypedDocumentNode<TData, TVariables>,
      ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
    ): Promise<TData> {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.accessToken) headers.authorization = `Bearer ${options.accessToken}`;
      const response = await doFetch(options.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: print(document), variables }),
      });
      const body = (await response.json()) as { data?: TData; errors?: GraphQLErrorPayload[] };
      if (body.errors?.length) throw new GraphQLRequestError(body.errors, response.status);
      return body.data as TData;
    },
  };
}
