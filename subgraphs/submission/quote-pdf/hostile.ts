// The hostile-document corpus: small PDFs that ask a reader for huge work, generated (not committed) for the
// tests and bench/hostile-documents.ts. Each is a valid PDF with a correct xref, one page, and one trick; each
// must be refused with its typed code within the document's budget, the process staying responsive.
import { deflateRawSync, constants } from 'node:zlib';
import { writeTinyPdf } from './testing.ts';

export interface HostileDocument {
  name: string;
  /** What it does to a reader that trusts it. */
  shape: string;
  bytes: Uint8Array;
  /** The code it is refused with, and the budget limit for PARSE_BUDGET_EXCEEDED. */
  expected: { code: string; limit?: string };
}

type PdfObject = string | Buffer;

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

/** A stream object: its dictionary (without /Length) and its bytes. */
function stream(dict: string, data: Buffer): Buffer {
  return Buffer.concat([
    latin1(`<< ${dict} /Length ${data.length} >>\nstream\n`),
    data,
    latin1('\nendstream'),
  ]);
}

/** A PDF of `objects` (numbered from 1; 1 is the catalog) with a correct xref table; `tail` goes after %%EOF. */
function writePdf(objects: PdfObject[], tail: Buffer = Buffer.alloc(0)): Uint8Array {
  const parts: Buffer[] = [latin1('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(length);
    const part = Buffer.concat([latin1(`${index + 1} 0 obj\n`), Buffer.from(body), latin1('\nendobj\n')]);
    parts.push(part);
    length += part.length;
  });
  let xref = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) xref += `${String(offset).padStart(10, '0')} 00000 n \n`;
  xref += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`;
  return new Uint8Array(Buffer.concat([...parts, latin1(xref), tail]));
}

const FONT = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
const TEXT = 'BT /F1 12 Tf 72 720 Td (A letter, not a quote.) Tj ET\n';

/** A one-page PDF: catalog, pages, page (with `resources`), its content, the font, then `extra` objects (6...). */
function onePage(contents: string, content: Buffer, resources: string, extra: PdfObject[] = []): PdfObject[] {
  return [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${contents} /Resources << /Font << /F1 5 0 R >> ${resources} >> >>`,
    stream('/Filter /FlateDecode', deflate(content)),
    FONT,
    ...extra,
  ];
}

const deflate = (data: Buffer): Buffer => {
  // zlib framing around raw deflate, so that the bomb below can reuse the same framing.
  const raw = deflateRawSync(data);
  return Buffer.concat([Buffer.from([0x78, 0x9c]), raw, adler32(data)]);
};

function adler32(data: Buffer): Buffer {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  const out = Buffer.alloc(4);
  out.writeUInt32BE(((b << 16) | a) >>> 0);
  return out;
}

/** A drawing of `count` small filled squares: `count` × 3 operators. */
const squares = (count: number): Buffer => latin1('0 0 1 1 re f q Q\n'.repeat(count));

/**
 * Objects redefined after %%EOF, as the file seen in production: the xref (and pdf2json) read a harmless letter;
 * a reader that takes the last definition of each object reads a page drawing a large form 10,000 times.
 */
export function shadowedObjects(): HostileDocument {
  const harmless = writePdf(onePage('4 0 R', latin1(TEXT), ''));
  const form = stream(
    '/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Filter /FlateDecode',
    deflate(squares(20_000)),
  );
  const shadow = Buffer.concat([
    latin1(
      '3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /Fm 9 0 R >> >> >>\nendobj\n',
    ),
    latin1('4 0 obj\n'),
    stream('/Filter /FlateDecode', deflate(latin1('/Fm Do\n'.repeat(10_000)))),
    latin1('\nendobj\n9 0 obj\n'),
    form,
    latin1('\nendobj\n'),
  ]);
  return {
    name: 'shadowed-objects',
    shape: 'objects redefined after %%EOF (a form drawn 10,000 times) that no xref references',
    bytes: new Uint8Array(Buffer.concat([harmless, shadow])),
    expected: { code: 'NOT_AN_ILAB_QUOTE' },
  };
}

/** One form of 2,000 squares drawn 10,000 times from the page: 60 million operators from 30 kB. */
export function xobjectAmplification(): HostileDocument {
  const form = stream(
    '/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Filter /FlateDecode',
    deflate(squares(2_000)),
  );
  return {
    name: 'xobject-amplification',
    shape: 'a form of 6,000 operators drawn 10,000 times',
    bytes: writePdf(
      onePage('4 0 R', latin1(`${TEXT}${'/Fm Do\n'.repeat(10_000)}`), '/XObject << /Fm 6 0 R >>', [form]),
    ),
    expected: { code: 'PARSE_BUDGET_EXCEEDED', limit: 'operations' },
  };
}

/** Forms drawing forms: 6 levels, each drawing the next 12 times: 12^6 ≈ 3 million leaf draws. */
export function nestedFormAmplification(): HostileDocument {
  const levels = 6;
  const forms: PdfObject[] = [];
  for (let level = 0; level < levels; level += 1) {
    const isLeaf = level === levels - 1;
    const content = isLeaf ? squares(50) : latin1('/Fn Do\n'.repeat(12));
    const resources = isLeaf ? '' : `/Resources << /XObject << /Fn ${7 + level} 0 R >> >>`;
    forms.push(
      stream(
        `/Type /XObject /Subtype /Form /BBox [0 0 612 792] ${resources} /Filter /FlateDecode`,
        deflate(content),
      ),
    );
  }
  return {
    name: 'nested-form-amplification',
    shape: 'forms drawing forms, 6 deep, 12 times each',
    bytes: writePdf(
      onePage('4 0 R', latin1(`${TEXT}${'/Fm Do\n'.repeat(12)}`), '/XObject << /Fm 6 0 R >>', forms),
    ),
    expected: { code: 'PARSE_BUDGET_EXCEEDED', limit: 'operations' },
  };
}

/** The same 100 kB content stream listed 10,000 times in the page's /Contents: 1 GB of content. */
export function contentsArrayAmplification(): HostileDocument {
  const part = stream('/Filter /FlateDecode', deflate(squares(6_000)));
  const contents = `[${'6 0 R '.repeat(10_000)}]`;
  return {
    name: 'contents-array-amplification',
    shape: 'one 100 kB content stream listed 10,000 times in /Contents',
    bytes: writePdf(onePage(contents, latin1(TEXT), '', [part])),
    expected: { code: 'PARSE_BUDGET_EXCEEDED', limit: 'operations' },
  };
}

/**
 * A deflate bomb: about 1 MB of Flate data that inflates to 1 GiB of zeros, as a stream of the page. Built from
 * one compressed 16 MiB block repeated (a full flush makes each block independent), never inflated here.
 */
export function deflateBomb(): HostileDocument {
  const chunk = 16 * 1024 * 1024;
  const copies = 64;
  const block = deflateRawSync(Buffer.alloc(chunk), { finishFlush: constants.Z_FULL_FLUSH });
  const total = chunk * copies;
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((total % 65521) << 16) | 1) >>> 0); // Adler-32 of zeros: a = 1, b = length
  const data = Buffer.concat([
    Buffer.from([0x78, 0x9c]),
    ...Array.from({ length: copies }, () => block),
    Buffer.from([0x03, 0x00]),
    adler,
  ]);
  const bomb = stream('/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Filter /FlateDecode', data);
  return {
    name: 'deflate-bomb',
    shape: `${Math.round(data.length / 1024)} kB of Flate inflating to 1 GiB`,
    bytes: writePdf(onePage('4 0 R', latin1(`${TEXT}/Fm Do\n`), '/XObject << /Fm 6 0 R >>', [bomb])),
    expected: { code: 'PARSE_BUDGET_EXCEEDED', limit: 'decodedBytes' },
  };
}

/** Arrays nested 100,000 deep in the page dictionary: a recursive reader overflows its stack. */
export function deepNesting(): HostileDocument {
  const depth = 100_000;
  const page = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Deep ${'['.repeat(depth)}${']'.repeat(depth)} >>`;
  const objects = onePage('4 0 R', latin1(TEXT), '');
  objects[2] = page;
  return {
    name: 'deep-nesting',
    shape: 'arrays nested 100,000 deep',
    bytes: writePdf(objects),
    expected: { code: 'PARSE_BUDGET_EXCEEDED', limit: 'nesting' },
  };
}

/** 5,000 pages: refused from the page tree, before any page is read. */
export function manyPages(): HostileDocument {
  return {
    name: 'many-pages',
    shape: '5,000 pages',
    bytes: writeTinyPdf(5_000),
    expected: { code: 'TOO_MANY_PAGES' },
  };
}

/** The whole corpus, in a fixed order. */
export function hostileDocuments(): HostileDocument[] {
  return [
    shadowedObjects(),
    xobjectAmplification(),
    nestedFormAmplification(),
    contentsArrayAmplification(),
    deflateBomb(),
    deepNesting(),
    manyPages(),
  ];
}
