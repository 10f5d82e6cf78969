// `npm run rotate-keys`: makes a new access-token signing key current. The retired key's public half stays in
// the JWKS until every token it signed has expired (retiredAt + ACCESS_TOKEN_TTL_SECONDS + the key cache
// interval); keys past that are deleted. Safe while the auth subgraph runs: replicas pick the new key up within
// KEY_CACHE_SECONDS. Reads AUTH_DATABASE_URL, AUTH_KEY_ENCRYPTION_KEY and ACCESS_TOKEN_TTL_SECONDS (use the auth
// subgraph's values).
//
// KEK rotation: with AUTH_NEW_KEY_ENCRYPTION_KEY set as well, every stored private key is first re-encrypted
// from AUTH_KEY_ENCRYPTION_KEY to the new key (one transaction), and the new signing key is made under it. Then
// restart the auth subgraph with AUTH_KEY_ENCRYPTION_KEY set to the new key; until then, running replicas sign
// with the key they cached, and a replica that restarts with the old KEK refuses to start.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PrismaClient } from '../generated/prisma/auth/client.ts';
import { ConfigError, env, loadConfig } from '../subgraphs/kit/config.ts';
import { reencryptSigningKeys, rotateSigningKey } from '../subgraphs/auth/keys.service.ts';
import { kekId } from '../subgraphs/auth/key-encryption.ts';
import { createDatabaseAdapter } from '../subgraphs/kit/database.ts';
import { secretKeyVariable } from '../subgraphs/kit/secret-key.ts';

const schema = z.object({
  AUTH_DATABASE_URL: env.databaseUrl(),
  AUTH_KEY_ENCRYPTION_KEY: secretKeyVariable(),
  AUTH_NEW_KEY_ENCRYPTION_KEY: secretKeyVariable().optional(),
  ACCESS_TOKEN_TTL_SECONDS: env.positiveInt(900),
});

export interface RotateKeysResult {
  kid: string;
  retired: string[];
  /** Set when the KEK was rotated: the new KEK's id and the re-encrypted kids. */
  kek?: { id: string; reencrypted: string[] };
}

export async function rotateKeys(
  source: Record<string, string | undefined> = process.env,
): Promise<RotateKeysResult> {
  const config = loadConfig(schema, source);
  const prisma = new PrismaClient({ adapter: createDatabaseAdapter(config.AUTH_DATABASE_URL) });
  try {
    const newKek = config.AUTH_NEW_KEY_ENCRYPTION_KEY;
    const kek = newKek
      ? {
          id: kekId(newKek),
          ...(await reencryptSigningKeys(prisma, config.AUTH_KEY_ENCRYPTION_KEY, newKek)),
        }
      : undefined;
    const rotated = await rotateSigningKey({
      prisma,
      now: () => new Date(),
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      kek: newKek ?? config.AUTH_KEY_ENCRYPTION_KEY,
    });
    return { ...rotated, ...(kek && { kek }) };
  } finally {
    await prisma.$disconnect();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    const { kid, retired, kek } = await rotateKeys();
    if (kek) {
      console.log(`re-encrypted ${kek.reencrypted.length} signing keys under key-encryption key ${kek.id}`);
      console.log('restart the auth subgraph with AUTH_KEY_ENCRYPTION_KEY set to the new key');
    }
    console.log(`new signing key ${kid} is current`);
    if (retired.length)
      console.log(`retired ${retired.join(', ')} (public keys stay published until their tokens expire)`);
  } catch (error) {
    console.error(error instanceof ConfigError ? `rotate-keys: ${error.message}` : error);
    process.exitCode = 1;
  }
}
