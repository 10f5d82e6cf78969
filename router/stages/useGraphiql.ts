import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { examplesForPage } from '../graphiql/examples.ts';
import type { RouterStage } from '../stage.ts';

export interface GraphiqlOptions {
  /** Where the page's assets are served. @default '/graphiql' */
  assetsPath?: string;
}

const require = createRequire(import.meta.url);
/** graphiql's `exports` hide its UMD bundle, so locate files from each package's package.json. */
const fromPackage = (name: string, file: string) =>
  join(dirname(require.resolve(`${name}/package.json`)), file);

/** Local copies of everything the page loads: it must work offline, so nothing comes from a CDN. */
const assets: Record<string, { file: string; type: string; maxAge?: string }> = {
  'graphiql.min.js': { file: fromPackage('graphiql', 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { file: fromPackage('graphiql', 'graphiql.min.css'), type: 'text/css' },
  'react.production.min.js': {
    file: fromPackage('react', 'umd/react.production.min.js'),
    type: 'text/javascript',
  },
  'react-dom.production.min.js': {
    file: fromPackage('react-dom', 'umd/react-dom.production.min.js'),
    type: 'text/javascript',
  },
  // The explorer's UMD build reads the globals React, GraphiQL.React and GraphiQL.GraphQL, which the bundles
  // above define; it defines GraphiQLPluginExplorer.
  'plugin-explorer.umd.js': {
    file: fromPackage('@graphiql/plugin-explorer', 'dist/index.umd.js'),
    type: 'text/javascript',
  },
  'plugin-explorer.css': {
    file: fromPackage('@graphiql/plugin-explorer', 'dist/style.css'),
    type: 'text/css',
  },
  // The page's own code (sign-in plugin, fetcher, example tabs): plain browser JavaScript, no build step.
  'init.js': {
    file: join(dirname(fileURLToPath(import.meta.url)), '../graphiql/page.js'),
    type: 'text/javascript',
    // Ours, and it changes with the router: revalidated on every load.
    maxAge: '0',
  },
};

const pageCss = `body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }
.nanopore-signin { display: flex; flex-direction: column; gap: var(--px-12, 12px); }
.nanopore-signin label { display: flex; flex-direction: column; gap: var(--px-4, 4px); }
.nanopore-signin input { font: inherit; padding: var(--px-6, 6px); border-radius: var(--border-radius-4, 4px);
  border: 1px solid hsla(var(--color-neutral), var(--alpha-background-heavy, 0.15));
  background: hsl(var(--color-base)); color: hsl(var(--color-neutral)); }
.nanopore-signin-actions { display: flex; gap: var(--px-8, 8px); flex-wrap: wrap; }
.nanopore-signin-note, .nanopore-signin-expiry { color: hsla(var(--color-neutral), var(--alpha-secondary, 0.6)); }
`;

/**
 * The page's Content-Security-Policy. Scripts only from our own origin: no inline script, no eval (the page's
 * own code is init.js, and the bundles need neither). Styles from our origin plus inline ones, which GraphiQL
 * needs: its dialogs (react-remove-scroll) add a <style> element at run time, and its CSS embeds its fonts and
 * icons as data: URLs. Requests go to this origin only; nothing may frame the page (clickjacking: the
 * page holds a session), and no form or <base> can send anything elsewhere.
 */
export const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const pageHeaders = {
  'content-security-policy': GRAPHIQL_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const page = (base: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Nanopore supergraph - GraphiQL</title>
<link rel="stylesheet" href="${base}/graphiql.min.css">
<link rel="stylesheet" href="${base}/plugin-explorer.css">
<link rel="stylesheet" href="${base}/page.css">
</head>
<body>
<div id="graphiql">Loading...</div>
<script src="${base}/react.production.min.js"></script>
<script src="${base}/react-dom.production.min.js"></script>
<script src="${base}/graphiql.min.js"></script>
<script src="${base}/plugin-explorer.umd.js"></script>
<script src="${base}/init.js"></script>
</body>
</html>
`;

/** GraphiQL at GET /graphql for browsers (Accept prefers text/html), from local assets. */
export function useGraphiql(options: GraphiqlOptions = {}): RouterStage {
  const base = options.assetsPath ?? '/graphiql';
  return {
    name: 'graphiql',
    routes(app) {
      app.use(base, (_req, res, next) => {
        res.set('x-content-type-options', 'nosniff');
        next();
      });
      // The example operations of every role, with date variables as of now; the page picks the user's.
      app.get(`${base}/examples.json`, (_req, res) => {
        res.set('cache-control', 'no-store').json(examplesForPage(new Date()));
      });
      app.get(`${base}/page.css`, (_req, res) => void res.type('text/css').send(pageCss));
      app.get(`${base}/:asset`, (req, res, next) => {
        const asset = assets[req.params.asset];
        if (!asset) return next();
        res.type(asset.type).sendFile(asset.file, { maxAge: asset.maxAge ?? '1d' });
      });
    },
    middleware: [
      (req, res, next) => {
        const wantsPage = req.method === 'GET' && req.query.query === undefined;
        if (
          !wantsPage ||
          req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) !== 'text/html'
        ) {
          return next();
        }
        res.set(pageHeaders).type('text/html').send(page(base));
      },
    ],
  };
}
