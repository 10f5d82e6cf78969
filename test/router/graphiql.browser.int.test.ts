// GraphiQL in a real browser (Debian's chromium, headless, driven by puppeteer-core) against the whole stack:
// sign in through the panel, the role's example tabs, two tabs answered with the session's token, the token
// refreshed before it expires, nothing secret in localStorage or sessionStorage, every request to the router's
// own origin, and sign-out. The access token lives 10 s here, so the page renews it during the test.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import { post } from '../helpers/graphql.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

// The page's globals that the evaluated functions below read (the project's types have no DOM).
interface PageElement {
  textContent: string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement> & ArrayLike<PageElement>;
};
interface PageStorage {
  setItem(key: string, value: string): void;
}
declare const window: { localStorage: PageStorage; sessionStorage: PageStorage };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
// Without a browser the test says why and skips, except in CI, where a missing browser fails the run.
const skip = !hasChromium && process.env.CI !== 'true';
const ACCESS_TOKEN_TTL_SECONDS = 10;

const ALL_EXAMPLES = [
  'SamplesByStatus',
  'OverdueWork',
  'TurnaroundPerKit',
  'SampleAuditTrail',
  'TodaysIntake',
];

let stack: TestStack;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  if (skip) return;
  if (!hasChromium) throw new Error(`CI=true and no chromium at ${CHROMIUM}: apt-get install chromium`);
  [stack, browser] = await Promise.all([
    startTestStack({ ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS) }),
    puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root in a container: no sandbox; and no traffic of the browser's own (updates, metrics).
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
    }),
  ]);
  origin = new URL(stack.routerUrl).origin;
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

interface Seen {
  at: number;
  url: string;
  method: string;
  authorization: string | undefined;
  operationName: string | undefined;
  body: string;
}

/** Records every request of the page and every GraphQL answer, and fails on a CSP violation. */
function watch(page: Page) {
  const requests: Seen[] = [];
  const answers = new Map<HTTPRequest, Promise<unknown>>();
  const problems: string[] = [];
  page.on('request', (request) => {
    const body = request.postData() ?? '';
    let operationName: string | undefined;
    try {
      const { query, operationName: named } = JSON.parse(body) as { query?: string; operationName?: string };
      operationName = named ?? /^\s*(?:query|mutation)\s+(\w+)/m.exec(query ?? '')?.[1];
    } catch {
      // not JSON: a page asset
    }
    requests.push({
      at: Date.now(),
      url: request.url(),
      method: request.method(),
      authorization: request.headers().authorization,
      operationName,
      body,
    });
  });
  page.on('response', (response) => {
    if (response.request().method() === 'POST') {
      answers.set(
        response.request(),
        response.json().catch(() => null),
      );
    }
  });
  page.on('console', (message) => {
    if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  /** The JSON answer to the last request of this operation. */
  const answerTo = async (operationName: string) => {
    const request = [...answers.keys()].reverse().find((r) => (r.postData() ?? '').includes(operationName));
    return request ? ((await answers.get(request)) as { data?: Record<string, unknown> }) : undefined;
  };
  /** Every session the page received, in order: login's, then each refresh's. */
  const sessions = async () => {
    const issued: Array<{ accessToken: string; refreshToken: string }> = [];
    for (const [request, answer] of answers) {
      const data = ((await answer) as { data?: Record<string, unknown> } | null)?.data;
      const payload = (/GraphiqlLogin|GraphiqlRefreshSession/.test(request.postData() ?? '') &&
        (data?.login ?? data?.refreshSession)) as { accessToken: string; refreshToken: string } | undefined;
      if (payload) issued.push(payload);
    }
    return issued;
  };
  return { requests, problems, answerTo, sessions };
}

/** localStorage and sessionStorage of the page, as one text. */
const storage = (page: Page) =>
  page.evaluate(() =>
    JSON.stringify({
      local: Object.fromEntries(Object.entries(window.localStorage)),
      session: Object.fromEntries(Object.entries(window.sessionStorage)),
    }),
  );

const tabTitles = (page: Page) =>
  page.$$eval('.graphiql-tab .graphiql-tab-button', (tabs) =>
    tabs.map((tab) => tab.textContent?.trim() ?? ''),
  );

/** What the page before the sign-in panel left in localStorage: a pasted token, a login run from an editor. */
const OLD_TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJvbGQifQ.c2lnbmF0dXJl';
const OLD_PASSWORD = 'typed-into-the-editor-2025';
async function leaveOldSecrets(page: Page) {
  await page.goto(`${origin}/graphiql/page.css`);
  await page.evaluate(
    (token, password) => {
      const login = `mutation { login(email: "a@lab.test", password: "${password}") { accessToken } }`;
      const store = window.localStorage;
      store.setItem('graphiql:headers', JSON.stringify({ Authorization: `Bearer ${token}` }));
      store.setItem(
        'graphiql:queries',
        JSON.stringify({
          queries: [
            { query: login, variables: null, headers: null, operationName: null },
            { query: '{ me { email } }', variables: null, headers: `{"Authorization": "Bearer ${token}"}` },
          ],
        }),
      );
      store.setItem(
        'graphiql:tabState',
        JSON.stringify({
          activeTabIndex: 1,
          tabs: [
            {
              id: 'a',
              hash: null,
              title: 'Me',
              query: '{ me { email } }',
              variables: null,
              headers: `{"Authorization": "Bearer ${token}"}`,
              operationName: null,
              response: null,
            },
            {
              id: 'b',
              hash: null,
              title: 'login',
              query: login,
              variables: null,
              headers: null,
              operationName: null,
              response: null,
            },
          ],
        }),
      );
    },
    OLD_TOKEN,
    OLD_PASSWORD,
  );
}

/** A page whose waits allow for a loaded machine (CI runs the suite in parallel beside this browser). */
async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(60_000);
  return page;
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto(stack.routerUrl);
  await page.waitForSelector('form.nanopore-signin[data-state="signed-out"]');
  await page.type('form.nanopore-signin input[name="email"]', email);
  await page.type('form.nanopore-signin input[name="password"]', password);
  await page.click('form.nanopore-signin button[type="submit"]');
  // Signed in, or the panel's message saying why not.
  const outcome = await page.waitForFunction(() => {
    const panel = document.querySelector('[data-state="signed-in"]');
    if (panel) return 'signed-in';
    const failure = document.querySelector('.nanopore-signin-message')?.textContent;
    return failure ? `signed-out: ${failure}` : false;
  });
  const message = String(await outcome.jsonValue());
  if (!message.startsWith('signed-in')) throw new Error(`sign-in failed: ${message}`);
}

/** Switches to the tab with this title, runs it, and waits for its answer in the response editor. */
async function runTab(page: Page, title: string) {
  const tabs = await page.$$('.graphiql-tab .graphiql-tab-button');
  for (const tab of tabs) {
    if ((await tab.evaluate((t) => t.textContent?.trim())) === title) await tab.click();
  }
  await page.waitForFunction(
    (name) =>
      document.querySelector('.graphiql-tab-active .graphiql-tab-button')?.textContent?.trim() === name,
    {},
    title,
  );
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    (name) => {
      const text = document.querySelector('.result-window')?.textContent ?? '';
      return (
        text.includes('"data"') && text.includes(name === 'TurnaroundPerKit' ? 'turnaround' : 'totalCount')
      );
    },
    { timeout: 60_000 },
    title,
  );
}

async function until(condition: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(skip)(
  `GraphiQL in headless Chromium${skip ? ` (skipped: no chromium at ${CHROMIUM}; apt-get install chromium, or CI=true to fail)` : ''}`,
  () => {
    test(
      'signs in, opens the examples, runs two tabs, renews the token, keeps no secret, signs out',
      { timeout: 180_000 },
      async () => {
        const page = await newPage();
        const { requests, problems, answerTo, sessions } = watch(page);
        const { email, password } = stack.admin;

        await leaveOldSecrets(page);
        await signIn(page, email, password);
        const signedInAt = requests.find((r) => r.operationName === 'GraphiqlLogin')!.at;
        const login = (await answerTo('GraphiqlLogin'))?.data?.login as {
          accessToken: string;
          refreshToken: string;
        };
        expect(login.accessToken).toMatch(/^eyJ/);

        // The admin's examples open as tabs, the first of them active.
        await page.waitForFunction(
          (names: string[]) => {
            const titles = [...document.querySelectorAll('.graphiql-tab .graphiql-tab-button')].map((t) =>
              t.textContent?.trim(),
            );
            return names.every((name) => titles.includes(name));
          },
          {},
          ALL_EXAMPLES,
        );
        expect(await tabTitles(page)).toEqual(expect.arrayContaining(ALL_EXAMPLES));

        // Two tabs, each answered with data, each request carrying the session's token (none typed anywhere).
        await runTab(page, 'SamplesByStatus');
        await runTab(page, 'TurnaroundPerKit');
        const tokensOf = async () => (await sessions()).map((session) => `Bearer ${session.accessToken}`);
        for (const name of ['SamplesByStatus', 'TurnaroundPerKit']) {
          const answer = await answerTo(name);
          expect(answer?.data, name).toBeTruthy();
          const sent = requests.filter((r) => r.operationName === name);
          expect(sent.length, name).toBeGreaterThan(0);
          const issued = await tokensOf();
          for (const request of sent) expect(issued).toContain(request.authorization);
        }
        const byStatus = (await answerTo('SamplesByStatus'))!.data!;
        expect(byStatus).toHaveProperty('samples.totalCount');
        expect(byStatus).toHaveProperty('dashboard.total');
        // The schema was introspected with the token (anonymous callers may not), so the docs work.
        const introspection = requests.find((r) => r.body.includes('__schema') && r.at > signedInAt);
        expect(introspection?.authorization).toBe(`Bearer ${login.accessToken}`);
        const afterSignIn = await storage(page);

        // Before the access token expires (at 80% of its life) the page rotates the refresh token for a new one ...
        await until(
          () => requests.some((r) => r.operationName === 'GraphiqlRefreshSession'),
          ACCESS_TOKEN_TTL_SECONDS * 1000 + 5000,
        );
        const refresh = requests.find((r) => r.operationName === 'GraphiqlRefreshSession')!;
        const { iat, exp } = JSON.parse(
          Buffer.from(login.accessToken.split('.')[1]!, 'base64url').toString(),
        ) as {
          iat: number;
          exp: number;
        };
        expect(exp - iat).toBe(ACCESS_TOKEN_TTL_SECONDS);
        expect(refresh.at).toBeLessThan(exp * 1000);
        expect(refresh.at).toBeGreaterThan((iat + ACCESS_TOKEN_TTL_SECONDS * 0.5) * 1000);
        expect(refresh.body).toContain(login.refreshToken);
        const deadline = Date.now() + 10_000;
        while ((await sessions()).length < 2 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const renewedTokens = (await tokensOf()).slice(1);
        expect(renewedTokens.length).toBeGreaterThan(0);
        expect(renewedTokens).not.toContain(`Bearer ${login.accessToken}`);
        // ... which later requests carry, also once the first one has expired.
        const firstExpiry = exp * 1000 + 500;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstExpiry - Date.now())));
        const overdueFrom = requests.length;
        await runTab(page, 'OverdueWork');
        const overdue = requests.slice(overdueFrom).filter((r) => r.operationName === 'OverdueWork');
        expect(overdue.length).toBeGreaterThan(0);
        const renewed = (await tokensOf()).slice(1);
        for (const request of overdue) expect(renewed).toContain(request.authorization);
        expect((await answerTo('OverdueWork'))?.data).toHaveProperty('samples.totalCount');
        const latest = (await sessions()).at(-1)!;

        // Sign out: the panel asks for a password again, the session is ended at the server, later requests are anonymous.
        await page.click('.nanopore-signin button[name="sign-out"]');
        await page.waitForSelector('form.nanopore-signin[data-state="signed-out"]');
        const logout = requests.find((r) => r.operationName === 'GraphiqlLogout');
        expect(logout?.body).toContain(latest.refreshToken);
        const reuse = await post(
          stack.routerUrl,
          'mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken } }',
          { t: latest.refreshToken },
        );
        expect(reuse.body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
        const anonymousFrom = requests.length;
        await page.click('.graphiql-execute-button');
        await page.waitForFunction(() =>
          (document.querySelector('.result-window')?.textContent ?? '').includes('error'),
        );
        const anonymous = requests.slice(anonymousFrom).filter((r) => r.operationName === 'OverdueWork');
        expect(anonymous.length).toBeGreaterThan(0);
        expect(anonymous.every((r) => r.authorization === undefined)).toBe(true);
        const afterSignOut = await storage(page);

        // Neither storage ever held the password or a token.
        for (const dump of [afterSignIn, afterSignOut]) {
          // GraphiQL did persist its tabs and history, and what was clean of the old page's is still there.
          expect(dump).toContain('graphiql:tabState');
          expect(dump).toContain('{ me { email } }');
          const issued = (await sessions()).flatMap((session) => [session.accessToken, session.refreshToken]);
          expect(issued.length).toBeGreaterThanOrEqual(4);
          for (const secret of [password, ...issued, OLD_TOKEN, OLD_PASSWORD]) {
            expect(dump.includes(secret)).toBe(false);
          }
          expect(dump).not.toMatch(/eyJ[\w-]+\.eyJ|Bearer/);
        }

        // Every request went to the router's own origin (the page's fonts and icons are data: URLs in its CSS).
        const elsewhere = requests.filter(
          (r) => !r.url.startsWith('data:') && new URL(r.url).origin !== origin,
        );
        expect(elsewhere).toEqual([]);
        expect(requests.filter((r) => r.url.startsWith(`${origin}/graphiql/`)).length).toBeGreaterThanOrEqual(
          7,
        );
        expect(problems).toEqual([]);
        await page.close();
      },
    );

    test('a SUBMITTER gets only the examples a submitter may run', { timeout: 120_000 }, async () => {
      const admin = await post(
        stack.routerUrl,
        'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
        { e: stack.admin.email, p: stack.admin.password },
      );
      const submitter = { email: 'submitter@lab.test', password: 'orchid kettle marble lantern' };
      const created = await post(
        stack.routerUrl,
        'mutation ($i: CreateUserInput!) { createUser(input: $i) { id } }',
        { i: { ...submitter, name: 'Sam Submitter', roles: ['SUBMITTER'] } },
        { authorization: `Bearer ${admin.body.data.login.accessToken}` },
      );
      expect(created.body.errors).toBeUndefined();

      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      const { problems } = watch(page);
      await signIn(page, submitter.email, submitter.password);
      await page.waitForFunction(() => document.querySelectorAll('.graphiql-tab').length >= 4);
      const titles = await tabTitles(page);
      expect(titles).toEqual(expect.arrayContaining(['SamplesByStatus', 'OverdueWork', 'SampleAuditTrail']));
      expect(titles).not.toContain('TurnaroundPerKit');
      expect(titles).not.toContain('TodaysIntake');
      expect(await page.$eval('.nanopore-signin-roles', (e) => e.textContent)).toBe('Roles: SUBMITTER');
      expect(problems).toEqual([]);
      await context.close();
    });
  },
);
