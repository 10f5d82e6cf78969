// The hostile-document corpus (hostile.ts) against the quote reader: each is refused with its typed code within
// the document's budget, in a worker, while the main thread keeps running; and the object reader sees what a PDF
// reader sees (the xref's definitions, each stream decoded once).
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DocumentBudget } from './budget.ts';
import { hostileDocuments, shadowedObjects } from './hostile.ts';
import { parseQuotePdf } from './parse-quote.ts';
import { PdfDocument } from './pdf-objects.ts';
import { readPageShapes } from './vector-shapes.ts';

const UNLIMITED_PAGE = { maxOperators: Number.MAX_SAFE_INTEGER, maxStreamBytes: 32 * 1024 * 1024 };

describe.each(hostileDocuments().map((document) => [document.name, document] as const))(
  '%s',
  (_name, document) => {
    it(`is refused with ${document.expected.code}, the main thread running meanwhile`, async () => {
      let ticks = 0;
      const timer = setInterval(() => (ticks += 1), 1);
      const started = performance.now();
      const result = await parseQuotePdf(document.bytes, { timeoutMs: 120_000 });
      const elapsed = performance.now() - started;
      clearInterval(timer);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe(document.expected.code);
      if (document.expected.limit)
        expect(result.error.detail).toMatchObject({ limit: document.expected.limit });
      // The timer fired while the document was read: the main thread was not blocked by it. A refusal quicker
      // than a few timer periods can come back before the first tick, so only a read that took time proves it.
      if (elapsed > 25) expect(ticks).toBeGreaterThan(0);
    }, 150_000);
  },
);

describe('object resolution', () => {
  it('uses the definitions the xref points at, not objects redefined after %%EOF', () => {
    const document = PdfDocument.open(shadowedObjects().bytes);
    expect(document.located).toBe('xref');
    const [page] = document.pages(2);
    expect(page!.resources.has('XObject')).toBe(false);
    const { shapes, complete } = readPageShapes(document, page!, UNLIMITED_PAGE);
    expect({ shapes, complete }).toEqual({ shapes: [], complete: true });
  });

  it('scans a file whose xref is broken, the last definition winning (as pdf.js rebuilds it)', () => {
    const bytes = Buffer.from(shadowedObjects().bytes);
    const broken = Buffer.from(bytes.toString('latin1').replace(/startxref\n\d+/, 'startxref\n7'), 'latin1');
    const document = PdfDocument.open(new Uint8Array(broken));
    expect(document.located).toBe('scan');
    expect(document.pages(2)[0]!.resources.has('XObject')).toBe(true);
  });

  it('decodes a stream once however often it is drawn, and charges every drawing', () => {
    const form = deflateSync('0 0 1 1 re f\n'.repeat(100));
    const content = '/Fm Do\n'.repeat(50);
    const text = (value: string) => Buffer.from(value, 'latin1');
    const bytes = Buffer.concat([
      text('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n'),
      text('2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n'),
      text('3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R '),
      text('/Resources << /XObject << /Fm 5 0 R >> >> >> endobj\n'),
      text(`4 0 obj << /Length ${content.length} >>\nstream\n${content}\nendstream\nendobj\n`),
      text(`5 0 obj << /Subtype /Form /Filter /FlateDecode /Length ${form.length} >>\nstream\n`),
      form,
      text('\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
    ]);
    const budget = new DocumentBudget();
    const document = PdfDocument.open(new Uint8Array(bytes), budget);
    const { shapes } = readPageShapes(document, document.pages(1)[0]!, UNLIMITED_PAGE);
    expect(shapes).toHaveLength(50 * 100);
    // Decoded once: 1,300 bytes, not 50 × 1,300.
    expect(budget.usage.decodedBytes).toBe('0 0 1 1 re f\n'.length * 100);
    // Operated 50 times: 50 Do + 50 × 200 operators, plus the content lexed.
    expect(budget.usage.operations).toBeGreaterThanOrEqual(50 + 50 * 200);
  });

  it('stops inflating at the budget, having allocated no more than it', () => {
    const bomb = deflateSync(Buffer.alloc(8 * 1024 * 1024));
    const bytes = Buffer.concat([
      Buffer.from(`%PDF-1.4\n1 0 obj << /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`, 'latin1'),
      bomb,
      Buffer.from('\nendstream\nendobj\n%%EOF\n', 'latin1'),
    ]);
    const budget = new DocumentBudget({ maxDecodedBytes: 1024 * 1024, maxOperations: 1_000, maxNesting: 64 });
    const document = PdfDocument.open(new Uint8Array(bytes), budget);
    expect(() => document.decodeEveryStream()).toThrow(/decodedBytes/);
    expect(budget.usage.decodedBytes).toBe(1024 * 1024 + 1);
  });
});
