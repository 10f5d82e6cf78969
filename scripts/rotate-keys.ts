// `npm run rotate-keys`: makes a new access-token signing key current. The retired key's public half stays in
// the JWKS until every token it signed has expired (retiredAt + ACCESS_TOKEN_TTL_SECONDS + the key cache
// interval); keys past that are deleted. Safe while the auth subgraph runs: replicas pick the new key up within
// KEY_CACHE_SECONDS. Reads AUTH_DATABASE_URL and ACCESS_TOKEN_TTL_SECONDS (use the auth subgraph's value).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PrismaClient } from '../generated/prisma/auth/client.ts';
import { ConfigError, env, loadConfig } from '../subgraphs/kit/config.ts';
import { rotateSigningKey } from '../subgraphs/auth/keys.service.ts';
import { createDatabaseAdapter } from '../subgraphs/kit/database.ts';

const schema = z.object({
  AUTH_DATABASE_URL: env.databaseUrl(),
  ACCESS_TOKEN_TTL_SECONDS: env.positiveInt(900),
});

export async function rotateKeys(source: Record<string, string | undefined> = process.env) {
  const config = loadConfig(schema, source);
  const prisma = new PrismaClient({ adapter: createDatabaseAdapter(config.AUTH_DATABASE_URL) });
  try {
    return await rotateSigningKey({
      prisma,
      now: () => new Date(),
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    });
  } finally {
    await prisma.$disconnect();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    const { kid, retired } = await rotateKeys();
    console.log(`new signing key ${kid} is current`);
    if (retired.length)
      console.log(`retired ${retired.join(', ')} (public keys stay published until their tokens expire)`);
  } catch (error) {
    console.error(error instanceof ConfigError ? `rotate-keys: ${error.message}` : error);
    process.exitCode = 1;
  }
}
