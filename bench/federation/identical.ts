// Before any load: every target must return the same data for a query, or the comparison means nothing.
import { expectData, send, type GraphQLRequest } from '../load.ts';

export interface Endpoint {
  name: string;
  url: string;
}

/** The first place where `a` and `b` differ, as a path and both values; undefined when they are equal. */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (Object.is(a, b)) return undefined;
  const bothObjects = typeof a === 'object' && typeof b === 'object' && a !== null && b !== null;
  if (!bothObjects || Array.isArray(a) !== Array.isArray(b)) {
    return `${path}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const leftKeys = Object.keys(left);
  const rightKeys = Object.keys(right);
  if (leftKeys.join() !== rightKeys.join()) return `${path}: keys [${leftKeys}] vs [${rightKeys}]`;
  for (const key of leftKeys) {
    const difference = firstDifference(left[key], right[key], `${path}.${key}`);
    if (difference) return difference;
  }
  return undefined;
}

/**
 * Sends `request` once to every endpoint and throws unless each answers 200 with data, no errors, and the same
 * data (key order included) as the first; returns the size of that response.
 */
export async function checkIdentical(
  what: string,
  endpoints: readonly Endpoint[],
  request: GraphQLRequest,
): Promise<number> {
  const replies = [];
  for (const endpoint of endpoints) {
    replies.push(expectData(`${what} from ${endpoint.name}`, await send(endpoint.url, request)));
  }
  const [reference, ...others] = replies;
  if (!reference) throw new Error(`${what}: no targets`);
  others.forEach((reply, i) => {
    const difference = firstDifference(reference.json?.data, reply.json?.data);
    if (difference) {
      const names = `${endpoints[0]?.name} and ${endpoints[i + 1]?.name}`;
      throw new Error(`${what}: ${names} return different data, first at ${difference}`);
    }
  });
  return Buffer.byteLength(reference.text);
}
