// An audit event is never dropped for its size. When its free-form content (changes and payload) would make it
// larger than the receiver takes (MAX_EVENT_BYTES), the content is shortened to fit and the event says so:
// `truncated` and `fullContentSha256`, the sha256 of the canonical JSON of { changes, payload } as they were
// (./canonical-json.ts), so whoever holds the full content can prove it is what was recorded.
//
// Shortening, in order, until the content fits its budget:
//   1. every string longer than a cap keeps its first `cap` characters and gains "…[+N characters]"; the cap is
//      the largest that fits (binary search), never below MIN_STRING_CAP;
//   2. then every array longer than a cap keeps its first items and gains "…[+N items]";
//   3. if it still does not fit (say, thousands of object keys), changes and payload are replaced by a note.
// Object keys and the event's other fields are never touched (the wire contract bounds them).
import { canonicalSha256 } from './canonical-json.ts';
import type { JsonValue } from './outbox.ts';
import { MAX_CONTENT_BYTES } from './outbox-wire.ts';

export interface EventContent {
  changes: JsonValue;
  payload: JsonValue | null;
}

export interface FittedContent extends EventContent {
  truncated: boolean;
  /** sha256 of the full content's canonical JSON; null when nothing was shortened. */
  fullContentSha256: string | null;
}

/** A shortened string keeps at least this many characters. */
export const MIN_STRING_CAP = 32;

const contentBytes = (content: EventContent) => Buffer.byteLength(JSON.stringify(content));

/** The first `cap` characters of a string, never splitting a surrogate pair (a lone half is not storable). */
function head(value: string, cap: number): string {
  const code = value.charCodeAt(cap - 1);
  return value.slice(0, code >= 0xd800 && code <= 0xdbff ? cap - 1 : cap);
}

function shorten(value: unknown, stringCap: number, arrayCap: number): JsonValue {
  if (typeof value === 'string') {
    return value.length > stringCap
      ? `${head(value, stringCap)}…[+${value.length - stringCap} characters]`
      : value;
  }
  if (Array.isArray(value)) {
    const kept = value.slice(0, arrayCap).map((item) => shorten(item, stringCap, arrayCap));
    return value.length > arrayCap ? [...kept, `…[+${value.length - arrayCap} items]`] : kept;
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, shorten(item, stringCap, arrayCap)]),
    );
  }
  return (value ?? null) as JsonValue;
}

/** The longest string and the longest array in a value (the upper ends of the caps' searches). */
function extremes(value: unknown, found = { string: 0, array: 0 }): { string: number; array: number } {
  if (typeof value === 'string') found.string = Math.max(found.string, value.length);
  else if (Array.isArray(value)) {
    found.array = Math.max(found.array, value.length);
    for (const item of value) extremes(item, found);
  } else if (value && typeof value === 'object')
    for (const item of Object.values(value)) extremes(item, found);
  return found;
}

/** The largest cap in [low, high] for which `fits(cap)`, or undefined (fits is monotonic in the cap). */
function largestFitting(low: number, high: number, fits: (cap: number) => boolean): number | undefined {
  if (!fits(low)) return undefined;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * The content as it can be sent: unchanged when it fits `maxBytes` (as JSON), else shortened as described above,
 * with the flag and the full content's hash. `fullContentSha256` given (content already shortened once, by the
 * emitter) is kept: it is the hash of the original.
 */
export function fitEventContent(
  content: EventContent,
  options: { maxBytes?: number; fullContentSha256?: string | null } = {},
): FittedContent {
  const maxBytes = options.maxBytes ?? MAX_CONTENT_BYTES;
  const given = options.fullContentSha256 ?? null;
  if (contentBytes(content) <= maxBytes) {
    return { ...content, truncated: given !== null, fullContentSha256: given };
  }
  const fullContentSha256 = given ?? canonicalSha256(content);
  const apply = (stringCap: number, arrayCap: number): EventContent => ({
    changes: shorten(content.changes, stringCap, arrayCap),
    payload: content.payload === null ? null : shorten(content.payload, stringCap, arrayCap),
  });
  const longest = extremes(content);
  const fits = (shortened: EventContent) => contentBytes(shortened) <= maxBytes;

  const stringCap = largestFitting(MIN_STRING_CAP, Math.max(MIN_STRING_CAP, longest.string), (cap) =>
    fits(apply(cap, Infinity)),
  );
  if (stringCap !== undefined) {
    return { ...apply(stringCap, Infinity), truncated: true, fullContentSha256 };
  }
  const arrayCap = largestFitting(0, longest.array, (cap) => fits(apply(MIN_STRING_CAP, cap)));
  if (arrayCap !== undefined) {
    return { ...apply(MIN_STRING_CAP, arrayCap), truncated: true, fullContentSha256 };
  }
  const note = `…[${contentBytes(content)} bytes of content omitted: too large to record]`;
  return {
    changes: {},
    payload: { omitted: note },
    truncated: true,
    fullContentSha256,
  };
}
