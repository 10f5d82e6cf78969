import type { RouterStage } from '../stage.ts';

export interface CorsOptions {
  /** Origins allowed to call the router from a browser (exact match, e.g. `https://lims.example.org`). @default [] (no cross-origin) */
  origins?: string[];
  /** How long browsers may cache a preflight answer. @default 600 */
  maxAgeSeconds?: number;
}

const allowedHeaders =
  'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id';

/** CORS from an allowlist; any other origin gets no CORS headers, so browsers refuse the response. */
export function useCors(options: CorsOptions = {}): RouterStage {
  const origins = new Set(options.origins ?? []);
  return {
    name: 'cors',
    middleware: [
      (req, res, next) => {
        const origin = req.get('origin');
        res.vary('Origin');
        const allowed = origin !== undefined && origins.has(origin);
        if (allowed) {
          res.setHeader('access-control-allow-origin', origin);
          res.setHeader('access-control-expose-headers', 'x-request-id');
        }
        if (req.method !== 'OPTIONS') return next();
        if (allowed) {
          res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
          res.setHeader('access-control-allow-headers', allowedHeaders);
          res.setHeader('access-control-max-age', String(options.maxAgeSeconds ?? 600));
        }
        res.status(204).end();
      },
    ],
  };
}
