// Rows per table, the check a restore ends with: the restored database must hold what the dumped snapshot held.
import type pg from 'pg';

/** "schema.table" -> row count, for every table outside PostgreSQL's own schemas, in the client's snapshot. */
export async function countRows(client: pg.Client): Promise<Record<string, number>> {
  const { rows: tables } = await client.query<{ schema: string; table: string }>(
    `SELECT schemaname AS schema, tablename AS table FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY schemaname, tablename`,
  );
  const counts: Record<string, number> = {};
  for (const { schema, table } of tables) {
    const name = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)}`;
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
    counts[`${schema}.${table}`] = Number(rows[0]!.n);
  }
  return counts;
}

/** Relations (tables, sequences, views) outside PostgreSQL's own schemas: a database with none is empty. */
export async function countRelations(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`,
  );
  return Number(rows[0]!.n);
}

/** Lines naming each table whose count differs, empty when all agree. */
export function compareCounts(expected: Record<string, number>, actual: Record<string, number>): string[] {
  const names = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return names
    .filter((name) => expected[name] !== actual[name])
    .map((name) => `${name}: ${actual[name] ?? 'missing'} rows, the backup has ${expected[name] ?? 'none'}`);
}
