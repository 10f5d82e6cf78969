// deploy/postgres/create-databases.sql as the postgres image runs it (psql, as a superuser), on the test server
// under a unique name prefix; then the migrations as the migrator role, and the subgraphs as their runtime roles:
// they work, and what least privilege takes away is refused by PostgreSQL itself.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dropDatabase, withDatabase } from '../../scripts/embedded-postgres.ts';
import { migrateDatabase } from '../../scripts/migrate.ts';
import { createLogger } from '../../subgraphs/kit/logger.ts';
import { loadAuditConfig } from '../../subgraphs/audit/config.ts';
import { createChainService } from '../../subgraphs/audit/chain.service.ts';
import { createAuditSubgraph, type AuditSubgraph } from '../../subgraphs/audit/server.ts';
import { newAuditEvent } from '../../subgraphs/audit/testing.ts';
import { loadAuthConfig } from '../../subgraphs/auth/config.ts';
import { createAuthSubgraph } from '../../subgraphs/auth/server.ts';
import { hasPsql } from '../helpers/psql.ts';

const run = promisify(execFile);
const SCRIPT = path.resolve(import.meta.dirname, '../../deploy/postgres/create-databases.sql');
const DOMAINS = ['auth', 'samples', 'submission', 'files', 'audit', 'ai'];

const prefix = `lp${randomUUID().replaceAll('-', '').slice(0, 8)}_`;
const passwords: Record<string, string> = Object.fromEntries(
  ['MIGRATOR', ...DOMAINS.map((d) => d.toUpperCase())].map((n) => [
    `${n}_DB_PASSWORD`,
    randomBytes(18).toString('hex'),
  ]),
);
let adminUrl: string;

/** URL of `database` (unprefixed name) as `role` (unprefixed name) with its password. */
function urlAs(role: string, database: string): string {
  const url = new URL(withDatabase(adminUrl, prefix + database));
  url.username = prefix + role;
  url.password =
    passwords[`${role === 'migrator' ? 'MIGRATOR' : role.replace(/_app$/, '').toUpperCase()}_DB_PASSWORD`]!;
  return url.toString();
}

async function sqlAs(role: string, database: string, text: string) {
  const client = new pg.Client({ connectionString: urlAs(role, database) });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

const psql = (env: Record<string, string>, ...args: string[]) =>
  run('psql', ['-X', '-q', '-v', `prefix=${prefix}`, ...args, '-f', SCRIPT, adminUrl], {
    env: { PATH: process.env.PATH, ...env },
  });

describe.skipIf(!hasPsql())('create-databases.sql (psql)', () => {
  beforeAll(async () => {
    adminUrl = inject('postgresAdminUrl');
    await psql(passwords);
    await Promise.all(['auth', 'audit'].map((d) => migrateDatabase(d, urlAs('migrator', d))));
  }, 180_000);

  afterAll(async () => {
    if (!adminUrl) return;
    for (const db of DOMAINS) await dropDatabase(adminUrl, prefix + db);
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      for (const role of [...DOMAINS.map((d) => `${d}_app`), 'migrator']) {
        await admin.query(`DROP ROLE IF EXISTS "${prefix}${role}"`);
      }
    } finally {
      await admin.end();
    }
  });

  it('stops before creating anything, naming the variable, when a password is missing', async () => {
    const { AUDIT_DB_PASSWORD: _, ...partial } = passwords;
    const failure = (await psql(partial, '-v', `prefix=${prefix}x`).then(
      () => ({ stderr: 'succeeded' }),
      (e: { stderr: string }) => e,
    )) as { stderr: string };
    expect(failure.stderr).toContain('AUDIT_DB_PASSWORD is not set');
    expect(
      await sqlAs(
        'migrator',
        'auth',
        `SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE '${prefix}x%'`,
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('runs the audit subgraph as audit_app: append, checkpoint, verify and purge work', async () => {
    const config = loadAuditConfig({
      AUDIT_DATABASE_URL: urlAs('audit_app', 'audit'),
      OUTBOX_RELAY_SECRET: 'a relay secret of at least 32 characters!',
      EXPORT_SIGNING_SECRET: randomBytes(32).toString('hex'),
      AUDIT_SIGNING_KEY: randomBytes(32).toString('base64'),
      AUDIT_CHECKPOINT_EVERY: '3',
      AUDIT_RETENTION_DAYS: '1',
    });
    let offsetDays = 0;
    const audit: AuditSubgraph = await createAuditSubgraph(config, {
      log: createLogger({ level: 'silent' }),
      now: () => new Date(Date.now() + offsetDays * 86_400_000),
    });
    try {
      const chain = createChainService(audit.deps);
      await chain.append([newAuditEvent(), newAuditEvent(), newAuditEvent(), newAuditEvent()]);
      expect(await chain.checkpoint()).toBe(4n);
      expect(await chain.verify()).toMatchObject({ intact: true, checked: 4, lastSignedSequence: 4 });
      offsetDays = 2;
      expect(await audit.retention.purgeExpired({ purgedBy: 'test' })).toMatchObject({ purgedCount: 4 });
      expect(await chain.verify()).toMatchObject({ intact: true, checkedFrom: 5, lastSignedSequence: 5 });
    } finally {
      await audit.close();
    }
  });

  it('refuses audit_app any UPDATE, DELETE or TRUNCATE of the log, any DDL, and other databases', async () => {
    const denied = /permission denied|must be owner/;
    for (const statement of [
      `UPDATE audit_event SET type = 'forged'`,
      `DELETE FROM audit_event`,
      `TRUNCATE audit_event`,
      `UPDATE audit_checkpoint SET hash = hash`,
      `DELETE FROM audit_checkpoint`,
      `UPDATE audit_anchor SET purged_by = 'x'`,
      `ALTER TABLE audit_event DISABLE TRIGGER USER`,
      `CREATE TABLE scratch (id int)`,
      `UPDATE audit_chain_head SET id = 1`,
    ]) {
      await expect(sqlAs('audit_app', 'audit', statement), statement).rejects.toThrow(denied);
    }
    await expect(sqlAs('audit_app', 'auth', 'SELECT 1')).rejects.toThrow(/permission denied for database/);
    // The migrator owns the tables (and so could switch triggers off): that is what the signed checkpoints are for.
    const [owner] = await sqlAs(
      'migrator',
      'audit',
      `SELECT tableowner FROM pg_tables WHERE tablename = 'audit_event'`,
    );
    expect(owner).toEqual({ tableowner: `${prefix}migrator` });
  });

  it('runs the auth subgraph as auth_app, without DDL and without reaching the audit database', async () => {
    const config = loadAuthConfig({
      AUTH_DATABASE_URL: urlAs('auth_app', 'auth'),
      AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
    });
    const auth = await createAuthSubgraph(config, {
      log: createLogger({ level: 'silent' }),
      print: () => {},
    });
    await auth.close();
    expect(await sqlAs('auth_app', 'auth', `SELECT count(*)::int AS n FROM signing_key`)).toEqual([{ n: 1 }]);
    await expect(sqlAs('auth_app', 'auth', `CREATE TABLE scratch (id int)`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(sqlAs('auth_app', 'auth', `DROP TABLE signing_key`)).rejects.toThrow(/must be owner/);
    await expect(sqlAs('auth_app', 'audit', 'SELECT 1')).rejects.toThrow(/permission denied for database/);
    await expect(sqlAs('auth_app', 'samples', 'SELECT 1')).rejects.toThrow(/permission denied for database/);
  });
});
