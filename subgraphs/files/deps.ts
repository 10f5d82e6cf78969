// What the files services share: built once per subgraph in server.ts.
import type { PrismaClient } from '../../generated/prisma/files/client.ts';
import type { Logger } from '../kit/logger.ts';
import type { FilesConfig } from './config.ts';
import type { EntityAccess } from './entity-access.ts';
import type { UrlSigner } from './signing.ts';
import type { BlobStore } from './storage.ts';

export const SERVICE_NAME = 'files';

export interface FilesDeps {
  prisma: PrismaClient;
  config: FilesConfig;
  /** The clock; injectable so tests can expire download URLs and shares. */
  now: () => Date;
  log: Logger;
  blobs: BlobStore;
  signer: UrlSigner;
  entities: EntityAccess;
}

/**
 * Who is asking: the verified caller's id, roles, the request id copied onto every outbox event, and the bearer
 * header passed on when another subgraph is asked about an entity.
 */
export interface Caller {
  userId: string;
  roles: string[];
  requestId: string | null;
  /** ADMIN, STAFF and VIEWER see every file; anyone else what they uploaded, own or were shared. */
  seesAll: boolean;
  authorization: string | undefined;
}

/**
 * A Sample or Submission as this subgraph knows it: a reference. Codegen's mappers use it (codegen.ts).
 * @public
 */
export interface EntityRef {
  id: string;
}
