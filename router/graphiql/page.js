/* global window, document */
// GraphiQL's page code, served as /graphiql/init.js after React, ReactDOM, GraphiQL and the explorer plugin (all
// from local assets). Plain browser JavaScript: no build step, nothing inline (the page's CSP allows neither).
//
// Sign-in is a GraphiQL plugin. It calls login, refreshSession and logout with its own fetch, never through the
// editors, so the password never enters a tab, the history or any storage. The session lives in this closure only:
// the access token, and the refresh token too (not sessionStorage: a duplicated browser tab copies sessionStorage,
// and two tabs rotating one refresh token would make the auth subgraph see a reuse and end the whole session; a
// reload asks for the password again instead). Every request of every tab goes through `authorizedFetch`, which
// adds `Authorization: Bearer`; the headers editor is not persisted and never holds the token.
(function () {
  'use strict';
  const { React, ReactDOM, GraphiQL, GraphiQLPluginExplorer } = window;
  const h = React.createElement;
  const { useEditorContext, useSchemaContext } = GraphiQL.React;

  /** The page is served at the GraphQL endpoint itself. */
  const endpoint = window.location.pathname;
  const examplesUrl = new URL('examples.json', document.currentScript.src).pathname;
  /** Refresh when this share of the access token's life has passed. */
  const REFRESH_AT = 0.8;

  const SESSION_FIELDS = 'accessToken refreshToken expiresAt refreshExpiresAt user { id email name roles }';
  const LOGIN = `mutation GraphiqlLogin($email: String!, $password: String!) { login(email: $email, password: $password) { ${SESSION_FIELDS} } }`;
  const REFRESH = `mutation GraphiqlRefreshSession($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { ${SESSION_FIELDS} } }`;
  const LOGOUT = `mutation GraphiqlLogout($refreshToken: String!) { logout(refreshToken: $refreshToken) }`;

  // ---- What earlier versions of this page left in localStorage ---------------------------------------------------
  // They persisted the headers editor (where a pasted token lived), and a login mutation run from an editor left
  // the password in its tab and in the history. Both go before GraphiQL reads its storage, on every load: the
  // history still records what the editors run, so a password typed there now (changePassword's variables)
  // lasts until the next load at most.
  function scrubStorage() {
    const store = window.localStorage;
    const secret = /password|refreshToken|Bearer\s|eyJ[\w-]+\.eyJ/i;
    // Headers are dropped from every item kept; an item whose query or variables hold a secret goes whole.
    const clean = (item) => item && !secret.test(`${item.query || ''}\n${item.variables || ''}`);
    const rewrite = (key, change) => {
      const text = store.getItem(key);
      if (text === null) return;
      try {
        const next = change(JSON.parse(text));
        if (next === undefined) store.removeItem(key);
        else
          store.setItem(
            key,
            JSON.stringify(next, (name, value) => (name === 'headers' ? null : value)),
          );
      } catch {
        store.removeItem(key);
      }
    };
    store.removeItem('graphiql:headers');
    rewrite('graphiql:tabState', (state) => {
      const tabs = state.tabs.filter(clean);
      if (tabs.length === 0) return undefined;
      return { ...state, tabs, activeTabIndex: tabs.length === state.tabs.length ? state.activeTabIndex : 0 };
    });
    for (const list of ['queries', 'favorites']) {
      rewrite(`graphiql:${list}`, (stored) => ({ [list]: (stored[list] || []).filter(clean) }));
    }
    for (const key of ['graphiql:query', 'graphiql:variables']) {
      if (secret.test(store.getItem(key) || '')) store.removeItem(key);
    }
  }
  try {
    scrubStorage();
  } catch {
    // No localStorage (blocked by the browser): GraphiQL then keeps nothing either.
  }

  // ---- The session: in memory only ----------------------------------------------------------------------------

  /** { accessToken, refreshToken, refreshAt, expiresAt, user: { email, name, roles } } or null. */
  let session = null;
  /** Why the last session ended, when it was not the user's choice. */
  let notice = '';
  let refreshTimer;
  let refreshing = null;
  const listeners = new Set();
  const snapshot = () => ({ session, notice });
  let current = snapshot();
  const emit = () => {
    current = snapshot();
    for (const listener of listeners) listener();
  };
  const subscribe = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };

  /** A JWT's claims, or {} when it cannot be read (then the server's expiresAt decides). */
  function claimsOf(token) {
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(window.atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')));
    } catch {
      return {};
    }
  }

  class GraphqlFailure extends Error {
    constructor(message, code) {
      super(message);
      this.code = code;
    }
  }

  /** One auth operation with the page's own fetch (not GraphiQL's): nothing of it reaches an editor or storage. */
  async function callAuth(query, variables) {
    const response = await window.fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
      },
      body: JSON.stringify({ query, variables }),
      credentials: 'omit',
      cache: 'no-store',
    });
    let body;
    try {
      body = await response.json();
    } catch {
      throw new GraphqlFailure(
        `The server answered ${response.status} without a GraphQL response`,
        'NETWORK',
      );
    }
    const error = body.errors && body.errors[0];
    if (error) throw new GraphqlFailure(error.message, error.extensions && error.extensions.code);
    return body.data;
  }

  function start(payload) {
    const claims = claimsOf(payload.accessToken);
    // The token's own lifetime (exp - iat) does not depend on this browser's clock; expiresAt is the fallback.
    const lifetimeMs =
      typeof claims.exp === 'number' && typeof claims.iat === 'number'
        ? (claims.exp - claims.iat) * 1000
        : Date.parse(payload.expiresAt) - Date.now();
    const delay = Math.max(1000, lifetimeMs * REFRESH_AT);
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(() => void refresh(), delay);
    session = {
      accessToken: payload.accessToken,
      refreshToken: payload.refreshToken,
      refreshAt: Date.now() + delay,
      expiresAt: payload.expiresAt,
      user: {
        email: payload.user.email,
        name: payload.user.name,
        roles: Array.isArray(claims.roles) ? claims.roles : payload.user.roles,
      },
    };
    notice = '';
    emit();
  }

  function end(reason) {
    window.clearTimeout(refreshTimer);
    session = null;
    notice = reason || '';
    emit();
  }

  async function signIn(email, password) {
    const data = await callAuth(LOGIN, { email, password });
    start(data.login);
  }

  /** Rotates the refresh token for a new access token; concurrent callers share one request. */
  function refresh() {
    if (!session) return Promise.resolve(null);
    if (refreshing) return refreshing;
    const presented = session.refreshToken;
    refreshing = callAuth(REFRESH, { refreshToken: presented })
      .then((data) => {
        if (session && session.refreshToken === presented) start(data.refreshSession);
        return session;
      })
      .catch((error) => {
        if (session && session.refreshToken === presented) {
          end(`Your session ended (${error.message}). Sign in again.`);
        }
        return null;
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  async function signOut() {
    const ending = session;
    end('');
    if (ending) {
      try {
        await callAuth(LOGOUT, { refreshToken: ending.refreshToken });
      } catch {
        // The session is gone from this page either way; its refresh token expires on its own.
      }
    }
  }

  const isUnauthenticated = (body) =>
    Boolean(
      body &&
      Array.isArray(body.errors) &&
      body.errors.some((e) => e.extensions && e.extensions.code === 'UNAUTHENTICATED'),
    );

  /**
   * GraphiQL's fetch: every tab's operations and the schema's introspection. Adds the session's token (over any
   * Authorization typed into the headers editor); on a 401 UNAUTHENTICATED it refreshes once and retries.
   */
  async function authorizedFetch(input, init = {}) {
    const send = (token) => {
      const headers = new window.Headers(init.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return window.fetch(input, { ...init, headers, credentials: 'omit' });
    };
    const token = session && session.accessToken;
    const response = await send(token);
    if (response.status !== 401 || !token) return response;
    const body = await response
      .clone()
      .json()
      .catch(() => null);
    if (!isUnauthenticated(body)) return response;
    const renewed = session && session.accessToken !== token ? session : await refresh();
    return renewed ? send(renewed.accessToken) : response;
  }

  const send = GraphiQL.createFetcher({ url: endpoint, fetch: authorizedFetch });
  /** The names of the operations a document defines (comments left out). */
  const operationNames = (query) =>
    Array.from(
      String(query || '')
        .replace(/#[^\n]*/g, '')
        .matchAll(/\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g),
      (match) => match[1],
    );
  // Run at once after a tab switch, GraphiQL can send the operation name of the tab shown before (its editor state
  // settles a moment later): a name the document does not define becomes its one operation's name, or none.
  const fetcher = (params, options) => {
    const names = operationNames(params.query);
    if (!params.operationName || names.includes(params.operationName)) return send(params, options);
    return send({ ...params, operationName: names.length === 1 ? names[0] : undefined }, options);
  };

  // ---- Example operations per role (router/graphiql/examples.ts) ----------------------------------------------

  let examples = null;
  async function loadExamples() {
    if (!examples) {
      const response = await window.fetch(examplesUrl, { credentials: 'omit' });
      if (!response.ok) throw new Error(`Could not load the example queries (${response.status})`);
      examples = await response.json();
    }
    return examples;
  }

  const randomId = () => window.crypto.randomUUID();

  /**
   * Opens the user's examples that no tab holds yet, as new tabs after the open ones, and shows the first of them.
   * One state change for all of them (moveTab takes the whole new list), then one tab switch: adding tabs one by one
   * races GraphiQL's debounced editor updates, which would write one tab's editor contents into another.
   */
  function openExamples(editor, all, roles) {
    const mine = all.filter((example) => example.roles.some((role) => roles.includes(role)));
    const open = new Set(editor.tabs.map((tab) => tab.query));
    const missing = mine.filter((example) => !open.has(example.query));
    if (missing.length === 0) return 0;
    const added = missing.map((example) => ({
      id: randomId(),
      // As GraphiQL computes it: the tab's query, variables and headers.
      hash: [example.query, example.variables || '', ''].join('|'),
      title: example.name,
      query: example.query,
      variables: example.variables,
      headers: null,
      operationName: example.name,
      response: null,
    }));
    const first = editor.tabs.length;
    editor.moveTab([...editor.tabs, ...added]);
    editor.changeTab(first);
    return added.length;
  }

  // ---- The sign-in plugin ----------------------------------------------------------------------------------------

  const useSession = () => React.useSyncExternalStore(subscribe, () => current);

  function SignInIcon() {
    return h(
      'svg',
      {
        viewBox: '0 0 24 24',
        width: '1em',
        height: '1em',
        fill: 'none',
        stroke: 'currentColor',
        strokeWidth: 1.5,
        'aria-hidden': true,
      },
      h('circle', { cx: 12, cy: 8, r: 4 }),
      h('path', { d: 'M4 21c0-4.4 3.6-8 8-8s8 3.6 8 8' }),
    );
  }

  function SignInPanel() {
    const { session: signedIn, notice: ended } = useSession();
    const editor = useEditorContext({ nonNull: true });
    const schema = useSchemaContext({ nonNull: true });
    const [busy, setBusy] = React.useState(false);
    const [message, setMessage] = React.useState('');
    const form = React.useRef(null);

    const showExamples = async (roles) => {
      const opened = openExamples(editor, await loadExamples(), roles);
      setMessage(opened ? `Opened ${opened} example ${opened === 1 ? 'tab' : 'tabs'} for your roles.` : '');
    };

    const onSubmit = async (event) => {
      event.preventDefault();
      const fields = form.current.elements;
      const email = fields.email.value;
      const password = fields.password.value;
      // The password leaves the form at once: only this call's arguments hold it.
      fields.password.value = '';
      setBusy(true);
      setMessage('');
      try {
        await signIn(email, password);
        schema.introspect();
        await showExamples(session ? session.user.roles : []);
      } catch (error) {
        setMessage(error.message);
      } finally {
        setBusy(false);
      }
    };

    const onSignOut = async () => {
      setBusy(true);
      await signOut();
      setBusy(false);
      setMessage('Signed out.');
    };

    if (signedIn) {
      return h(
        'div',
        { className: 'nanopore-signin', 'data-state': 'signed-in' },
        h('div', { className: 'graphiql-doc-explorer-title' }, 'Signed in'),
        h(
          'p',
          null,
          h('strong', { className: 'nanopore-signin-user' }, signedIn.user.name),
          ` (${signedIn.user.email})`,
        ),
        h('p', { className: 'nanopore-signin-roles' }, `Roles: ${signedIn.user.roles.join(', ')}`),
        h(
          'p',
          { className: 'nanopore-signin-expiry' },
          `Every tab sends your token. It renews itself at ${new Date(signedIn.refreshAt).toLocaleTimeString()}.`,
        ),
        h(
          'div',
          { className: 'nanopore-signin-actions' },
          h(
            'button',
            {
              type: 'button',
              className: 'graphiql-button',
              disabled: busy,
              onClick: () => void showExamples(signedIn.user.roles),
            },
            'Open example queries',
          ),
          h(
            'button',
            {
              type: 'button',
              className: 'graphiql-button',
              name: 'sign-out',
              disabled: busy,
              onClick: () => void onSignOut(),
            },
            'Sign out',
          ),
        ),
        message ? h('p', { className: 'nanopore-signin-message', role: 'status' }, message) : null,
      );
    }
    return h(
      'form',
      {
        ref: form,
        className: 'nanopore-signin',
        'data-state': 'signed-out',
        onSubmit: (event) => void onSubmit(event),
        autoComplete: 'on',
      },
      h('div', { className: 'graphiql-doc-explorer-title' }, 'Sign in'),
      h(
        'label',
        null,
        'Email',
        h('input', {
          name: 'email',
          type: 'email',
          autoComplete: 'username',
          required: true,
          maxLength: 320,
        }),
      ),
      h(
        'label',
        null,
        'Password',
        h('input', {
          name: 'password',
          type: 'password',
          autoComplete: 'current-password',
          required: true,
          maxLength: 1024,
        }),
      ),
      h(
        'button',
        { type: 'submit', className: 'graphiql-button', disabled: busy },
        busy ? 'Signing in...' : 'Sign in',
      ),
      ended || message
        ? h('p', { className: 'nanopore-signin-message', role: 'status' }, ended || message)
        : null,
      h(
        'p',
        { className: 'nanopore-signin-note' },
        'Your tokens stay in this page\u2019s memory: a reload signs you out. The docs and autocompletion need a signed-in user.',
      ),
    );
  }

  const signInPlugin = { title: 'Sign in', icon: SignInIcon, content: SignInPanel };
  // One array for the page's life: GraphiQL re-applies visiblePlugin whenever `plugins` changes identity.
  const plugins = [signInPlugin, GraphiQLPluginExplorer.explorerPlugin()];

  function App() {
    const { session: signedIn } = useSession();
    return h(GraphiQL, {
      fetcher,
      plugins,
      // Signed out, the panel opens on sign-in (it is what the schema and every query need first).
      visiblePlugin: signedIn ? undefined : signInPlugin,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    });
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(h(App));
})();
