// A small reader of PDF objects: enough to count pages, see encryption, walk the page tree and decode content
// streams. Objects are found by scanning the file rather than by trusting its xref table, which also works for
// the truncated or hand-edited files people upload. pdf2json reads the text; this reads what pdf2json drops.
import { constants, inflateSync } from 'node:zlib';
import {
  isDict,
  nameOf,
  numberOf,
  PdfKeyword,
  PdfLexer,
  PdfRef,
  PdfStream,
  type PdfDict,
  type PdfValue,
} from './pdf-lexer.ts';

/** A page as the page tree gives it, with inherited attributes resolved. */
export interface PdfPageNode {
  dict: PdfDict;
  /** [x0, y0, x1, y1] in points. */
  mediaBox: [number, number, number, number];
  resources: PdfDict;
  rotate: number;
}

/** Raised when a decoded stream would exceed the byte budget (a "zip bomb"). */
export class StreamTooLargeError extends Error {
  override name = 'StreamTooLargeError';
}

const OBJECT_HEADER = /(\d+)[\0\t\n\f\r ]+(\d+)[\0\t\n\f\r ]+obj(?![A-Za-z0-9])/.source;
const MAX_TREE_DEPTH = 32;

export class PdfDocument {
  private readonly objects = new Map<number, PdfValue>();
  private readonly trailers: PdfDict[] = [];

  private constructor(readonly bytes: Uint8Array) {}

  /** Reads the object structure; never throws on damaged input (what cannot be read is simply absent). */
  static open(bytes: Uint8Array): PdfDocument {
    const document = new PdfDocument(bytes);
    document.scan();
    return document;
  }

  get objectCount(): number {
    return this.objects.size;
  }

  /** True when a trailer (or xref stream) names an /Encrypt dictionary: streams cannot be read here. */
  get encrypted(): boolean {
    return this.trailers.some((trailer) => trailer.has('Encrypt'));
  }

  resolve(value: PdfValue | undefined, depth = 0): PdfValue | undefined {
    if (value instanceof PdfRef)
      return depth > 16 ? undefined : this.resolve(this.objects.get(value.num), depth + 1);
    return value;
  }

  dict(value: PdfValue | undefined): PdfDict | null {
    const resolved = this.resolve(value);
    if (resolved instanceof PdfStream) return resolved.dict;
    return isDict(resolved) ? resolved : null;
  }

  /** The page tree's own count (/Count of the root /Pages), or null when the file does not say. */
  declaredPageCount(): number | null {
    const pages = this.dict(this.catalog()?.get('Pages'));
    const count = numberOf(this.resolve(pages?.get('Count')));
    return count === null ? null : Math.max(0, Math.floor(count));
  }

  /** Pages in document order, at most `limit` (walking stops there: a 500-page file costs nothing more). */
  pages(limit: number): PdfPageNode[] {
    const root = this.dict(this.catalog()?.get('Pages'));
    const found: PdfPageNode[] = [];
    if (!root) return found;
    const seen = new Set<PdfDict>();
    const walk = (node: PdfDict, inherited: Omit<PdfPageNode, 'dict'>, depth: number): void => {
      if (found.length >= limit || depth > MAX_TREE_DEPTH || seen.has(node)) return;
      seen.add(node);
      const mediaBox = this.box(node.get('MediaBox')) ?? inherited.mediaBox;
      const resources = this.dict(node.get('Resources')) ?? inherited.resources;
      const rotate = numberOf(this.resolve(node.get('Rotate'))) ?? inherited.rotate;
      const kids = this.resolve(node.get('Kids'));
      if (Array.isArray(kids)) {
        for (const kid of kids) {
          const child = this.dict(kid);
          if (child) walk(child, { mediaBox, resources, rotate }, depth + 1);
        }
      } else if (nameOf(node.get('Type')) !== 'Pages') {
        found.push({ dict: node, mediaBox, resources, rotate });
      }
    };
    walk(root, { mediaBox: [0, 0, 612, 792], resources: new Map(), rotate: 0 }, 0);
    return found;
  }

  /** The page's content, all streams concatenated and decoded; null when a stream cannot be decoded here. */
  pageContent(page: PdfPageNode, maxBytes: number): Uint8Array | null {
    const contents = this.resolve(page.dict.get('Contents'));
    const parts = Array.isArray(contents) ? contents.map((part) => this.resolve(part)) : [contents];
    const decoded: Uint8Array[] = [];
    for (const part of parts) {
      if (part === undefined || part === null) continue;
      if (!(part instanceof PdfStream)) return null;
      const bytes = this.decode(part, maxBytes);
      if (!bytes) return null;
      decoded.push(bytes, Uint8Array.of(10));
    }
    return Buffer.concat(decoded);
  }

  /** Decodes a stream's filters (Flate, ASCIIHex, ASCII85); null for filters or predictors not handled here. */
  decode(stream: PdfStream, maxBytes: number): Uint8Array | null {
    const filter = this.resolve(stream.dict.get('Filter'));
    const filters = (
      Array.isArray(filter) ? filter : filter === undefined || filter === null ? [] : [filter]
    ).map((item) => nameOf(this.resolve(item)));
    const params = this.resolve(stream.dict.get('DecodeParms'));
    const predictors = (Array.isArray(params) ? params : [params]).map(
      (item) => numberOf(this.dict(item as PdfValue)?.get('Predictor')) ?? 1,
    );
    if (predictors.some((predictor) => predictor > 1)) return null;
    let data: Uint8Array = stream.raw;
    for (const name of filters) {
      if (name === 'FlateDecode' || name === 'Fl') data = inflate(data, maxBytes);
      else if (name === 'ASCIIHexDecode' || name === 'AHx') data = asciiHex(data);
      else if (name === 'ASCII85Decode' || name === 'A85') data = ascii85(data);
      else return null;
      if (data.length > maxBytes) throw new StreamTooLargeError(`stream larger than ${maxBytes} bytes`);
    }
    return data;
  }

  private catalog(): PdfDict | null {
    for (let i = this.trailers.length - 1; i >= 0; i -= 1) {
      const root = this.dict(this.trailers[i]!.get('Root'));
      if (root) return root;
    }
    // No usable trailer (a truncated file): any catalog object will do.
    for (const value of this.objects.values()) {
      const dict = isDict(value) ? value : null;
      if (dict && nameOf(dict.get('Type')) === 'Catalog') return dict;
    }
    return null;
  }

  private box(value: PdfValue | undefined): [number, number, number, number] | null {
    const array = this.resolve(value);
    if (!Array.isArray(array) || array.length !== 4) return null;
    const numbers = array.map((item) => numberOf(this.resolve(item)));
    if (numbers.some((item) => item === null)) return null;
    const [a, b, c, d] = numbers as number[];
    return [Math.min(a!, c!), Math.min(b!, d!), Math.max(a!, c!), Math.max(b!, d!)];
  }

  private scan(): void {
    const { bytes } = this;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    const header = new RegExp(OBJECT_HEADER, 'g');
    for (let match = header.exec(text); match; match = header.exec(text)) {
      const start = match.index;
      const bodyStart = start + match[0].length;
      header.lastIndex = bodyStart;
      if (start > 0 && /[0-9A-Za-z]/.test(text[start - 1]!)) continue;
      const lexer = new PdfLexer(bytes, bodyStart);
      let value: PdfValue | PdfKeyword;
      try {
        value = lexer.read(true);
      } catch {
        continue;
      }
      if (value instanceof PdfKeyword) continue;
      const after = lexer.pos;
      lexer.skipSpace();
      if (isDict(value) && text.startsWith('stream', lexer.pos)) {
        const stream = this.readStream(text, value, lexer.pos + 'stream'.length);
        this.objects.set(Number(match[1]), stream.value);
        header.lastIndex = stream.end;
        if (nameOf(value.get('Type')) === 'XRef') this.trailers.push(value);
        continue;
      }
      header.lastIndex = after;
      this.objects.set(Number(match[1]), value);
    }
    this.readTrailers(text);
    this.readObjectStreams();
  }

  private readStream(text: string, dict: PdfDict, afterKeyword: number): { value: PdfStream; end: number } {
    let dataStart = afterKeyword;
    if (text[dataStart] === '\r') dataStart += 1;
    if (text[dataStart] === '\n') dataStart += 1;
    const declared = numberOf(dict.get('Length'));
    let dataEnd = -1;
    if (declared !== null && declared >= 0 && dataStart + declared <= text.length) {
      const tail = text.slice(dataStart + declared, dataStart + declared + 20).trimStart();
      if (tail.startsWith('endstream')) dataEnd = dataStart + declared;
    }
    if (dataEnd < 0) {
      const found = text.indexOf('endstream', dataStart);
      dataEnd = found < 0 ? text.length : found;
      while (dataEnd > dataStart && (text[dataEnd - 1] === '\n' || text[dataEnd - 1] === '\r')) dataEnd -= 1;
    }
    const value = new PdfStream(dict, this.bytes.subarray(dataStart, dataEnd));
    return { value, end: Math.min(text.length, dataEnd + 'endstream'.length) };
  }

  private readTrailers(text: string): void {
    const pattern = /trailer[\0\t\n\f\r ]*<</g;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      try {
        const value = new PdfLexer(this.bytes, match.index + 'trailer'.length).read(true);
        if (isDict(value)) this.trailers.push(value);
      } catch {
        // a damaged trailer: the next one, or the catalog scan, will do
      }
    }
  }

  /** Objects packed into object streams (PDF 1.5+); direct objects found by the scan take precedence. */
  private readObjectStreams(): void {
    for (const value of [...this.objects.values()]) {
      if (!(value instanceof PdfStream) || nameOf(value.dict.get('Type')) !== 'ObjStm') continue;
      const count = numberOf(value.dict.get('N')) ?? 0;
      const first = numberOf(value.dict.get('First')) ?? 0;
      let data: Uint8Array | null;
      try {
        data = this.decode(value, 16 * 1024 * 1024);
      } catch {
        data = null;
      }
      if (!data) continue;
      const header = new PdfLexer(data, 0, Math.min(first, data.length));
      try {
        for (let i = 0; i < count; i += 1) {
          const num = header.read(false);
          const offset = header.read(false);
          if (typeof num !== 'number' || typeof offset !== 'number') break;
          if (this.objects.has(num)) continue;
          const object = new PdfLexer(data, first + offset).read(true);
          if (!(object instanceof PdfKeyword)) this.objects.set(num, object);
        }
      } catch {
        // keep what was read
      }
    }
  }
}

function inflate(data: Uint8Array, maxBytes: number): Uint8Array {
  try {
    // Z_SYNC_FLUSH returns what a truncated stream still holds instead of failing on it.
    return inflateSync(data, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: maxBytes });
  } catch (error) {
    if (error instanceof RangeError) throw new StreamTooLargeError(`stream larger than ${maxBytes} bytes`);
    throw error;
  }
}

function asciiHex(data: Uint8Array): Uint8Array {
  const text = Buffer.from(data).toString('latin1');
  const digits = text
    .slice(0, text.includes('>') ? text.indexOf('>') : undefined)
    .replace(/[^0-9A-Fa-f]/g, '');
  return Buffer.from(digits.length % 2 ? `${digits}0` : digits, 'hex');
}

function ascii85(data: Uint8Array): Uint8Array {
  const text = Buffer.from(data)
    .toString('latin1')
    .replace(/^<~/, '')
    .replace(/~>[\s\S]*$/, '')
    .replace(/\s+/g, '');
  const out: number[] = [];
  let group: number[] = [];
  const flush = (size: number): void => {
    let value = 0;
    for (const digit of group) value = value * 85 + digit;
    const word = [(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
    out.push(...word.slice(0, size));
  };
  for (const char of text) {
    if (char === 'z' && group.length === 0) {
      out.push(0, 0, 0, 0);
      continue;
    }
    const digit = char.charCodeAt(0) - 33;
    if (digit < 0 || digit > 84) continue;
    group.push(digit);
    if (group.length === 5) {
      flush(4);
      group = [];
    }
  }
  if (group.length > 1) {
    const size = group.length - 1;
    while (group.length < 5) group.push(84);
    flush(size);
  }
  return Uint8Array.from(out);
}
