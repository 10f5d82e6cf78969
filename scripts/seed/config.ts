// What `npm run seed` is pointed at, from flags and the environment, checked before anything is sent. The seed
// writes demo users and months of invented history: it refuses a production configuration (NODE_ENV=production,
// whatever else is set) and a router that is not on this machine unless told explicitly that it is a demo stack.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from '../../subgraphs/kit/config.ts';

export interface SeedConfig {
  /** The router's GraphQL endpoint. */
  url: string;
  adminEmail: string;
  adminPassword: string;
  /** Password of the demo accounts created; null: a random one each, printed once. */
  userPassword: string | null;
  /** About this many historical samples (the real quote and the sheets add theirs). */
  samples: number;
}

export const USAGE = `npm run seed [-- --url <router GraphQL URL>] [--samples <n>] [--allow-remote]

Loads a demo lab into the running stack through the router's GraphQL endpoint. Idempotent.

  --url            SEED_ROUTER_URL      default http://localhost:$ROUTER_PORT/graphql (4000)
  --samples        SEED_SAMPLES         historical samples, 40 to 2000; default 300
  --allow-remote   SEED_ALLOW_REMOTE    allow a router that is not on this machine (never with NODE_ENV=production)
                   SEED_ADMIN_EMAIL     an ADMIN's email; default ADMIN_EMAIL, else admin@localhost
                   SEED_ADMIN_PASSWORD  that ADMIN's password; default ADMIN_PASSWORD (npm start prints the first one)
                   SEED_USER_PASSWORD   password for the demo accounts it creates; default: random, printed once
`;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** A host name of this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname.endsWith('.localhost')
  );
}

const schema = z
  .object({
    NODE_ENV: z.string().optional(),
    ROUTER_PORT: env.port(4000),
    SEED_ROUTER_URL: env.httpUrl().optional(),
    SEED_ALLOW_REMOTE: env.flag(false),
    SEED_SAMPLES: z.coerce
      .number({ message: 'must be a number' })
      .int({ message: 'must be a whole number' })
      .min(40, { message: 'must be at least 40' })
      .max(2000, { message: 'must be at most 2000' })
      .default(300),
    SEED_ADMIN_EMAIL: z.email({ message: 'must be an email address' }).optional(),
    ADMIN_EMAIL: z.string().optional(),
    SEED_ADMIN_PASSWORD: z.string().max(256, { message: 'must be at most 256 characters' }).optional(),
    ADMIN_PASSWORD: z.string().optional(),
    SEED_USER_PASSWORD: z
      .string()
      .min(12, { message: 'must be at least 12 characters' })
      .max(256, { message: 'must be at most 256 characters' })
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['NODE_ENV'],
        message:
          'is production: the seed loads invented demo data and never runs against a production configuration',
      });
    }
    const url = v.SEED_ROUTER_URL ? new URL(v.SEED_ROUTER_URL) : null;
    if (url && !isLoopbackHost(url.hostname) && !v.SEED_ALLOW_REMOTE) {
      ctx.addIssue({
        code: 'custom',
        path: ['SEED_ROUTER_URL'],
        message: `${url.host} is not this machine: the seed is for a local demo stack; set SEED_ALLOW_REMOTE=true (or --allow-remote) if that router is one`,
      });
    }
    if (!v.SEED_ADMIN_PASSWORD && !v.ADMIN_PASSWORD) {
      ctx.addIssue({
        code: 'custom',
        path: ['SEED_ADMIN_PASSWORD'],
        message:
          'required (or ADMIN_PASSWORD): the password of an ADMIN, e.g. the one npm start printed on its first start',
      });
    }
  })
  .transform((v): SeedConfig => ({
    url: v.SEED_ROUTER_URL ?? `http://localhost:${v.ROUTER_PORT}/graphql`,
    adminEmail: v.SEED_ADMIN_EMAIL ?? v.ADMIN_EMAIL ?? 'admin@localhost',
    adminPassword: (v.SEED_ADMIN_PASSWORD ?? v.ADMIN_PASSWORD)!,
    userPassword: v.SEED_USER_PASSWORD ?? null,
    samples: v.SEED_SAMPLES,
  }));

/** The seed's configuration from its command line and environment; ConfigError naming each bad variable. */
export function loadSeedConfig(argv: string[], environment: NodeJS.ProcessEnv): SeedConfig | 'help' {
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        samples: { type: 'string' },
        'allow-remote': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new ConfigError([`command line: ${(error as Error).message}`]);
  }
  if (flags.help) return 'help';
  return loadConfig(schema, {
    ...environment,
    ...(flags.url !== undefined ? { SEED_ROUTER_URL: flags.url } : {}),
    ...(flags.samples !== undefined ? { SEED_SAMPLES: flags.samples } : {}),
    ...(flags['allow-remote'] ? { SEED_ALLOW_REMOTE: 'true' } : {}),
  });
}
