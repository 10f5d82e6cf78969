// Input OCR refuses, each with its code and a message that says why, before the expensive part starts.
import { deflateSync } from 'node:zlib';
import * as mupdf from 'mupdf';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readFixture, SCAN_NOISY } from '../../../test/helpers/fixtures.ts';
import { OcrError, type OcrErrorCode } from './errors.ts';
import { readScan } from './read-scan.ts';
import type { OcrOptions } from './types.ts';

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid PNG header claiming width × height greyscale pixels, with one row of data: a decompression bomb's shape. */
function claimedPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(width + 1, 0xff))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function pdfWithPage(width: number, height: number): Uint8Array {
  const document = new mupdf.PDFDocument();
  document.insertPage(-1, document.addPage([0, 0, width, height], 0, {}, ''));
  return document.saveToBuffer('').asUint8Array();
}

/** A Letter page drawing, inside a form, a greyscale image that claims width × height pixels. */
function pdfDrawingImage(width: number, height: number): Uint8Array {
  const document = new mupdf.PDFDocument();
  const image = document.addRawStream(deflateSync(Buffer.alloc(width + 1, 0xff)), {
    Type: 'XObject',
    Subtype: 'Image',
    Width: width,
    Height: height,
    BitsPerComponent: 8,
    ColorSpace: 'DeviceGray',
    Filter: 'FlateDecode',
  });
  const form = document.addStream('q 100 0 0 100 0 0 cm /Im0 Do Q', {
    Type: 'XObject',
    Subtype: 'Form',
    BBox: [0, 0, 612, 792],
    Resources: { XObject: { Im0: image } },
  });
  const resources = document.addObject({ XObject: { Fm0: form } });
  document.insertPage(-1, document.addPage([0, 0, 612, 792], 0, resources, '/Fm0 Do'));
  return document.saveToBuffer('').asUint8Array();
}

async function refusal(
  bytes: Uint8Array,
  options: OcrOptions = {},
): Promise<{ code: OcrErrorCode; message: string }> {
  const error: unknown = await readScan(bytes, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OcrError);
  return { code: (error as OcrError).code, message: (error as OcrError).message };
}

describe('OCR refuses', () => {
  it('a 50,000 × 50,000 pixel image, from its header, without decoding it', async () => {
    const bytes = claimedPng(50_000, 50_000);
    expect(bytes.length).toBeLessThan(1000);
    const rssBefore = process.memoryUsage.rss();
    expect(await refusal(bytes)).toEqual({
      code: 'TOO_MANY_PIXELS',
      message: 'Page 1 is 50000 × 50000 pixels; at most 40,000,000 pixels a page are read.',
    });
    // 2.5 gigapixels were never allocated.
    expect(process.memoryUsage.rss() - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it('a PDF page that would render to too many pixels', async () => {
    expect(await refusal(pdfWithPage(14_400, 14_400))).toMatchObject({ code: 'TOO_MANY_PIXELS' });
  });

  it('a PDF page that draws an image of too many pixels, from its dictionary, without decoding it', async () => {
    expect(await refusal(pdfDrawingImage(50_000, 50_000))).toEqual({
      code: 'TOO_MANY_PIXELS',
      message:
        'Page 1 holds an image of 50000 × 50000 pixels; at most 40,000,000 pixels an image are decoded.',
    });
  });

  it.each([
    ['CSV text', new TextEncoder().encode('Sample,Volume\n1,2\n')],
    ['an empty file', new Uint8Array(0)],
    ['a ZIP archive', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0])],
  ])('%s, as not an image', async (_name, bytes) => {
    expect(await refusal(bytes)).toEqual({
      code: 'NOT_AN_IMAGE',
      message: 'Expected a PDF, PNG, JPEG or TIFF file; these bytes are none of them.',
    });
  });

  it('a truncated image, as unreadable', async () => {
    const png = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    expect(await refusal(png.subarray(0, 40))).toMatchObject({ code: 'UNREADABLE_IMAGE' });
  });

  it('more pages than allowed, before reading any', async () => {
    expect(await refusal(readFixture(SCAN_NOISY), { maxPages: 4 })).toEqual({
      code: 'TOO_MANY_PAGES',
      message: 'The document has 5 pages; at most 4 are read.',
    });
  });

  it('a file larger than allowed', async () => {
    expect(await refusal(readFixture(SCAN_NOISY), { maxBytes: 1024 })).toMatchObject({ code: 'TOO_LARGE' });
  });

  it('a page not read in time, and stops the recognizer', async () => {
    expect(await refusal(readFixture(SCAN_NOISY), { pageTimeoutMs: 50 })).toEqual({
      code: 'PAGE_TIMEOUT',
      message: 'Page 1 was not read within 50 ms.',
    });
  }, 60_000);
});
