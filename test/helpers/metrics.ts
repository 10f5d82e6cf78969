// What tests and benches read from a subgraph's /metrics.

/** db_queries_total: the SQL statements the subgraph has sent so far. */
export async function readQueryCount(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const match = /^db_queries_total(?:\{[^}]*\})? (\d+)/m.exec(text);
  if (!match) throw new Error('db_queries_total not found in /metrics');
  return Number(match[1]);
}
