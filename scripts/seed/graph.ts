// The seed's only way into the lab: the router's GraphQL endpoint, signed in as a real user with a real JWT,
// files as GraphQL multipart requests. No database access.

/** A GraphQL error as the router answers it. */
export interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; rule?: string; [key: string]: unknown };
}

/** The graph answered with errors (or not as GraphQL at all). */
export class SeedGraphError extends Error {
  constructor(
    message: string,
    readonly errors: GraphQLErrorBody[],
  ) {
    super(message);
    this.name = 'SeedGraphError';
  }
}

interface Session {
  accessToken: string;
  refreshToken: string;
  /** Refresh a minute before this. */
  expiresAt: number;
}

const LOGIN = `mutation SeedLogin($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken refreshToken expiresAt user { id } }
}`;
const REFRESH = `mutation SeedRefresh($token: String!) {
  refreshSession(refreshToken: $token) { accessToken refreshToken expiresAt }
}`;

/** Requests of one signed-in user. */
export interface GraphClient {
  userId: string;
  /** data, or SeedGraphError when the answer has any error. */
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** data and errors as they come (aliased mutations answer each field on its own). */
  requestPartial<T>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data: T | null; errors: GraphQLErrorBody[] }>;
  /** A mutation taking one file as `$file` (GraphQL multipart request). */
  upload<T>(
    query: string,
    variables: Record<string, unknown>,
    file: { name: string; bytes: Uint8Array; type: string },
  ): Promise<T>;
}

async function readBody(response: Response): Promise<{ data?: unknown; errors?: GraphQLErrorBody[] }> {
  const text = await response.text();
  try {
    return JSON.parse(text) as { data?: unknown; errors?: GraphQLErrorBody[] };
  } catch {
    throw new SeedGraphError(
      `HTTP ${response.status} from the router, not GraphQL: ${text.slice(0, 200)}`,
      [],
    );
  }
}

function unwrap<T>(body: { data?: unknown; errors?: GraphQLErrorBody[] }, what: string): T {
  if (body.errors?.length) {
    const first = body.errors[0]!;
    const code = first.extensions?.code ?? 'UNKNOWN';
    const rule = first.extensions?.rule ? ` ${first.extensions.rule}` : '';
    throw new SeedGraphError(`${what}: ${code}${rule}: ${first.message}`, body.errors);
  }
  return body.data as T;
}

async function postJson(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return readBody(response);
}

const operationName = (query: string) => /(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? 'operation';

/** Signs in with email and password; the session is refreshed before its access token expires. */
export async function signIn(url: string, email: string, password: string): Promise<GraphClient> {
  const { login } = unwrap<{
    login: { accessToken: string; refreshToken: string; expiresAt: string; user: { id: string } };
  }>(await postJson(url, LOGIN, { email, password }), `sign-in as ${email}`);
  let session: Session = { ...login, expiresAt: Date.parse(login.expiresAt) };
  let refreshing: Promise<void> | null = null;

  async function token(): Promise<string> {
    if (Date.now() > session.expiresAt - 60_000) {
      refreshing ??= (async () => {
        const { refreshSession } = unwrap<{
          refreshSession: { accessToken: string; refreshToken: string; expiresAt: string };
        }>(await postJson(url, REFRESH, { token: session.refreshToken }), 'refreshing the session');
        session = { ...refreshSession, expiresAt: Date.parse(refreshSession.expiresAt) };
      })().finally(() => (refreshing = null));
      await refreshing;
    }
    return session.accessToken;
  }

  return {
    userId: login.user.id,
    async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      return unwrap<T>(await postJson(url, query, variables, await token()), operationName(query));
    },
    async requestPartial<T>(query: string, variables: Record<string, unknown> = {}) {
      const body = await postJson(url, query, variables, await token());
      if (body.data === undefined || body.data === null) unwrap<T>(body, operationName(query));
      return { data: (body.data ?? null) as T | null, errors: body.errors ?? [] };
    },
    async upload<T>(
      query: string,
      variables: Record<string, unknown>,
      file: { name: string; bytes: Uint8Array; type: string },
    ): Promise<T> {
      const form = new FormData();
      form.set('operations', JSON.stringify({ query, variables: { ...variables, file: null } }));
      form.set('map', JSON.stringify({ 0: ['variables.file'] }));
      form.set('0', new Blob([file.bytes], { type: file.type }), file.name);
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${await token()}`, 'apollo-require-preflight': 'true' },
        body: form,
      });
      return unwrap<T>(await readBody(response), `${operationName(query)} (${file.name})`);
    },
  };
}
