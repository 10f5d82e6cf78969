// One way for every test to POST a GraphQL request over real HTTP (JSON, or multipart with files) and read the
// answer.
import { randomBytes } from 'node:crypto';

// Tests inspect arbitrary response shapes.
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface ResponseError {
  message: string;
  path?: (string | number)[];
  extensions: Record<string, any>;
}

export interface GraphQLResponse {
  status: number;
  /** errors, when present, has at least one entry (so errors![0] is defined). */
  body: { data?: any; errors?: [ResponseError, ...ResponseError[]] };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export async function post(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] };
}

/** A file name as a multipart Content-Disposition parameter that busboy reads back unchanged. */
function filenameParameter(name: string): string {
  if (/^[\x20-\x7e]*$/.test(name) && !/["\\%]/.test(name)) return `filename="${name}"`;
  return `filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** A GraphQL multipart request body: operations, map, then the files (field names 0, 1, ...). */
export function multipartBody(
  operations: unknown,
  map: Record<string, string[]>,
  files: { name: string; bytes: Uint8Array }[],
): { body: Buffer; contentType: string } {
  const boundary = `----graphql-test-${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  const field = (name: string, value: string) =>
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  field('operations', JSON.stringify(operations));
  field('map', JSON.stringify(map));
  files.forEach((file, i) => {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${i}"; ${filenameParameter(file.name)}\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      Buffer.from(file.bytes),
      Buffer.from('\r\n'),
    );
  });
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POSTs a multipart body (with the preflight header that uploads need against CSRF). */
export async function postMultipart(
  url: string,
  { body, contentType }: { body: Buffer; contentType: string },
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': contentType, 'apollo-require-preflight': 'true' },
    body,
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] };
}

/**
 * Polls until the request is refused with 401, for at most 5 s; returns the last answer (the caller asserts on it).
 * For what ends asynchronously: a session or key revoked, seen by each process on its next poll.
 */
export async function refusedWithin(request: () => Promise<GraphQLResponse>): Promise<GraphQLResponse> {
  const deadline = Date.now() + 5000;
  let res = await request();
  while (res.status !== 401 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    res = await request();
  }
  return res;
}

/** Signs in through the router, failing the test on any error. */
export async function loginThroughRouter(
  routerUrl: string,
  email: string,
  password: string,
): Promise<{ accessToken: string; user: { id: string } }> {
  const { body } = await post(
    routerUrl,
    'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { id } } }',
    { e: email, p: password },
  );
  if (body.errors) throw new Error(`login as ${email} failed: ${JSON.stringify(body.errors)}`);
  return body.data.login;
}
