// The typed client for integrators (the @nanopore/client package, client/package.json). Pass one of the generated
// documents (client/operations/*.graphql, typed by codegen into generated/client) and get typed data back:
// `request` resolves to the data or throws a GraphQLRequestError that keeps the partial data, `execute` resolves to
// data and errors together. DateTime values arrive as ISO 8601 strings and are typed as strings.
import type { DocumentTypeDecoration } from './document-type.ts';
import persistedDocuments from '../generated/client/persisted-documents.json' with { type: 'json' };

export * from '../generated/client/graphql.ts';
export type { DocumentTypeDecoration };

/** A generated document (or any String-like document carrying its types), e.g. `LoginDocument`. */
export type TypedDocument<TData, TVariables> = DocumentTypeDecoration<TData, TVariables> & {
  toString(): string;
  /** `hash`: the hex SHA-256 of the document's text in persisted-documents.json. */
  __meta__?: Record<string, unknown> | undefined;
};

/** The variables argument: optional when the operation has none or all are optional. */
type VariablesArgument<TVariables> =
  Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

export interface GraphQLErrorPayload {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

/** One response: data and errors together, as the server sent them. */
export interface GraphQLResponse<TData> {
  /**
   * null when the operation failed as a whole (refused before execution, or a non-null field failed up to the
   * root); otherwise every field, the failed ones null (their errors name their `path`).
   */
  data: TData | null;
  /** Empty when everything resolved. */
  errors: GraphQLErrorPayload[];
  extensions?: Record<string, unknown>;
  /** The HTTP status: 200 also for partial data; 4xx for a request refused whole. */
  status: number;
}

/** What `request` throws when the response has errors; `data` keeps whatever did resolve (or null). */
export class GraphQLRequestError<TData = unknown> extends Error {
  override readonly name = 'GraphQLRequestError';

  constructor(
    readonly errors: GraphQLErrorPayload[],
    readonly status: number,
    /** The partial data: every field that resolved, null where a field failed; null when nothing ran. */
    readonly data: TData | null = null,
  ) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  }

  /** The codes of all errors, e.g. ['UNAUTHENTICATED']. */
  get codes(): string[] {
    return this.errors.map((e) => e.extensions?.code ?? 'ERROR');
  }
}

/** The server answered with something that is no GraphQL response (a proxy's error page, an empty body). */
export class ResponseError extends Error {
  override readonly name = 'ResponseError';

  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: not a GraphQL response: ${body.slice(0, 200)}`);
  }
}

/** The part of the Fetch API the client uses (the global fetch by default). */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string },
) => Promise<{ status: number; text(): Promise<string> }>;

/**
 * How a generated document is sent (Apollo's persisted-query protocol: `extensions.persistedQuery.sha256Hash`,
 * the hash persisted-documents.json lists it under):
 * - `hash-and-query` (default): the document's text with its hash, so a router that only runs trusted documents
 *   recognises it;
 * - `hash-only`: the hash alone (smaller requests); when the router answers PERSISTED_QUERY_NOT_FOUND, sent once
 *   more with the text, as Apollo's automatic persisted queries do;
 * - `off`: the text alone.
 * A server that takes no persisted queries (PERSISTED_QUERY_NOT_SUPPORTED) gets the text alone from then on.
 */
export type PersistedQueryMode = 'hash-and-query' | 'hash-only' | 'off';

export interface ClientOptions {
  /** The router's GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** An access token from `login`, sent as a bearer token; a function is asked before every request. */
  accessToken?: string | (() => string | undefined | Promise<string | undefined>);
  /** More headers for every request. */
  headers?: Record<string, string>;
  /** @default 'hash-and-query' */
  persistedQueries?: PersistedQueryMode;
  fetch?: FetchLike;
}

const manifest: Readonly<Record<string, string>> = persistedDocuments;

/** The hash and the exact text it was computed from, for a generated document; undefined for any other. */
function persisted(document: {
  __meta__?: Record<string, unknown> | undefined;
}): { hash: string; text: string } | undefined {
  const hash = document.__meta__?.hash;
  if (typeof hash !== 'string' || !Object.hasOwn(manifest, hash)) return undefined;
  return { hash, text: manifest[hash]! };
}

function hasCode(response: GraphQLResponse<unknown>, code: string): boolean {
  return response.errors.some((e) => e.extensions?.code === code);
}

const OPERATION_NAME = /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/;

export function createClient(options: ClientOptions) {
  const globalFetch = (globalThis as { fetch?: unknown }).fetch as FetchLike | undefined;
  const fetchOption = options.fetch ?? globalFetch;
  if (!fetchOption) throw new TypeError('no fetch: pass options.fetch (Node 18+ has a global one)');
  const doFetch: FetchLike = fetchOption;
  const mode = options.persistedQueries ?? 'hash-and-query';
  let serverTakesHashes = true;

  async function post<TData>(body: Record<string, unknown>): Promise<GraphQLResponse<TData>> {
    const headers: Record<string, string> = { ...options.headers, 'content-type': 'application/json' };
    const token =
      typeof options.accessToken === 'function' ? await options.accessToken() : options.accessToken;
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await doFetch(options.url, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await response.text();
    let parsed: { data?: TData | null; errors?: GraphQLErrorPayload[]; extensions?: Record<string, unknown> };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new ResponseError(response.status, text);
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      (!('data' in parsed) && !Array.isArray(parsed.errors))
    ) {
      throw new ResponseError(response.status, text);
    }
    return {
      data: parsed.data ?? null,
      errors: parsed.errors ?? [],
      ...(parsed.extensions ? { extensions: parsed.extensions } : {}),
      status: response.status,
    };
  }

  /** Sends the document; resolves to data and errors together (rejects only when there is no GraphQL response). */
  async function execute<TData, TVariables>(
    document: TypedDocument<TData, TVariables>,
    ...[variables]: VariablesArgument<TVariables>
  ): Promise<GraphQLResponse<TData>> {
    const known = mode === 'off' ? undefined : persisted(document);
    const query = known?.text ?? document.toString();
    const operationName = OPERATION_NAME.exec(query)?.[1];
    const body: Record<string, unknown> = { query, variables: variables ?? {}, operationName };
    if (!known || !serverTakesHashes) return post<TData>(body);
    const extensions = { persistedQuery: { version: 1, sha256Hash: known.hash } };
    let result = await post<TData>(
      mode === 'hash-only' ? { ...body, query: undefined, extensions } : { ...body, extensions },
    );
    if (hasCode(result, 'PERSISTED_QUERY_NOT_SUPPORTED')) {
      // A server without persisted queries refuses any request carrying a hash: from now on, the text alone.
      serverTakesHashes = false;
      return post<TData>(body);
    }
    if (mode === 'hash-only' && hasCode(result, 'PERSISTED_QUERY_NOT_FOUND')) {
      result = await post<TData>({ ...body, extensions });
    }
    return result;
  }

  return {
    execute,
    /** Sends the document; resolves to its data, or rejects with a GraphQLRequestError carrying partial data. */
    async request<TData, TVariables>(
      document: TypedDocument<TData, TVariables>,
      ...variables: VariablesArgument<TVariables>
    ): Promise<TData> {
      const result = await execute(document, ...variables);
      if (result.errors.length > 0 || result.data === null) {
        throw new GraphQLRequestError<TData>(result.errors, result.status, result.data);
      }
      return result.data;
    },
  };
}

export type Client = ReturnType<typeof createClient>;
