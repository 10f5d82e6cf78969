// The restore drill (README, Backups): a stack holding the demo lab (users, samples moved through their stages,
// runs, files, submissions and their audit events) is backed up by `npm run backup` while it runs, restored by
// `npm run restore` into new, empty databases and a new files directory, and a stack started on those answers as
// the first did: every table's row count, the audit chain, a file's bytes, logins. A backup with one byte
// changed is refused before anything is written.
import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { databaseUrlVariable } from '../../prisma/prisma-config.ts';
import {
  dropDatabase,
  ensureDatabase,
  startEmbeddedPostgres,
  withDatabase,
} from '../../scripts/embedded-postgres.ts';
import { freePort } from '../../scripts/free-port.ts';
import { listDomains, migrateDatabase } from '../../scripts/migrate.ts';
import { createChainService } from '../../subgraphs/audit/chain.service.ts';
import { loadAuditConfig } from '../../subgraphs/audit/config.ts';
import { createAuditSubgraph, type AuditSubgraph } from '../../subgraphs/audit/server.ts';
import { newAuditEvent } from '../../subgraphs/audit/testing.ts';
import { createLogger } from '../../subgraphs/kit/logger.ts';
import { runSeed } from '../../scripts/seed.ts';
import { loadSeedConfig } from '../../scripts/seed/config.ts';
import { signIn, type GraphClient } from '../../scripts/seed/graph.ts';
import { seedEmail } from '../../scripts/seed/lab.ts';
import { startStack, type RunningStack } from '../../scripts/stack.ts';
import { eventually } from '../helpers/eventually.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { hasPsql } from '../helpers/psql.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const USER_PASSWORD = 'a demo passphrase for the seeded accounts';
// The backup holds no keys (README): the restored stack is given the ones the first stack had.
const KEYS = {
  AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  AUDIT_SIGNING_KEY: randomBytes(32).toString('base64'),
};

const CHECKPOINTS = { AUDIT_CHECKPOINT_EVERY: '100', AUDIT_CHECKPOINT_INTERVAL_SECONDS: '3600' };
const cleanup: (() => Promise<unknown>)[] = [];
let source: TestStack;
let restored: RunningStack;
let backupDir: string;
let sourceCounts: Record<string, Record<string, number>>;
let restoredCounts: Record<string, Record<string, number>>;
const restoredUrls: Record<string, string> = {};

/** `npm run <script>` as an operator runs it; its exit code and output, never a throw. */
async function npm(script: string, args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', script, '--', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const urlVariables = (urls: Record<string, string>) =>
  Object.fromEntries(Object.entries(urls).map(([domain, url]) => [databaseUrlVariable(domain), url]));

/** Rows of every table of every database, read here with plain SQL (not the scripts' own counting). */
async function countEverything(urls: Record<string, string>) {
  const all: Record<string, Record<string, number>> = {};
  for (const [domain, url] of Object.entries(urls)) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
      );
      all[domain] = {};
      for (const { name } of rows) {
        const { rows: n } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${name}"`);
        all[domain][`public.${name}`] = n[0]!.n;
      }
    } finally {
      await client.end();
    }
  }
  return all;
}

/** New, empty databases (no template: nothing migrated) on the test server. */
async function emptyDatabases(label: string): Promise<Record<string, string>> {
  const adminUrl = inject('postgresAdminUrl');
  const urls: Record<string, string> = {};
  for (const domain of listDomains()) {
    const name = `${label}_${domain}_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    await ensureDatabase(adminUrl, name);
    cleanup.push(() => dropDatabase(adminUrl, name));
    urls[domain] = withDatabase(adminUrl, name);
  }
  return urls;
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

/** What the drill compares between the two stacks, read through the router. */
async function observe(client: GraphClient) {
  const { verifyAuditChain } = await client.request<{
    verifyAuditChain: { intact: boolean; checked: number; complete: boolean };
  }>('{ verifyAuditChain { intact checked complete } }');
  const { dashboard } = await client.request<{ dashboard: { total: number } }>(
    '{ dashboard { total byStatus { status count } byStage { stage count } } }',
  );
  const { samples } = await client.request<{
    samples: { edges: { node: { id: string; version: number; files: { id: string; sha256: string }[] } }[] };
  }>(
    `{ samples(first: 100, orderBy: { field: CREATED_AT }) {
        edges { node { id status stage version files { id name sha256 } } } } }`,
  );
  return { verifyAuditChain, dashboard, samples: samples.edges.map((e) => e.node) };
}

let before: Awaited<ReturnType<typeof observe>>;
let sourceFile: { id: string; bytes: Buffer };

async function fileLink(client: GraphClient, id: string) {
  const query = 'query ($id: ID!) { file(id: $id) { sha256 downloadUrl } }';
  return (await client.request<{ file: { sha256: string; downloadUrl: string } }>(query, { id })).file;
}

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

describe('backup and restore drill', () => {
  beforeAll(async () => {
    const sourceFiles = await tempDir('backup-drill-files-');
    // Signed checkpoints every 100 events while the seed runs, and none by the clock, which would otherwise add
    // one between the backup and the counts compared with it.
    source = await startTestStack({ FILES_DIR: sourceFiles, ...KEYS, ...CHECKPOINTS });
    let sourceOpen = true;
    cleanup.push(async () => sourceOpen && (await source.close()));
    const config = loadSeedConfig(['--samples', '40'], {
      SEED_ROUTER_URL: source.routerUrl,
      SEED_ADMIN_EMAIL: source.admin.email,
      SEED_ADMIN_PASSWORD: source.admin.password,
      SEED_USER_PASSWORD: USER_PASSWORD,
    });
    if (config === 'help') throw new Error('unexpected --help');
    const seeded = await runSeed(config, { info: () => undefined, warn: () => undefined });
    expect(seeded.filesUploaded).toBeGreaterThan(0);

    // Every event delivered to the audit log first, so that the counts stay still while they are compared.
    const admin = await signIn(source.routerUrl, source.admin.email, source.admin.password);
    await eventually(
      async () => {
        const { auditDeliveryStatus } = await admin.request<{ auditDeliveryStatus: { pending: number }[] }>(
          '{ auditDeliveryStatus { pending } }',
        );
        return auditDeliveryStatus.every((s) => s.pending === 0) || undefined;
      },
      { what: 'every outbox delivered', timeoutMs: 60_000 },
    );
    before = await observe(admin);
    const fileId = before.samples.find((s) => s.files.length > 0)!.files[0]!.id;
    sourceFile = { id: fileId, bytes: await download((await fileLink(admin, fileId)).downloadUrl) };

    const backups = await tempDir('backup-drill-backups-');
    const backup = await npm('backup', [], {
      ...urlVariables(source.databaseUrls),
      FILES_DIR: sourceFiles,
      BACKUP_DIR: backups,
    });
    expect(backup.code, backup.stderr).toBe(0);
    const [name] = await readdir(backups);
    backupDir = path.join(backups, name!);
    sourceCounts = await countEverything(source.databaseUrls);
    // One stack at a time: the test server's connections are shared with the rest of the suite.
    await source.close();
    sourceOpen = false;

    Object.assign(restoredUrls, await emptyDatabases('drill'));
    const restoredFiles = await tempDir('backup-drill-restored-files-');
    const restore = await npm('restore', [backupDir], {
      ...urlVariables(restoredUrls),
      FILES_DIR: restoredFiles,
    });
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain('every table holds the row count of the backup');
    // Before the restored stack starts: its audit subgraph signs a checkpoint of the uncovered head at start.
    restoredCounts = await countEverything(restoredUrls);

    restored = await startStack({
      databaseUrls: restoredUrls,
      env: {
        ...process.env,
        LOG_LEVEL: 'silent',
        ADMIN_EMAIL: source.admin.email,
        ADMIN_PASSWORD: source.admin.password,
        FILES_DIR: restoredFiles,
        ...KEYS,
        ...CHECKPOINTS,
      },
      routerPort: 0,
      subgraphPort: () => 0,
    });
    cleanup.push(() => restored.close());
  }, 900_000);

  test('the manifest lists every database and the files, with checksums and the dumped row counts', async () => {
    const manifest = JSON.parse(await readFile(path.join(backupDir, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.databases).sort()).toEqual(listDomains());
    for (const entry of [...Object.values(manifest.databases), manifest.files] as {
      file: string;
      sha256: string;
    }[]) {
      expect(sha256(await readFile(path.join(backupDir, entry.file)))).toBe(entry.sha256);
    }
    expect(manifest.databases.audit).toMatchObject({ serverVersion: expect.stringMatching(/^15\./) });
    expect(manifest.databases.audit.pgDumpVersion).toMatch(/^pg_dump \(PostgreSQL\) 15\./);
    expect(manifest.files.count).toBeGreaterThan(0);
    // The counts are those of the source at the time of the backup (it was idle).
    const fromManifest = Object.fromEntries(
      Object.entries(manifest.databases).map(([d, e]) => [d, (e as { rowCounts: object }).rowCounts]),
    );
    expect(fromManifest).toEqual(sourceCounts);
    expect(sourceCounts.samples!['public.sample']).toBeGreaterThanOrEqual(40);
    expect(sourceCounts.audit!['public.audit_event']).toBeGreaterThan(100);
    expect(sourceCounts.audit!['public.audit_checkpoint']).toBeGreaterThan(0);
  });

  test('every table of the restored databases holds as many rows as the source did', async () => {
    expect(restoredCounts).toEqual(sourceCounts);
  });

  test('through the restored router: the audit chain verifies, samples and files are the same', async () => {
    const admin = await signIn(restored.routerUrl, source.admin.email, source.admin.password);
    const after = await observe(admin);
    // Every restored event is checked (the restored stack's own sign-ins may add more after them).
    expect(before.verifyAuditChain).toMatchObject({ intact: true, complete: true });
    expect(after.verifyAuditChain).toMatchObject({ intact: true, complete: true });
    expect(after.verifyAuditChain.checked).toBeGreaterThanOrEqual(sourceCounts.audit!['public.audit_event']!);
    expect(sourceCounts.audit!['public.audit_event']).toBeGreaterThan(100);
    expect(after.dashboard).toEqual(before.dashboard);
    expect(after.samples).toEqual(before.samples);
  });

  test('a file downloads through the restored router with the same bytes', async () => {
    const admin = await signIn(restored.routerUrl, source.admin.email, source.admin.password);
    const file = await fileLink(admin, sourceFile.id);
    const copy = await download(file.downloadUrl);
    expect(copy.equals(sourceFile.bytes)).toBe(true);
    expect(sha256(copy)).toBe(file.sha256);
  });

  test('a seeded user signs in to the restored stack with their password', async () => {
    const user = await signIn(restored.routerUrl, seedEmail('amara.okafor'), USER_PASSWORD);
    const { me } = await user.request<{ me: { email: string } }>('{ me { email } }');
    expect(me.email).toBe(seedEmail('amara.okafor'));
  });

  test('a backup with one byte changed is refused, naming the file, and nothing is restored', async () => {
    const tampered = path.join(await tempDir('backup-drill-tampered-'), 'backup');
    await cp(backupDir, tampered, { recursive: true });
    const file = path.join(tampered, 'samples.dump');
    const handle = await open(file, 'r+');
    try {
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, 100);
      await handle.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, 100);
    } finally {
      await handle.close();
    }
    const targets = await emptyDatabases('tampered');
    const filesDir = path.join(path.dirname(tampered), 'files');
    const refused = await npm('restore', [tampered], { ...urlVariables(targets), FILES_DIR: filesDir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`${file} does not match the manifest`);
    expect(existsSync(filesDir)).toBe(false);
    const counts = await countEverything(targets);
    expect(Object.values(counts).every((tables) => Object.keys(tables).length === 0)).toBe(true);
  });

  test('restoring over data is refused without --force', async () => {
    const again = await npm('restore', [backupDir], {
      ...urlVariables(restoredUrls),
      FILES_DIR: path.join(tmpdir(), `no-such-files-${randomUUID()}`),
    });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('refusing to restore over data');
    expect(again.stderr).toContain('the samples database');
  });
});

// npm start's layout: no database URL, the embedded cluster under DATA_DIR. The drill's backup restored into a
// new DATA_DIR (restore creates the cluster); backed up again while a PostgreSQL runs from it, as under npm start
// (restore then refuses), and after it stopped (backup starts it itself): the same rows every time.
describe('the embedded cluster under DATA_DIR', () => {
  const dumped = async (dir: string) => {
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    return Object.fromEntries(
      Object.entries(manifest.databases).map(([d, e]) => [d, (e as { rowCounts: object }).rowCounts]),
    );
  };
  const noUrls = Object.fromEntries(listDomains().map((d) => [databaseUrlVariable(d), '']));

  test('restore into a new DATA_DIR, back up while it runs and while it does not', async () => {
    const dataDir = await tempDir('backup-embedded-');
    await chmod(dataDir, 0o755); // embedded PostgreSQL runs as the postgres user under root
    const env = { ...noUrls, DATA_DIR: dataDir, BACKUP_DIR: path.join(dataDir, 'backups') };
    const restore = await npm('restore', [backupDir], env);
    expect(restore.code, restore.stderr).toBe(0);
    expect(await dumped(backupDir)).toEqual(sourceCounts);

    const server = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'postgres'),
      port: await freePort(),
    });
    try {
      const whileRunning = await npm('backup', [], env);
      expect(whileRunning.code, whileRunning.stderr).toBe(0);
      expect(whileRunning.stdout).toContain('reached while npm start runs');
      const refused = await npm('restore', [backupDir, '--force'], env);
      expect(refused.stderr).toContain('is running (npm start?): stop the stack before restoring');
    } finally {
      await server.stop();
    }
    // Both backups may start within the same second: wait for the next directory name.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stopped = await npm('backup', [], env);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain('started for this run');
    const made = (await readdir(env.BACKUP_DIR)).sort();
    expect(made).toHaveLength(2);
    for (const name of made) expect(await dumped(path.join(env.BACKUP_DIR, name))).toEqual(sourceCounts);
  }, 300_000);

  test('a cluster of another PostgreSQL major is refused, naming its directory', async () => {
    const dir = await tempDir('backup-old-cluster-');
    await chmod(dir, 0o755);
    const pgDir = path.join(dir, 'postgres');
    await mkdir(path.join(pgDir, 'cluster'), { recursive: true });
    await writeFile(path.join(pgDir, 'cluster', 'PG_VERSION'), '18\n');
    await expect(startEmbeddedPostgres({ dataDir: pgDir, port: await freePort() })).rejects.toThrow(
      `${path.join(pgDir, 'cluster')} was created by PostgreSQL 18; the embedded PostgreSQL is 15`,
    );
  });
});

// The compose/production layout: databases owned by the migrator, subgraphs connected as <domain>_app roles
// with grants (deploy/postgres/create-databases.sql, here under a name prefix on the shared test server).
// A new server prepared by the same script, restored as the migrator, gives every role back what it had.
describe.skipIf(!hasPsql())('owners and grants of the compose layout', () => {
  const prefix = `br${randomUUID().replaceAll('-', '').slice(0, 8)}_`;
  const roles = ['migrator', ...listDomains().map((d) => `${d}_app`)];
  const passwords: Record<string, string> = Object.fromEntries(
    ['MIGRATOR', ...listDomains().map((d) => d.toUpperCase())].map((n) => [
      `${n}_DB_PASSWORD`,
      randomBytes(18).toString('hex'),
    ]),
  );
  let adminUrl: string;
  let backup: string;

  const urlAs = (role: string, domain: string) => {
    const url = new URL(withDatabase(adminUrl, prefix + domain));
    url.username = prefix + role;
    url.password = passwords[`${role === 'migrator' ? 'MIGRATOR' : domain.toUpperCase()}_DB_PASSWORD`]!;
    return url.toString();
  };
  const migratorUrls = () => Object.fromEntries(listDomains().map((d) => [d, urlAs('migrator', d)]));

  /** A new server's worth of databases and roles, as the postgres image's init runs it. */
  const createDatabases = () =>
    run(
      'psql',
      [
        '-X',
        '-q',
        '-v',
        `prefix=${prefix}`,
        '-f',
        path.join(root, 'deploy/postgres/create-databases.sql'),
        adminUrl,
      ],
      {
        env: { PATH: process.env.PATH, ...passwords },
      },
    );
  const dropDatabasesAndRoles = async () => {
    for (const domain of listDomains()) await dropDatabase(adminUrl, prefix + domain);
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      for (const role of roles) await client.query(`DROP ROLE IF EXISTS "${prefix}${role}"`);
    } finally {
      await client.end();
    }
  };

  /** Owners and privileges of everything in a database, each ACL sorted (grant order is not a difference). */
  async function grantsOf(domain: string) {
    const client = new pg.Client({ connectionString: withDatabase(adminUrl, prefix + domain) });
    await client.connect();
    const acl = (column: string) => `(SELECT array_agg(x::text ORDER BY x::text) FROM unnest(${column}) x)`;
    try {
      const { rows } = await client.query(
        `SELECT 'relation' AS kind, c.relname AS name, c.relowner::regrole::text AS owner, ${acl('c.relacl')} AS acl
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
         UNION ALL
         SELECT 'column', c.relname || '.' || a.attname, '', ${acl('a.attacl')}
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND a.attacl IS NOT NULL
         UNION ALL
         SELECT 'function', p.proname, p.proowner::regrole::text, ${acl('p.proacl')}
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
         UNION ALL
         SELECT 'default', d.defaclobjtype::text, d.defaclrole::regrole::text, ${acl('d.defaclacl')} FROM pg_default_acl d
         UNION ALL
         SELECT 'schema', nspname, nspowner::regrole::text, ${acl('nspacl')} FROM pg_namespace WHERE nspname = 'public'
         ORDER BY 1, 2, 3`,
      );
      return rows;
    } finally {
      await client.end();
    }
  }

  async function auditAsApp<T>(use: (subgraph: AuditSubgraph) => Promise<T>): Promise<T> {
    const config = loadAuditConfig({
      AUDIT_DATABASE_URL: urlAs('audit_app', 'audit'),
      OUTBOX_RELAY_SECRET: 'a relay secret of at least 32 characters!',
      EXPORT_SIGNING_SECRET: randomBytes(32).toString('hex'),
      AUDIT_SIGNING_KEY: KEYS.AUDIT_SIGNING_KEY,
      AUDIT_CHECKPOINT_EVERY: '3',
    });
    const subgraph = await createAuditSubgraph(config, { log: createLogger({ level: 'silent' }) });
    try {
      return await use(subgraph);
    } finally {
      await subgraph.close();
    }
  }

  test('restored as the migrator into a server made by create-databases.sql, every role has its grants back', async () => {
    adminUrl = inject('postgresAdminUrl');
    await createDatabases();
    cleanup.push(dropDatabasesAndRoles);
    for (const domain of listDomains()) await migrateDatabase(domain, urlAs('migrator', domain));
    await auditAsApp(async (audit) => {
      const chain = createChainService(audit.deps);
      await chain.append([newAuditEvent(), newAuditEvent(), newAuditEvent(), newAuditEvent()]);
      expect(await chain.checkpoint()).toBe(4n);
    });
    const grantsBefore = await Promise.all(listDomains().map(grantsOf));
    expect(JSON.stringify(grantsBefore)).toContain(`${prefix}audit_app=ar/`);

    const backups = await tempDir('backup-roles-');
    const made = await npm('backup', [], {
      ...urlVariables(migratorUrls()),
      FILES_DIR: path.join(backups, 'no-files'),
      BACKUP_DIR: backups,
    });
    expect(made.code, made.stderr).toBe(0);
    backup = path.join(
      backups,
      (await readdir(backups)).find((n) => n !== 'no-files')!,
    );

    await dropDatabasesAndRoles();
    await createDatabases();
    const restore = await npm('restore', [backup], {
      ...urlVariables(migratorUrls()),
      FILES_DIR: path.join(await tempDir('backup-roles-files-'), 'files'),
    });
    expect(restore.code, restore.stderr).toBe(0);
    expect(await Promise.all(listDomains().map(grantsOf))).toEqual(grantsBefore);
    await auditAsApp(async (audit) => {
      expect(await createChainService(audit.deps).verify()).toMatchObject({ intact: true, checked: 4 });
    });
    const client = new pg.Client({ connectionString: urlAs('audit_app', 'audit') });
    await client.connect();
    try {
      await expect(client.query('DELETE FROM audit_event')).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }
  }, 300_000);

  test('into a server without those roles the restore is refused, naming the role', async () => {
    await dropDatabasesAndRoles();
    const targets = await emptyDatabases('noroles');
    const refused = await npm('restore', [backup], {
      ...urlVariables(targets),
      FILES_DIR: path.join(await tempDir('backup-roles-files-'), 'files'),
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(new RegExp(`role ${prefix}(migrator|\\w+_app), which this server lacks`));
    expect(refused.stderr).toContain('deploy/postgres/create-databases.sql');
  }, 120_000);
});
