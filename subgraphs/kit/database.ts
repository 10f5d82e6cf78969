// The one way our processes connect Prisma to PostgreSQL.
import { PrismaPg } from '@prisma/adapter-pg';

/**
 * The driver adapter for a database URL, with the session pinned to UTC: the adapter sends Date parameters as
 * UTC wall-clock times without a zone and drops the offset of timestamps it reads, so in a session with another
 * TimeZone every timestamp would be shifted by that offset.
 */
export function createDatabaseAdapter(connectionString: string): PrismaPg {
  return new PrismaPg({ connectionString, options: '-c TimeZone=UTC' });
}
