// One way for every test to POST a GraphQL request over real HTTP and read the answer.

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
