// The one canonical JSON serialization: object keys sorted by UTF-16 code units, no whitespace, dates as ISO 8601
// UTC strings, 64-bit integers as decimal strings. The audit chain hashes it (subgraphs/audit/canonical.ts), and
// the outbox hashes an event's full content with it before shortening it (./event-content.ts), so a recipient
// holding the full content can recompute the same hash.
import { createHash } from 'node:crypto';

/** Canonical JSON of a JSON-like value; Date -> ISO string, bigint -> decimal string, undefined keys skipped. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object': {
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
      const entries = Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot serialize a ${typeof value}`);
  }
}

/** sha256 hex of the canonical serialization. */
export function canonicalSha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
