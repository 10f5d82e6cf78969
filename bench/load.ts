// One GraphQL request by hand (to check it before the load) and the load itself, with autocannon.
import autocannon, { type Result } from 'autocannon';

export interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  /** The body exactly as received. */
  text: string;
  json: { data?: Record<string, unknown> | null; errors?: unknown[] } | undefined;
}

export function requestHeaders(request: GraphQLRequest): Record<string, string> {
  return { 'content-type': 'application/json', ...request.headers };
}

export function requestBody(request: GraphQLRequest): string {
  return JSON.stringify({ query: request.query, variables: request.variables });
}

export async function send(url: string, request: GraphQLRequest): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: requestHeaders(request),
    body: requestBody(request),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json: Reply['json'];
  try {
    json = JSON.parse(text) as Reply['json'];
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/** The reply if it is a 200 with data and no errors; otherwise throws, quoting the body. */
export function expectData(what: string, reply: Reply): Reply {
  if (reply.status !== 200 || !reply.json?.data || reply.json.errors) {
    throw new Error(`${what}: HTTP ${reply.status}: ${reply.text.slice(0, 1000)}`);
  }
  return reply;
}

export interface LoadOptions {
  url: string;
  request: GraphQLRequest;
  connections: number;
  durationSeconds: number;
  /** Every response body must equal this (the checked body of a single request), or it counts as a mismatch. */
  expectBody?: string;
  /** A request without a response after this long counts as a timeout. @default 10 */
  timeoutSeconds?: number;
  /** Requests per second over all connections; as fast as the target answers when unset. */
  overallRate?: number;
}

export async function runLoad(options: LoadOptions): Promise<Result> {
  return autocannon({
    url: options.url,
    method: 'POST',
    headers: requestHeaders(options.request),
    body: requestBody(options.request),
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: options.timeoutSeconds ?? 10,
    expectBody: options.expectBody,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
  });
}
