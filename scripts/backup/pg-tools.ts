// pg_dump and pg_restore of the server's major version, and how to run them against a database URL.
// pg_dump refuses a newer server and pg_restore a newer archive, so both must be the server's major version:
// PG_BIN_DIR when set, else Debian's side-by-side install (/usr/lib/postgresql/<major>/bin), else PATH.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';

const run = promisify(execFile);

export type PgToolName = 'pg_dump' | 'pg_restore';

export interface PgTool {
  path: string;
  /** As the tool prints it, e.g. "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)". */
  version: string;
  major: number;
}

const INSTALL_HINT = (major: number) =>
  `install PostgreSQL ${major}'s client tools (Debian: apt-get install postgresql-client-${major}) ` +
  `or set PG_BIN_DIR to the directory holding them`;

/** The major version in a `--version` line, "pg_dump (PostgreSQL) 15.20 ..." -> 15. */
export function parseMajor(versionLine: string): number {
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(versionLine);
  if (!match) throw new Error(`cannot read a PostgreSQL version in "${versionLine}"`);
  return Number(match[1]);
}

async function describe(file: string): Promise<PgTool> {
  const { stdout } = await run(file, ['--version']);
  const version = stdout.trim();
  return { path: file, version, major: parseMajor(version) };
}

/** Candidates in order; the first that exists is the one used (a mismatch is reported, not skipped over). */
function candidates(name: PgToolName, serverMajor: number, binDir: string | undefined): string[] {
  if (binDir) return [path.join(binDir, name)];
  const found = [path.join('/usr/lib/postgresql', String(serverMajor), 'bin', name)];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    found.push(path.join(dir, name));
  }
  return found;
}

export async function findPgTool(
  name: PgToolName,
  serverMajor: number,
  binDir: string | undefined,
): Promise<PgTool> {
  const file = candidates(name, serverMajor, binDir).find((f) => existsSync(f));
  if (!file) {
    const where = binDir ? `in PG_BIN_DIR (${binDir})` : 'on PATH';
    throw new Error(`${name} not found ${where}: ${INSTALL_HINT(serverMajor)}`);
  }
  const tool = await describe(file);
  if (tool.major !== serverMajor) {
    throw new Error(
      `${file} is ${tool.version}, but the server is PostgreSQL ${serverMajor}: ${name} must be the server's ` +
        `major version; ${INSTALL_HINT(serverMajor)}`,
    );
  }
  return tool;
}

/** The server's version, e.g. "15.20" and 15. */
export async function serverVersion(client: pg.Client): Promise<{ version: string; major: number }> {
  const { rows } = await client.query<{ v: string; n: string }>(
    `SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n`,
  );
  return { version: rows[0]!.v.split(' ')[0]!, major: Math.floor(Number(rows[0]!.n) / 10000) };
}

/**
 * How a tool reaches `url`: the URL without its password as --dbname (libpq reads URLs, query options such as
 * sslmode included), the password in PGPASSWORD, so that it never shows in the process list.
 */
export function connectionFor(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

/** Runs a tool; on failure, an error carrying what it wrote to stderr. */
export async function runTool(tool: PgTool, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run(tool.path, args, { env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim() ?? '';
    throw new Error(`${path.basename(tool.path)} failed: ${stderr || (error as Error).message}`, {
      cause: error,
    });
  }
}
