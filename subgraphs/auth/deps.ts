// What the auth services share: built once per subgraph in server.ts.
import type { PrismaClient } from '../../generated/prisma/auth/client.ts';
import type { Logger } from '../kit/logger.ts';
import type { AuthConfig } from './config.ts';
import type { KeyStore } from './keys.service.ts';

export const SERVICE_NAME = 'auth';

export interface AuthDeps {
  prisma: PrismaClient;
  config: AuthConfig;
  /** The clock; injectable so tests can expire lockouts and tokens without waiting. */
  now: () => Date;
  keys: KeyStore;
  log: Logger;
}

/** Who caused a change, and in which request: copied onto every outbox event. */
export interface EventMeta {
  actor: { userId: string; roles: string[] } | null;
  requestId: string | null;
}
