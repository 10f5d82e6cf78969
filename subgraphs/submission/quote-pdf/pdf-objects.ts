// A small reader of PDF objects: enough to count pages, see encryption, walk the page tree and decode content
// streams. Objects are found as a PDF reader finds them, so that this reader and pdf2json (pdf.js) see the same
// document: through the cross-reference chain (tables and xref streams, newest section first, following /Prev),
// so an object redefined after %%EOF that no xref points at is not used. Only when the chain cannot be read (a
// truncated or hand-edited file) is the file scanned, the last definition of each object winning, which is what
// pdf.js does when it rebuilds a broken xref. Every object is parsed once and every stream decoded once (cached);
// decoding is charged to the document's budget and stops at it without allocating more.
import { Unzlib } from 'fflate';
import { BudgetExceededError, DocumentBudget } from './budget.ts';
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
/** Sections in one /Prev chain; a file updated this often is not an export. */
const MAX_XREF_SECTIONS = 256;
/** Largest object stream decoded to find the objects packed in it. */
const MAX_OBJECT_STREAM_BYTES = 16 * 1024 * 1024;

/** Where an object lives, from the cross-reference chain. */
type XrefEntry = { type: 'free' } | { type: 'offset'; offset: number } | { type: 'packed'; stream: number };

/** A decoded stream, or why it could not be: an unsupported filter, or larger than the caller's cap. */
type Decoded = Uint8Array | null | { tooLarge: number };

const rethrowBudget = (error: unknown): void => {
  if (error instanceof BudgetExceededError) throw error;
};

export class PdfDocument {
  private readonly objects = new Map<number, PdfValue>();
  private readonly trailers: PdfDict[] = [];
  private readonly decoded = new WeakMap<PdfStream, Decoded>();
  private readonly text: string;
  /** How the objects were found: the file's cross-reference chain, or a scan of a damaged file. */
  located: 'xref' | 'scan' = 'xref';

  private constructor(
    readonly bytes: Uint8Array,
    readonly budget: DocumentBudget,
  ) {
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }

  /**
   * Reads the object structure; never throws on damaged input (what cannot be read is simply absent), only a
   * BudgetExceededError when the document asks for more than `budget`.
   */
  static open(bytes: Uint8Array, budget = new DocumentBudget()): PdfDocument {
    const document = new PdfDocument(bytes, budget);
    if (!document.readXrefChain()) {
      document.objects.clear();
      document.trailers.length = 0;
      document.located = 'scan';
      document.scan();
    }
    return document;
  }

  /**
   * Decodes every stream once (cached), with no cap but the budget, so that a compression bomb is refused before
   * any other reader (pdf2json has no such limit) sees it.
   */
  decodeEveryStream(): void {
    for (const value of this.objects.values()) {
      if (!(value instanceof PdfStream)) continue;
      try {
        this.decode(value, Number.MAX_SAFE_INTEGER);
      } catch (error) {
        rethrowBudget(error); // a damaged stream is the readers' concern, not the budget's
      }
    }
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

  /**
   * The page's content, all streams concatenated and decoded, charged to the budget as content to lex; null when a
   * stream cannot be decoded here.
   */
  pageContent(page: PdfPageNode, maxBytes: number): Uint8Array | null {
    const contents = this.resolve(page.dict.get('Contents'));
    const parts = Array.isArray(contents) ? contents.map((part) => this.resolve(part)) : [contents];
    const decoded: Uint8Array[] = [];
    let total = 0;
    for (const part of parts) {
      if (part === undefined || part === null) continue;
      if (!(part instanceof PdfStream)) return null;
      const bytes = this.decode(part, maxBytes);
      if (!bytes) return null;
      total += bytes.length + 1;
      decoded.push(bytes, Uint8Array.of(10));
    }
    // One stream listed thousands of times is decoded once, but would be lexed thousands of times (by pdf2json
    // too): the whole is charged before anything is concatenated.
    this.budget.chargeContent(total);
    if (total > maxBytes) throw new StreamTooLargeError(`page content larger than ${maxBytes} bytes`);
    return Buffer.concat(decoded);
  }

  /**
   * Decodes a stream's filters (Flate with or without a PNG predictor, ASCIIHex, ASCII85); null for filters not
   * handled here. Decoded once per stream; what a decoder produces is charged to the document's budget.
   */
  decode(stream: PdfStream, maxBytes: number): Uint8Array | null {
    let result = this.decoded.get(stream);
    if (result === undefined) {
      result = this.decodeOnce(stream, maxBytes);
      this.decoded.set(stream, result);
    }
    if (result instanceof Uint8Array && result.length > maxBytes) result = { tooLarge: result.length };
    if (result !== null && !(result instanceof Uint8Array))
      throw new StreamTooLargeError(`stream larger than ${Math.min(maxBytes, result.tooLarge)} bytes`);
    return result;
  }

  private decodeOnce(stream: PdfStream, maxBytes: number): Decoded {
    const filter = this.resolve(stream.dict.get('Filter'));
    const filters = (
      Array.isArray(filter) ? filter : filter === undefined || filter === null ? [] : [filter]
    ).map((item) => nameOf(this.resolve(item)));
    const params = this.resolve(stream.dict.get('DecodeParms'));
    const parms = (Array.isArray(params) ? params : [params]).map((item) => this.dict(item as PdfValue));
    let data: Uint8Array = stream.raw;
    for (const [index, name] of filters.entries()) {
      // The budget left caps every decoder: a bomb stops there, having allocated no more than that.
      const cap = Math.min(maxBytes, this.budget.decodedRemaining);
      if (name === 'FlateDecode' || name === 'Fl') {
        const inflated = inflate(data, cap + 1);
        if (inflated === null) {
          this.budget.chargeDecoded(cap + 1); // over the budget: refused here; over maxBytes: too large
          return { tooLarge: cap + 1 };
        }
        data = inflated;
      } else if (name === 'ASCIIHexDecode' || name === 'AHx') data = asciiHex(data);
      else if (name === 'ASCII85Decode' || name === 'A85') data = ascii85(data);
      else return null;
      this.budget.chargeDecoded(data.length);
      if (data.length > maxBytes) return { tooLarge: data.length };
      const predicted = unpredict(data, parms[index] ?? null);
      if (predicted === null) return null;
      data = predicted;
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

  /** A lexer over the file that stops at the document's nesting limit. */
  private lexerAt(position: number, bytes: Uint8Array = this.bytes): PdfLexer {
    return new PdfLexer(bytes, position, bytes.length, this.budget.limits.maxNesting);
  }

  /**
   * The object whose `num gen obj` header starts at `start` (after optional white space): its value, and where it
   * ends. null when there is no such header or no value after it.
   */
  private objectAt(start: number, num?: number): { num: number; value: PdfValue; end: number } | null {
    const header = new RegExp(OBJECT_HEADER, 'y');
    let at = start;
    while (at < this.text.length && /[\0\t\n\f\r ]/.test(this.text[at]!)) at += 1;
    header.lastIndex = at;
    const match = header.exec(this.text);
    if (!match || (num !== undefined && Number(match[1]) !== num)) return null;
    const lexer = this.lexerAt(at + match[0].length);
    let value: PdfValue | PdfKeyword;
    try {
      value = lexer.read(true);
    } catch (error) {
      rethrowBudget(error);
      return null;
    }
    if (value instanceof PdfKeyword) return null;
    const after = lexer.pos;
    lexer.skipSpace();
    if (isDict(value) && this.text.startsWith('stream', lexer.pos)) {
      const stream = this.readStream(this.text, value, lexer.pos + 'stream'.length);
      return { num: Number(match[1]), value: stream.value, end: stream.end };
    }
    return { num: Number(match[1]), value, end: after };
  }

  /**
   * Loads the objects the cross-reference chain points at. False when the chain cannot be followed or points at
   * something that is not the object it names: the file is damaged and is scanned instead (as pdf.js does).
   */
  private readXrefChain(): boolean {
    const at = this.text.lastIndexOf('startxref');
    const found = at < 0 ? null : /^startxref[\0\t\n\f\r ]+(\d+)/.exec(this.text.slice(at, at + 40));
    if (!found) return false;
    const entries = new Map<number, XrefEntry>();
    const trailers: PdfDict[] = [];
    const pending: number[] = [Number(found[1])];
    const visited = new Set<number>();
    while (pending.length > 0) {
      const offset = pending.shift()!;
      if (visited.has(offset) || visited.size >= MAX_XREF_SECTIONS) continue;
      visited.add(offset);
      const trailer = this.readXrefSection(offset, entries);
      if (!trailer) return false;
      trailers.push(trailer);
      // A hybrid file's xref stream completes its table; /Prev is the older section. Newer entries win.
      for (const key of ['XRefStm', 'Prev']) {
        const next = numberOf(trailer.get(key));
        if (next !== null) pending.push(next);
      }
    }
    this.trailers.push(...trailers.reverse());
    return this.loadEntries(entries);
  }

  /** Reads one xref table (with its trailer) or xref stream at `offset` into `entries`; its trailer dictionary. */
  private readXrefSection(offset: number, entries: Map<number, XrefEntry>): PdfDict | null {
    let at = offset;
    while (at < this.text.length && /[\0\t\n\f\r ]/.test(this.text[at]!)) at += 1;
    if (this.text.startsWith('xref', at)) return this.readXrefTable(at + 'xref'.length, entries);
    const object = this.objectAt(at);
    if (!object || !(object.value instanceof PdfStream)) return null;
    const stream = object.value;
    if (nameOf(stream.dict.get('Type')) !== 'XRef') return null;
    return this.readXrefStream(stream, entries) ? stream.dict : null;
  }

  private readXrefTable(start: number, entries: Map<number, XrefEntry>): PdfDict | null {
    const subsection = /[\0\t\n\f\r ]*(\d+)[ \t]+(\d+)[ \t]*[\r\n]+/y;
    const entry = /[\0\t\n\f\r ]*(\d{1,10})[ \t]+(\d{1,5})[ \t]+([nf])/y;
    let at = start;
    for (;;) {
      subsection.lastIndex = at;
      const range = subsection.exec(this.text);
      if (!range) break;
      at = subsection.lastIndex;
      const first = Number(range[1]);
      const count = Number(range[2]);
      // Each entry is about 20 bytes: a count beyond what the file can hold is a lie, not a loop to run.
      if (count * 18 > this.text.length - at) return null;
      for (let i = 0; i < count; i += 1) {
        entry.lastIndex = at;
        const row = entry.exec(this.text);
        if (!row) return null;
        at = entry.lastIndex;
        if (!entries.has(first + i))
          entries.set(
            first + i,
            row[3] === 'n' ? { type: 'offset', offset: Number(row[1]) } : { type: 'free' },
          );
      }
    }
    while (at < this.text.length && /[\0\t\n\f\r ]/.test(this.text[at]!)) at += 1;
    if (!this.text.startsWith('trailer', at)) return null;
    try {
      const trailer = this.lexerAt(at + 'trailer'.length).read(true);
      return isDict(trailer) ? trailer : null;
    } catch (error) {
      rethrowBudget(error);
      return null;
    }
  }

  private readXrefStream(stream: PdfStream, entries: Map<number, XrefEntry>): boolean {
    const widths = this.resolve(stream.dict.get('W'));
    if (!Array.isArray(widths) || widths.length < 3) return false;
    const w = widths.slice(0, 3).map((value) => numberOf(value) ?? -1);
    if (w.some((width) => width < 0 || width > 8)) return false;
    const size = numberOf(stream.dict.get('Size')) ?? 0;
    const index = this.resolve(stream.dict.get('Index'));
    const ranges = (Array.isArray(index) ? index : [0, size]).map((value) => numberOf(value) ?? -1);
    let data: Uint8Array | null;
    try {
      data = this.decode(stream, MAX_OBJECT_STREAM_BYTES);
    } catch (error) {
      rethrowBudget(error);
      return false;
    }
    if (!data) return false;
    const rowLength = w[0]! + w[1]! + w[2]!;
    const field = (at: number, width: number, otherwise: number): number => {
      if (width === 0) return otherwise;
      let value = 0;
      for (let i = 0; i < width; i += 1) value = value * 256 + data[at + i]!;
      return value;
    };
    let row = 0;
    for (let r = 0; r + 1 < ranges.length; r += 2) {
      const [first, count] = [ranges[r]!, ranges[r + 1]!];
      if (first < 0 || count < 0) return false;
      for (let i = 0; i < count; i += 1, row += 1) {
        const at = row * rowLength;
        if (at + rowLength > data.length) return false;
        const type = field(at, w[0]!, 1);
        const second = field(at + w[0]!, w[1]!, 0);
        if (entries.has(first + i)) continue;
        if (type === 1) entries.set(first + i, { type: 'offset', offset: second });
        else if (type === 2) entries.set(first + i, { type: 'packed', stream: second });
        else entries.set(first + i, { type: 'free' });
      }
    }
    return true;
  }

  /** Parses every object the chain lists, each once; false when an entry does not point at its object. */
  private loadEntries(entries: Map<number, XrefEntry>): boolean {
    const packedIn = new Map<number, Set<number>>();
    for (const [num, entry] of entries) {
      if (entry.type === 'offset') {
        if (num === 0) continue;
        const object = this.objectAt(entry.offset, num);
        if (!object) return false;
        this.objects.set(num, object.value);
      } else if (entry.type === 'packed') {
        const members = packedIn.get(entry.stream) ?? new Set<number>();
        members.add(num);
        packedIn.set(entry.stream, members);
      }
    }
    for (const [streamNum, members] of packedIn) {
      const container = this.objects.get(streamNum);
      if (container instanceof PdfStream) this.unpack(container, (num) => members.has(num));
    }
    return true;
  }

  /** The objects packed in an object stream (PDF 1.5+) that `wanted` accepts, parsed into the table. */
  private unpack(container: PdfStream, wanted: (num: number) => boolean): void {
    const count = numberOf(container.dict.get('N')) ?? 0;
    const first = numberOf(container.dict.get('First')) ?? 0;
    let data: Uint8Array | null;
    try {
      data = this.decode(container, MAX_OBJECT_STREAM_BYTES);
    } catch (error) {
      rethrowBudget(error);
      data = null;
    }
    if (!data) return;
    const header = new PdfLexer(data, 0, Math.min(first, data.length), this.budget.limits.maxNesting);
    try {
      for (let i = 0; i < count; i += 1) {
        const num = header.read(false);
        const offset = header.read(false);
        if (typeof num !== 'number' || typeof offset !== 'number') break;
        if (!wanted(num)) continue;
        const object = this.lexerAt(first + offset, data).read(true);
        if (!(object instanceof PdfKeyword)) this.objects.set(num, object);
      }
    } catch (error) {
      rethrowBudget(error);
      // keep what was read
    }
  }

  /** A damaged file: every `num gen obj` in it, the last definition of a number winning. */
  private scan(): void {
    const { text } = this;
    const header = new RegExp(OBJECT_HEADER, 'g');
    for (let match = header.exec(text); match; match = header.exec(text)) {
      const start = match.index;
      header.lastIndex = start + match[0].length;
      if (start > 0 && /[0-9A-Za-z]/.test(text[start - 1]!)) continue;
      const object = this.objectAt(start);
      if (!object) continue;
      header.lastIndex = object.end;
      this.objects.set(object.num, object.value);
      if (object.value instanceof PdfStream && nameOf(object.value.dict.get('Type')) === 'XRef')
        this.trailers.push(object.value.dict);
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
        const value = this.lexerAt(match.index + 'trailer'.length).read(true);
        if (isDict(value)) this.trailers.push(value);
      } catch (error) {
        rethrowBudget(error);
        // a damaged trailer: the next one, or the catalog scan, will do
      }
    }
  }

  /** Objects packed into object streams (PDF 1.5+); direct objects found by the scan take precedence. */
  private readObjectStreams(): void {
    for (const value of [...this.objects.values()]) {
      if (value instanceof PdfStream && nameOf(value.dict.get('Type')) === 'ObjStm')
        this.unpack(value, (num) => !this.objects.has(num));
    }
  }
}

/** Compressed bytes fed to the inflater at a time: what one step can inflate to is about a thousand times this. */
const INFLATE_STEP = 4096;
const OVER_CAP = new Error('inflated past the cap');

/**
 * Inflated bytes, or null when they would exceed maxBytes: inflating stops there, having allocated about that
 * much and no more. A truncated stream gives what it holds; a corrupt one throws.
 *
 * fflate rather than node:zlib, because this runs in a parser worker that is terminated when it runs out of time
 * or memory, and Node aborts the whole process when a terminated worker leaves a zlib handle half made
 * ("close before init"). Pure JavaScript has no native handle to leave behind.
 */
function inflate(data: Uint8Array, maxBytes: number): Uint8Array | null {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const inflater = new Unzlib((chunk) => {
    length += chunk.length;
    if (length > maxBytes) throw OVER_CAP;
    chunks.push(chunk);
  });
  try {
    // Never `final`: the end of a stream is not checked, so a truncated one keeps what it decoded.
    for (let at = 0; at < data.length; at += INFLATE_STEP)
      inflater.push(data.subarray(at, at + INFLATE_STEP));
  } catch (error) {
    if (error === OVER_CAP) return null;
    throw error;
  }
  return Buffer.concat(chunks, length);
}

/**
 * Undoes a PNG predictor (/Predictor 10-15, what xref streams use); null for the TIFF predictor, not handled.
 * Each row starts with its filter type byte; rows are `Colors × BitsPerComponent × Columns / 8` bytes.
 */
function unpredict(data: Uint8Array, parms: PdfDict | null): Uint8Array | null {
  const predictor = numberOf(parms?.get('Predictor')) ?? 1;
  if (predictor <= 1) return data;
  if (predictor < 10) return null;
  const colors = numberOf(parms?.get('Colors')) ?? 1;
  const bits = numberOf(parms?.get('BitsPerComponent')) ?? 8;
  const columns = numberOf(parms?.get('Columns')) ?? 1;
  const pixel = Math.max(1, Math.ceil((colors * bits) / 8));
  const rowLength = Math.ceil((colors * bits * columns) / 8);
  if (!(rowLength > 0) || rowLength > data.length) return null;
  const rows = Math.floor(data.length / (rowLength + 1));
  const out = new Uint8Array(rows * rowLength);
  for (let row = 0; row < rows; row += 1) {
    const type = data[row * (rowLength + 1)]!;
    const source = row * (rowLength + 1) + 1;
    const at = row * rowLength;
    for (let i = 0; i < rowLength; i += 1) {
      const raw = data[source + i]!;
      const left = i >= pixel ? out[at + i - pixel]! : 0;
      const up = row > 0 ? out[at - rowLength + i]! : 0;
      const upLeft = row > 0 && i >= pixel ? out[at - rowLength + i - pixel]! : 0;
      let value = raw;
      if (type === 1) value = raw + left;
      else if (type === 2) value = raw + up;
      else if (type === 3) value = raw + ((left + up) >> 1);
      else if (type === 4) value = raw + paeth(left, up, upLeft);
      out[at + i] = value & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
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
