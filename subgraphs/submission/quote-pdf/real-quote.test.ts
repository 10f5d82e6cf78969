// The real iLab quote (test/fixtures/ilab-quote/, 5 pages, wkhtmltopdf 0.12.4 / Qt 4.8.7), field by field and
// cell by cell. Every expected value below was read off the page images (pdftoppm renders of each page), not
// taken from the parser's output.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFixture, REAL_QUOTE } from '../../../test/helpers/fixtures.ts';
import { ISSUE_THRESHOLD } from './confidence.ts';
import { parseQuotePdf } from './parse-quote.ts';
import { forEachExtracted, toPlainSubmission } from './plain-submission.ts';
import type { Extracted, ParsedSubmission, QuoteDocumentInfo } from './types.ts';

/**
 * Rows 1-94 as printed on pages 2-4: [sample name, Nanodrop ng/µL, A260/A280]. Every one of them has Volume 2 and
 * empty Qubit and A260/A230 cells. Rows 1-43 are on page 2, 44-93 on page 3, 94 on page 4.
 */
const SAMPLES: Array<[string, number, number]> = [
  ['1', 298.9, 1.84],
  ['3', 314.05, 1.84],
  ['5', 348.2, 1.84],
  ['6', 346.75, 1.84],
  ['10', 294.1, 1.84],
  ['13', 225.9, 1.84],
  ['14', 367.85, 1.84],
  ['17', 274.85, 1.84],
  ['19', 189.1, 1.84],
  ['24', 160.8, 1.84],
  ['25', 265.75, 1.84],
  ['26', 277.15, 1.83],
  ['27', 210.2, 1.84],
  ['30', 260.25, 1.83],
  ['32', 281.85, 1.85],
  ['33', 293.75, 1.83],
  ['37', 340.9, 1.83],
  ['38', 340.6, 1.84],
  ['39', 238, 1.83],
  ['42', 358.6, 1.84],
  ['46', 223, 1.84],
  ['47', 409.2, 1.84],
  ['48', 307.55, 1.83],
  ['49', 202.8, 1.84],
  ['52', 254.45, 1.84],
  ['53', 468.75, 1.84],
  ['54', 234.2, 1.84],
  ['55', 330.1, 1.84],
  ['56', 286.6, 1.84],
  ['57', 302.85, 1.84],
  ['58', 390.55, 1.83],
  ['61', 246.55, 1.84],
  ['64', 234.55, 1.84],
  ['66', 318.7, 1.84],
  ['72', 282.2, 1.84],
  ['75', 182.15, 1.83],
  ['77', 263.45, 1.84],
  ['82', 229.5, 1.83],
  ['85', 289.25, 1.83],
  ['86', 235, 1.83],
  ['87', 286.6, 1.84],
  ['90', 215.65, 1.84],
  ['91', 347.4, 1.84],
  ['92', 316.3, 1.83],
  ['93', 267.5, 1.86],
  ['95', 333.25, 1.87],
  ['96', 270.45, 1.85],
  ['97', 325.15, 1.83],
  ['101', 302.8, 1.84],
  ['102', 248.15, 1.82],
  ['105', 284.05, 1.84],
  ['106', 249.1, 1.84],
  ['110', 215.55, 1.84],
  ['112', 321.95, 1.84],
  ['113', 254.45, 1.84],
  ['115', 238.1, 1.84],
  ['117', 351.45, 1.84],
  ['118', 306.45, 1.84],
  ['123', 162.2, 1.83],
  ['125', 270.95, 1.84],
  ['127', 245.9, 1.83],
  ['129', 305.65, 1.84],
  ['131', 170.4, 1.85],
  ['133', 259.7, 1.82],
  ['134', 236.85, 1.83],
  ['138', 162.15, 1.84],
  ['140', 187.35, 1.84],
  ['143', 255.9, 1.84],
  ['148', 343.8, 1.84],
  ['149', 255.75, 1.84],
  ['153', 429.9, 1.84],
  ['154', 290.7, 1.84],
  ['157', 322.7, 1.84],
  ['158', 344.1, 1.84],
  ['159', 279.5, 1.84],
  ['160', 308.3, 1.84],
  ['161', 325.55, 1.84],
  ['162', 288.25, 1.85],
  ['165', 245.2, 1.83],
  ['166', 350.8, 1.84],
  ['169', 151.95, 1.83],
  ['170', 361.65, 1.85],
  ['171', 265.05, 1.84],
  ['173', 420.8, 1.84],
  ['174', 229.65, 1.84],
  ['176', 236.2, 1.84],
  ['179', 194.25, 1.84],
  ['180', 186.7, 1.84],
  ['183', 374.55, 1.84],
  ['186', 166.3, 1.84],
  ['187', 332.55, 1.84],
  ['190', 112.7, 1.84],
  ['191', 160.85, 1.83],
  ['195', 239.4, 1.84],
];

const pageOfRow = (rowNumber: number): number => (rowNumber <= 43 ? 2 : rowNumber <= 93 ? 3 : 4);

let submission: ParsedSubmission;
let document: QuoteDocumentInfo;

beforeAll(async () => {
  const result = await parseQuotePdf(new Uint8Array(readFixture(REAL_QUOTE)));
  if (!result.ok) throw new Error(`the real quote did not parse: ${result.error.code}`);
  submission = result.submission;
  document = result.document;
});

describe('the real quote HTSF--JL-147', () => {
  it('reads the document facts', () => {
    expect(document).toEqual({
      pageCount: 5,
      title: 'Quote for HTSF--JL-147 as of July 17, 2025',
      creator: 'wkhtmltopdf 0.12.4',
      producer: 'Qt 4.8.7',
      vectorLayer: 'complete',
    });
  });

  it('reads the header, confirmed by the PDF title', () => {
    expect(submission.quoteIdentifier).toMatchObject({ value: 'HTSF--JL-147', method: 'cross-check' });
    expect(submission.quoteDate).toMatchObject({ value: '2025-07-17', method: 'cross-check' });
    expect(submission.expiresOn).toMatchObject({ value: null, method: 'absent' });
    // "Identifier: HTSF--JL-147" is the second line under "Quote:", left column of page 1.
    expect(submission.quoteIdentifier.source).toMatchObject({ page: 1 });
    expect(submission.quoteIdentifier.source!.x).toBeGreaterThan(60);
    expect(submission.quoteIdentifier.source!.y).toBeGreaterThan(185);
    expect(submission.quoteIdentifier.source!.y).toBeLessThan(205);
  });

  it('reads the summary table', () => {
    const plain = toPlainSubmission(submission);
    expect(plain.serviceRequested).toBe('Oxford Nanopore DNA Samples Request');
    expect(plain.requester).toEqual({ name: 'Joshua Leon', email: 'joshleon@unc.edu', phone: null });
    expect(plain.lab).toBe('Mitchell, Charles (UNC-CH) Lab');
    expect(plain.pis).toEqual([{ name: 'Charles Mitchell', email: 'mitchell@bio.unc.edu' }]);
    expect(plain.financialContacts).toEqual([{ name: 'Charles Mitchell', email: 'mitchell@bio.unc.edu' }]);
    // The value column of the summary starts at the middle border (x ≈ 211 pt).
    for (const field of [
      submission.serviceRequested,
      submission.requester.name,
      submission.lab,
      submission.pis,
    ]) {
      expect(field.source!.page).toBe(1);
      expect(field.source!.x).toBeGreaterThan(205);
    }
  });

  it('keeps an empty phone empty, and reports the billing address that holds only commas', () => {
    expect(submission.requester.phone).toMatchObject({ value: null, method: 'absent' });
    expect(submission.billingAddress).toMatchObject({ value: null, raw: ',,,,,', method: 'absent' });
    expect(submission.issues).toContainEqual(
      expect.objectContaining({ path: 'billingAddress', code: 'BLANK_VALUE', severity: 'warning' }),
    );
  });

  it('reads every radio and checkbox from its drawn mark', () => {
    const plain = toPlainSubmission(submission);
    expect(plain.form).toEqual({
      libraryKit: 'SQK-RBK114.24', // the fourth radio, not the first
      sampleTypes: ['PCR_AMPLICONS'], // the third box, not the first
      containsHumanDna: false,
      sourceOrganism: 'Fungi from plant leave tissue',
      sampleBuffers: ['EB'],
      flowCellFormats: ['MINION'],
      approxGenomeSize: '600',
      approxCoverage: '50x-100x',
      flowCellCount: 1,
      comments:
        'Amplicon length is 600 bp. Genome size is difficult to approximate as these are microbiome samples. ' +
        'For coverage, I am hoping to get anywhere between 30,000 - 100,000 reads per sample.',
      basecalling: ['SUP'],
      fileFormats: ['FASTQ_BAM'],
      notificationEmails: ['joshleon@unc.edu'],
      dataRetrieval: ['ITS_PROJ', 'WEB_URL'],
    });
  });

  it('says, per option, what was ticked and where the control is', () => {
    const kit = submission.form.libraryKit.options;
    expect(kit.map((option) => [option.value, option.selected])).toEqual([
      ['SQK-LSK114', false],
      ['SQK-NBD114.96', false],
      ['SQK-RAD114', false],
      ['SQK-RBK114.24', true],
    ]);
    const types = submission.form.sampleTypes.options;
    expect(types.map((option) => [option.value, option.selected])).toEqual([
      ['HMW_DNA', false],
      ['FRAGMENTED_DNA', false],
      ['PCR_AMPLICONS', true],
      ['CDNA', false],
    ]);
    // The PCR Amplicons box: page 1, about 10 pt wide, left of its text (x ≈ 59 pt), around y ≈ 631 pt.
    const pcr = types[2]!;
    expect(pcr.method).toBe('mark+geometry');
    expect(pcr.source).toMatchObject({ page: 1 });
    expect(pcr.source!.w).toBeGreaterThan(8);
    expect(pcr.source!.w).toBeLessThan(12);
    expect(pcr.source!.x + pcr.source!.w).toBeLessThan(59);
    expect(pcr.source!.y).toBeGreaterThan(620);
    expect(pcr.source!.y).toBeLessThan(640);
    // Sample Buffer is on page 2, Flow Cell Selection on page 4.
    expect(submission.form.sampleBuffers.options[0]!.source!.page).toBe(2);
    expect(submission.form.flowCellFormats.options[0]!.source!.page).toBe(4);
  });

  it('reads the costs and the one charge line', () => {
    const plain = toPlainSubmission(submission);
    expect(plain.costs).toEqual({
      projected: 897,
      known: 897,
      lines: [
        {
          name: 'MinION DNA Flow Cell',
          billingStatus: 'Not ready to bill',
          quantity: 1,
          unitPrice: 897,
          extendedPrice: 897,
          tax: 0,
          total: 897,
        },
      ],
    });
    expect(submission.costs.lines[0]!.total.source!.page).toBe(4);
  });

  it('reads all 99 grid rows, each value in its own column', () => {
    const rows = toPlainSubmission(submission).rows;
    expect(rows).toHaveLength(99);
    SAMPLES.forEach(([sampleName, nanodrop, ratio], index) => {
      expect(rows[index]).toEqual({
        rowNumber: index + 1,
        sampleName,
        volumeUl: 2,
        qubitNgPerUl: null,
        nanodropNgPerUl: nanodrop,
        a260_280: ratio,
        a260_230: null,
        kind: 'SAMPLE',
      });
    });
    const none = {
      volumeUl: null,
      qubitNgPerUl: null,
      nanodropNgPerUl: null,
      a260_280: null,
      a260_230: null,
    };
    expect(rows[94]).toEqual({ rowNumber: 95, sampleName: 'Positive control', ...none, kind: 'CONTROL' });
    expect(rows[95]).toEqual({ rowNumber: 96, sampleName: 'BLANK', ...none, kind: 'CONTROL' });
    for (const rowNumber of [97, 98, 99]) {
      expect(rows[rowNumber - 1]).toEqual({ rowNumber, sampleName: null, ...none, kind: 'EMPTY' });
    }
  });

  it('gives every cell its page and a box inside its column', () => {
    for (const row of submission.rows) {
      const page = pageOfRow(row.rowNumber.value);
      expect(row.rowNumber.source!.page).toBe(page);
      for (const cell of [
        row.sampleName,
        row.volumeUl,
        row.qubitNgPerUl,
        row.nanodropNgPerUl,
        row.a260_280,
        row.a260_230,
      ]) {
        expect(cell.source).not.toBeNull();
        expect(cell.source!.page).toBe(page);
      }
      // Same row: boxes on one horizontal band.
      expect(Math.abs(row.sampleName.source!.y - row.rowNumber.source!.y)).toBeLessThan(6);
    }
    // The Nanodrop column starts at x ≈ 293 pt and the A260/A280 column at x ≈ 415 pt (page 2 grid borders).
    const first = submission.rows[0]!;
    expect(first.nanodropNgPerUl.source!.x).toBeGreaterThan(290);
    expect(first.nanodropNgPerUl.source!.x).toBeLessThan(300);
    expect(first.a260_280.source!.x).toBeGreaterThan(410);
    // An empty Qubit cell is a box between the Volume and Nanodrop columns, not a value.
    expect(first.qubitNgPerUl).toMatchObject({ value: null, method: 'absent', raw: null });
    expect(first.qubitNgPerUl.source!.x).toBeGreaterThan(190);
    expect(first.qubitNgPerUl.source!.x + first.qubitNgPerUl.source!.w).toBeLessThan(296);
  });

  it('never takes a header row, the summary or the charge table for a sample', () => {
    const names = submission.rows.map((row) => row.sampleName.value);
    for (const text of ['Sample Name', 'Service Requested:', 'MinION DNA Flow Cell', 'Name']) {
      expect(names).not.toContain(text);
    }
  });

  it('is sure of what it read, and has no doubts to report beyond the blank address', () => {
    expect(submission.issues.map((issue) => issue.code)).toEqual(['BLANK_VALUE']);
    const low: string[] = [];
    forEachExtracted(submission, (path, value: Extracted<unknown>) => {
      if (value.confidence < ISSUE_THRESHOLD) low.push(path);
    });
    expect(low).toEqual([]);
  });
});
