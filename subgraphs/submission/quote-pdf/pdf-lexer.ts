// Tokens of the PDF syntax (ISO 32000-1 §7.2-7.3): numbers, names, strings, arrays, dictionaries, references and
// operator keywords. Shared by the object reader (pdf-objects.ts) and the content-stream reader
// (vector-shapes.ts). Nesting of arrays and dictionaries is bounded (a file of a million "[" would otherwise
// recurse until the stack overflows): deeper is a BudgetExceededError, which refuses the document.
import { BudgetExceededError, defaultBudgetLimits } from './budget.ts';

export class PdfName {
  constructor(readonly name: string) {}
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}

export class PdfString {
  constructor(readonly bytes: Uint8Array) {}
}

/** A bare keyword: an operator in a content stream, or `stream`/`endobj` after an object. */
export class PdfKeyword {
  constructor(readonly word: string) {}
}

/** A stream object: its dictionary and its still-encoded bytes. */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    readonly raw: Uint8Array,
  ) {}
}

export type PdfDict = Map<string, PdfValue>;
export type PdfValue =
  number | boolean | null | PdfName | PdfRef | PdfString | PdfStream | PdfDict | PdfValue[];

const CLOSE_ARRAY = Symbol('close-array');
const CLOSE_DICT = Symbol('close-dict');

const isSpace = (c: number): boolean => c === 0 || c === 9 || c === 10 || c === 12 || c === 13 || c === 32;
// ( ) < > [ ] { } / %
const isDelimiter = (c: number): boolean =>
  c === 40 ||
  c === 41 ||
  c === 60 ||
  c === 62 ||
  c === 91 ||
  c === 93 ||
  c === 123 ||
  c === 125 ||
  c === 47 ||
  c === 37;
const isRegular = (c: number): boolean => !isSpace(c) && !isDelimiter(c);
const hexValue = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;

const latin1 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** Thrown on bytes that are not PDF syntax; callers treat the object (or page) as unreadable. */
export class PdfSyntaxError extends Error {
  override name = 'PdfSyntaxError';
}

export class PdfLexer {
  pos: number;
  private depth = 0;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
    private readonly maxNesting = defaultBudgetLimits.maxNesting,
  ) {
    this.pos = start;
  }

  get atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.end;
  }

  skipSpace(): void {
    const { bytes, end } = this;
    while (this.pos < end) {
      const c = bytes[this.pos]!;
      if (isSpace(c)) this.pos += 1;
      else if (c === 37) {
        while (this.pos < end && bytes[this.pos] !== 10 && bytes[this.pos] !== 13) this.pos += 1;
      } else break;
    }
  }

  /**
   * The next value or keyword. `allowRefs` makes `1 0 R` one reference (object syntax); content streams have
   * no references, and skipping the look-ahead keeps them fast.
   */
  read(allowRefs: boolean): PdfValue | PdfKeyword {
    const token = this.readToken(allowRefs);
    if (token === CLOSE_ARRAY || token === CLOSE_DICT)
      throw new PdfSyntaxError(`unbalanced ${String(token.description)}`);
    return token;
  }

  private readToken(allowRefs: boolean): PdfValue | PdfKeyword | typeof CLOSE_ARRAY | typeof CLOSE_DICT {
    this.skipSpace();
    const { bytes } = this;
    if (this.pos >= this.end) throw new PdfSyntaxError('unexpected end of data');
    const c = bytes[this.pos]!;
    if (c === 47) return this.readName();
    if (c === 40) return this.readLiteralString();
    if (c === 91) {
      this.pos += 1;
      return this.nested(() => this.readArray(allowRefs));
    }
    if (c === 93) {
      this.pos += 1;
      return CLOSE_ARRAY;
    }
    if (c === 60) {
      if (bytes[this.pos + 1] === 60) {
        this.pos += 2;
        return this.nested(() => this.readDict(allowRefs));
      }
      return this.readHexString();
    }
    if (c === 62 && bytes[this.pos + 1] === 62) {
      this.pos += 2;
      return CLOSE_DICT;
    }
    if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) return this.readNumber(allowRefs);
    if (isDelimiter(c)) {
      this.pos += 1;
      throw new PdfSyntaxError(`unexpected delimiter ${String.fromCharCode(c)}`);
    }
    const start = this.pos;
    while (this.pos < this.end && isRegular(bytes[this.pos]!)) this.pos += 1;
    const word = latin1(bytes.subarray(start, this.pos));
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    return new PdfKeyword(word);
  }

  private nested<T>(read: () => T): T {
    this.depth += 1;
    try {
      if (this.depth > this.maxNesting) throw new BudgetExceededError('nesting', this.maxNesting);
      return read();
    } finally {
      this.depth -= 1;
    }
  }

  private readArray(allowRefs: boolean): PdfValue[] {
    const items: PdfValue[] = [];
    for (;;) {
      const token = this.readToken(allowRefs);
      if (token === CLOSE_ARRAY) return items;
      if (token === CLOSE_DICT) throw new PdfSyntaxError('>> inside an array');
      if (token instanceof PdfKeyword) continue; // tolerate stray keywords, as readers do
      items.push(token);
    }
  }

  private readDict(allowRefs: boolean): PdfDict {
    const dict: PdfDict = new Map();
    for (;;) {
      const key = this.readToken(allowRefs);
      if (key === CLOSE_DICT) return dict;
      if (!(key instanceof PdfName)) throw new PdfSyntaxError('dictionary key is not a name');
      const value = this.readToken(allowRefs);
      if (value === CLOSE_DICT) return dict; // a key without a value
      if (value === CLOSE_ARRAY) throw new PdfSyntaxError('] inside a dictionary');
      if (!(value instanceof PdfKeyword)) dict.set(key.name, value);
    }
  }

  private readName(): PdfName {
    const { bytes } = this;
    this.pos += 1;
    const out: number[] = [];
    while (this.pos < this.end && isRegular(bytes[this.pos]!)) {
      const c = bytes[this.pos]!;
      if (c === 35 && this.pos + 2 < this.end) {
        const value = hexValue(bytes[this.pos + 1]!) * 16 + hexValue(bytes[this.pos + 2]!);
        if (value >= 0) {
          out.push(value);
          this.pos += 3;
          continue;
        }
      }
      out.push(c);
      this.pos += 1;
    }
    return new PdfName(latin1(Uint8Array.from(out)));
  }

  private readNumber(allowRefs: boolean): number | PdfRef {
    const { bytes } = this;
    const start = this.pos;
    this.pos += 1;
    while (this.pos < this.end) {
      const c = bytes[this.pos]!;
      if ((c >= 48 && c <= 57) || c === 46) this.pos += 1;
      else break;
    }
    const text = latin1(bytes.subarray(start, this.pos));
    const value = Number(text);
    const number = Number.isFinite(value) ? value : 0; // "--5" and the like: readers take 0
    if (!allowRefs || !/^\d+$/.test(text)) return number;
    const save = this.pos;
    this.skipSpace();
    const genStart = this.pos;
    while (this.pos < this.end && bytes[this.pos]! >= 48 && bytes[this.pos]! <= 57) this.pos += 1;
    if (this.pos > genStart) {
      const gen = Number(latin1(bytes.subarray(genStart, this.pos)));
      this.skipSpace();
      if (bytes[this.pos] === 82 && (this.pos + 1 >= this.end || !isRegular(bytes[this.pos + 1]!))) {
        this.pos += 1;
        return new PdfRef(number, gen);
      }
    }
    this.pos = save;
    return number;
  }

  private readLiteralString(): PdfString {
    const { bytes } = this;
    this.pos += 1;
    const out: number[] = [];
    let depth = 1;
    while (this.pos < this.end) {
      const c = bytes[this.pos]!;
      this.pos += 1;
      if (c === 92) {
        const next = bytes[this.pos]!;
        this.pos += 1;
        const escapes: Record<number, number> = { 110: 10, 114: 13, 116: 9, 98: 8, 102: 12 };
        if (next in escapes) out.push(escapes[next]!);
        else if (next >= 48 && next <= 55) {
          let value = next - 48;
          for (let i = 0; i < 2 && bytes[this.pos]! >= 48 && bytes[this.pos]! <= 55; i += 1) {
            value = value * 8 + bytes[this.pos]! - 48;
            this.pos += 1;
          }
          out.push(value & 0xff);
        } else if (next === 13) {
          if (bytes[this.pos] === 10) this.pos += 1;
        } else if (next !== 10) out.push(next);
        continue;
      }
      if (c === 40) depth += 1;
      else if (c === 41) {
        depth -= 1;
        if (depth === 0) break;
      }
      out.push(c);
    }
    return new PdfString(Uint8Array.from(out));
  }

  private readHexString(): PdfString {
    const { bytes } = this;
    this.pos += 1;
    const digits: number[] = [];
    while (this.pos < this.end && bytes[this.pos] !== 62) {
      const value = hexValue(bytes[this.pos]!);
      if (value >= 0) digits.push(value);
      this.pos += 1;
    }
    this.pos += 1;
    if (digits.length % 2 === 1) digits.push(0);
    const out = new Uint8Array(digits.length / 2);
    for (let i = 0; i < out.length; i += 1) out[i] = digits[2 * i]! * 16 + digits[2 * i + 1]!;
    return new PdfString(out);
  }
}

export const isDict = (value: unknown): value is PdfDict => value instanceof Map;
export const nameOf = (value: unknown): string | null => (value instanceof PdfName ? value.name : null);
export const numberOf = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
