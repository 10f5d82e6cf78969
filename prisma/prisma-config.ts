// Shared Prisma CLI config for every domain database. Each prisma/<domain>/prisma.config.ts calls this.
// Prisma 6.19 with the JS schema engine (no native engine download) over @prisma/adapter-pg.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import type { PrismaConfig } from 'prisma';

process.env.CHECKPOINT_DISABLE = '1';

const here = path.dirname(fileURLToPath(import.meta.url));

// adapter-pg 6.19.3 refuses the `name` (19) and `char` (18) columns the schema engine reads from pg_catalog
// (prisma/orm#27403). Report them as text, which is what they are to the engine.
const CATALOG_TEXT_OIDS = new Set([18, 19]);
function asText(result: pg.QueryResult | undefined): void {
  for (const field of result?.fields ?? []) {
    if (CATALOG_TEXT_OIDS.has(field.dataTypeID)) field.dataTypeID = 25;
  }
}
class CatalogSafeClient extends pg.Client {
  // pg-pool calls query() with a callback; the adapter's own clients await it. Cover both.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (err: Error | null, result: pg.QueryResult) => {
        asText(result);
        last(err, result);
      };
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (super.query as any)(...args);
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (super.query as any)(...args).then((result: pg.QueryResult) => {
      asText(result);
      return result;
    });
  }
}

/** Connection fields instead of a connection string, so the adapter's shadow database really is separate. */
function toPoolConfig(url: string): pg.PoolConfig {
  const u = new URL(url);
  return {
    host: decodeURIComponent(u.hostname),
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.slice(1)),
    Client: CatalogSafeClient,
    // Otherwise idle pool clients keep the CLI alive for 10 s after it has finished.
    allowExitOnIdle: true,
  };
}

/**
 * adapter-pg 6.19.3 drops its shadow database before closing the pool that uses it, so the drop fails.
 * Create the shadow database ourselves and drop it (forcibly) only after its pool is closed.
 */
function withThrowawayShadowDb(config: pg.PoolConfig): PrismaPg {
  const factory = new PrismaPg(config);
  factory.connectToShadowDb = async () => {
    const name = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
    const admin = new pg.Client(config);
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const shadow = await new PrismaPg({ ...config, database: name }).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    };
    return shadow;
  };
  return factory;
}

/** The environment variable holding a domain's database URL, e.g. AUTH_DATABASE_URL. */
export function databaseUrlVariable(domain: string): string {
  return `${domain.toUpperCase()}_DATABASE_URL`;
}

export function createPrismaConfig(domain: string): PrismaConfig {
  return {
    schema: path.join(here, domain, 'schema.prisma'),
    migrations: { path: path.join(here, domain, 'migrations') },
    experimental: { adapter: true },
    engine: 'js',
    async adapter() {
      const url = process.env[databaseUrlVariable(domain)];
      if (!url) throw new Error(`${databaseUrlVariable(domain)} is not set`);
      return withThrowawayShadowDb(toPoolConfig(url));
    },
  };
}
