// The one way our processes connect Prisma to PostgreSQL.
import { PrismaPg } from '@prisma/adapter-pg';

/**
 * The driver adapter for a database URL, with the session pinned to UTC: the adapter sends Date parameters as
 * UTC wall-clock times without a zone and drops the offset of timestamps it reads, so in a session with another
 * TimeZone every timestamp would be shifted by that offset.
 */
export function createDatabaseAdapter(url: string): PrismaPg {
  return new PrismaPg({ ...poolSettings(url), options: '-c TimeZone=UTC' });
}

/**
 * The pool's size from the URL's `connection_limit` (Prisma's name for it), taken out of the URL the driver sees.
 * Replicas share one PostgreSQL, so the operator sizes each process's share where the database is named.
 */
export function poolSettings(url: string): { connectionString: string; max?: number } {
  if (!url.includes('connection_limit=')) return { connectionString: url };
  const parsed = new URL(url);
  const max = Number(parsed.searchParams.get('connection_limit'));
  parsed.searchParams.delete('connection_limit');
  return { connectionString: parsed.toString(), max };
}
