// The environment variables every process parses the same way, as zod schemas for its typed config.
import { isIP } from 'node:net';
import { z } from 'zod';

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME = /^(?=.{1,253}$)[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?(?:\.[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?)*$/i;

const MAX_CONNECTION_LIMIT = 1000;
/** A URL's connection_limit, when it has one, is a whole number from 1 to MAX_CONNECTION_LIMIT. */
function validConnectionLimit(url: string): boolean {
  const value = URL.canParse(url) ? new URL(url).searchParams.get('connection_limit') : null;
  return (
    value === null || (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_CONNECTION_LIMIT)
  );
}

/** Variable builders with the parsing every process needs. */
export const env = {
  /** A listen address: an IPv4/IPv6 address or a host name (nothing else reaches listen()). */
  host: () =>
    z.string().refine((v) => isIP(v) !== 0 || HOST_NAME.test(v), {
      message: 'must be an IP address (such as 127.0.0.1, 0.0.0.0 or ::) or a host name',
    }),
  /** A TCP port; 0 lets the OS choose. */
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  /** A positive whole number (seconds, counts ...). */
  positiveInt: (fallback?: number) =>
    fallback === undefined
      ? z.coerce.number().int().positive()
      : z.coerce.number().int().positive().default(fallback),
  /** A postgres:// or postgresql:// URL; its `connection_limit`, when given, sizes the process's pool. */
  databaseUrl: () =>
    z
      .string()
      .refine((v) => /^postgres(ql)?:\/\/./.test(v), { message: 'must be a postgresql:// URL' })
      .refine(validConnectionLimit, {
        message: `connection_limit must be a whole number from 1 to ${MAX_CONNECTION_LIMIT}`,
      }),
  /** Any absolute http(s) URL. */
  httpUrl: () => z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
  /** true/false, 1/0, yes/no, on/off. */
  flag: (fallback = false) => z.stringbool().default(fallback),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};
