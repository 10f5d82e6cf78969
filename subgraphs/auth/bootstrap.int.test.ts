import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { pino } from 'pino';
import { loadAuthConfig } from './config.ts';
import { createAuthSubgraph } from './server.ts';

let db: TestDatabase;
const KEK = randomBytes(32).toString('base64');
beforeAll(async () => {
  db = await createTestDatabase('auth');
});
afterAll(async () => {
  await db?.drop();
});

async function start(env: Record<string, string>, printed?: string[]) {
  // Capture the log too, to prove the password never reaches it.
  const logLines: string[] = [];
  const log = pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) });
  const auth = await createAuthSubgraph(
    loadAuthConfig({ AUTH_DATABASE_URL: db.url, AUTH_KEY_ENCRYPTION_KEY: KEK, ...env }),
    {
      log,
      ...(printed ? { print: (text: string) => void printed.push(text) } : {}),
    },
  );
  return { auth, logLines };
}

async function login(auth: Awaited<ReturnType<typeof createAuthSubgraph>>, email: string, password: string) {
  const server = await auth.listen(0);
  try {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { user { roles } } }',
        variables: { e: email, p: password },
      }),
    });
    return (await res.json()) as { data?: { login: { user: { roles: string[] } } }; errors?: unknown[] };
  } finally {
    await server.close();
  }
}

describe('bootstrap admin', () => {
  it('creates the first admin with a generated password, printed once, and not again on the next start', async () => {
    const printed: string[] = [];
    const first = await start({ ADMIN_EMAIL: 'Boss@Lab.Example' }, printed);
    expect(printed).toHaveLength(1);
    const password = /password: (\S+)/.exec(printed[0]!)?.[1];
    expect(printed[0]).toContain('boss@lab.example');
    expect(password).toMatch(/^[\w-]{32}$/);
    const result = await login(first.auth, 'boss@lab.example', password!);
    expect(result.data?.login.user.roles).toEqual(['ADMIN']);
    const events = await first.auth.prisma.outboxEvent.findMany({
      where: { type: 'user.admin_bootstrapped' },
    });
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(password);
    expect(first.logLines.join('\n')).toContain('bootstrap: admin created');
    expect(first.logLines.join('\n')).not.toContain(password);
    await first.auth.close();

    const second = await start({ ADMIN_EMAIL: 'boss@lab.example' }, printed);
    expect(printed).toHaveLength(1);
    expect(await second.auth.prisma.user.count()).toBe(1);
    await second.auth.close();
  });

  it('uses ADMIN_PASSWORD when set (nothing printed) once no active admin is left', async () => {
    const printed: string[] = [];
    const setup = await start({}, printed);
    await setup.auth.prisma.user.updateMany({ data: { active: false } });
    await setup.auth.close();

    const again = await start(
      { ADMIN_EMAIL: 'second@lab.example', ADMIN_PASSWORD: 'a long chosen admin password' },
      printed,
    );
    expect(printed).toHaveLength(0);
    const result = await login(again.auth, 'second@lab.example', 'a long chosen admin password');
    expect(result.data?.login.user.roles).toEqual(['ADMIN']);
    await again.auth.close();
  });

  it('prints a generated password to stderr, straight to the terminal: not on stdout, the JSON log stream', async () => {
    const setup = await start({}, []);
    await setup.auth.prisma.user.updateMany({ data: { active: false } });
    await setup.auth.close();

    const stdout: string[] = [];
    const stderr: string[] = [];
    const capture = (into: string[]) => (chunk: string | Uint8Array) => {
      into.push(String(chunk));
      return true;
    };
    const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation(capture(stdout));
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(capture(stderr));
    let started: Awaited<ReturnType<typeof start>>;
    try {
      started = await start({ ADMIN_EMAIL: 'third@lab.example' });
    } finally {
      outSpy.mockRestore();
      errSpy.mockRestore();
    }
    const password = /password: (\S+)/.exec(stderr.join(''))?.[1];
    expect(password).toMatch(/^[\w-]{32}$/);
    expect(stdout.join('')).not.toContain(password);
    expect(started.logLines.join('\n')).not.toContain(password);
    expect(started.logLines.join('\n')).toContain('bootstrap: admin created');
    expect((await login(started.auth, 'third@lab.example', password!)).data?.login.user.roles).toEqual([
      'ADMIN',
    ]);
    await started.auth.close();
  });

  it('refuses a common or personal ADMIN_PASSWORD at start-up, naming the variable and the rule', async () => {
    const setup = await start({}, []);
    await setup.auth.prisma.user.updateMany({ data: { active: false } });
    await setup.auth.close();
    await expect(
      start({ ADMIN_EMAIL: 'chief@lab.example', ADMIN_PASSWORD: 'Password2026!' }),
    ).rejects.toThrow(/ADMIN_PASSWORD: .*\(PASSWORD_COMMON\)/);
    await expect(
      start({ ADMIN_EMAIL: 'chief@lab.example', ADMIN_PASSWORD: 'the chief of the lab' }),
    ).rejects.toThrow(/ADMIN_PASSWORD: .*\(PASSWORD_CONTAINS_USER_DATA\)/);
  });

  it('refuses a short ADMIN_PASSWORD at config time, naming the variable', () => {
    expect(() =>
      loadAuthConfig({ AUTH_DATABASE_URL: db.url, AUTH_KEY_ENCRYPTION_KEY: KEK, ADMIN_PASSWORD: 'short' }),
    ).toThrow(/ADMIN_PASSWORD/);
  });
});
