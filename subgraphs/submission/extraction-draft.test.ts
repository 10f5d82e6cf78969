// An LLM's values put at their paths, checked as staff corrections are: what fits lands with its provenance,
// what does not is left out with an issue naming the path; the row numbering follows the paths given.
import { describe, expect, it } from 'vitest';
import type { ExtractionResult } from '../kit/extraction-wire.ts';
import { asScannedDraft, draftFromValues, emptyDraft, MAX_ROWS } from './extraction-draft.ts';

type Value = Extract<ExtractionResult, { kind: 'DRAFT' }>['values'][number];

const v = (path: string, value: Value['value'], confidence = 0.9): Value => ({
  path,
  value,
  confidence,
  source: { start: 0, end: 3 },
  method: 'LLM',
});

const draft = (values: Value[], issues: { path: string; code: string; message: string }[] = []) =>
  draftFromValues({ kind: 'DRAFT', model: 'm', promptVersion: 'p', values, issues }, 'DOCUMENT');

const codes = (d: ReturnType<typeof draft>) => d.issues.map((i) => `${i.path} ${i.code}`);

describe('draftFromValues', () => {
  it('puts top-level, form and row values at their paths', () => {
    const d = draft([
      v('quoteIdentifier', 'htsf--ab-1'),
      v('requester.name', 'Ann'),
      v('requester.email', 'ann@example.edu'),
      v('quoteDate', '2026-03-01'),
      v('form.flowCellCount', '2'),
      v('form.containsHumanDna', true),
      v('form.flowCellFormats[0]', 'PromethION'),
      v('form.flowCellFormats[1]', 'minion'),
      v('form.basecalling', 'HAC, SUP'),
      v('rows[1].sampleName', 'S1'),
      v('rows[1].kind', 'control'),
      v('rows[1].materialType', 'HMW_DNA'),
      v('rows[3].a260_280', 1.8),
    ]);
    expect(d).toMatchObject({
      quoteIdentifier: 'HTSF--AB-1',
      requesterName: 'Ann',
      requesterEmail: 'ann@example.edu',
      quoteDate: '2026-03-01',
      form: {
        flowCellCount: 2,
        containsHumanDna: true,
        flowCellFormats: ['PROMETHION', 'MINION'],
        basecalling: ['HAC', 'SUP'],
      },
    });
    expect(
      d.rows.map((r) => [r.rowNumber, r.sampleName, r.kind, r.details.materialType, r.a260_280]),
    ).toEqual([
      [1, 'S1', 'CONTROL', 'HMW_DNA', null],
      [3, null, 'SAMPLE', undefined, 1.8],
    ]);
    expect(d.rows[0]!.cells.sampleName).toMatchObject({
      method: 'LLM',
      confidence: 0.9,
      textStart: 0,
      textEnd: 3,
    });
    expect(d.provenance['form.flowCellFormats']).toMatchObject({ method: 'LLM', raw: 'minion' });
    expect(d.issues).toEqual([]);
  });

  it('reads rows[0] as an index: every row path is shifted to a row number', () => {
    const d = draft(
      [v('rows[0].sampleName', 'A'), v('rows[1].sampleName', 'B')],
      [{ path: 'rows[1].volumeUl', code: 'NOT_IN_TEXT', message: 'm' }],
    );
    expect(d.rows.map((r) => [r.rowNumber, r.sampleName])).toEqual([
      [1, 'A'],
      [2, 'B'],
    ]);
    expect(d.issues[0]).toMatchObject({ path: 'rows[2].volumeUl', rowNumber: 2, code: 'NOT_IN_TEXT' });
  });

  it('leaves out what does not fit, and lists doubtful values', () => {
    const d = draft([
      v('form.libraryKit', 'a kit'),
      v('form.sampleTypes', 'RNA'),
      v('form.flowCellCount', 500),
      v('requester.email', 'not-mail'),
      v('quoteDate', 'March'),
      v('rows[1].volumeUl', 20_000),
      v('rows[1].qubitNgPerUl', 'lots'),
      v('rows[1].kind', null),
      v(`rows[${MAX_ROWS + 1}].sampleName`, 'far'),
      v('rows[1].colour', 'red'),
      v('lab', 'x'.repeat(201)),
      v('form.comments[2]', 'x'),
      v('costs.projected', 5),
      v('form.sourceOrganism', 'E. coli', 0.5),
    ]);
    expect(codes(d)).toEqual([
      'form.libraryKit INVALID_EXTRACTED_VALUE',
      'form.sampleTypes INVALID_EXTRACTED_VALUE',
      'form.flowCellCount INVALID_EXTRACTED_VALUE',
      'requester.email INVALID_EXTRACTED_VALUE',
      'quoteDate INVALID_EXTRACTED_VALUE',
      'rows[1].volumeUl INVALID_EXTRACTED_VALUE',
      'rows[1].qubitNgPerUl INVALID_EXTRACTED_VALUE',
      'rows[1].kind INVALID_EXTRACTED_VALUE',
      `rows[${MAX_ROWS + 1}].sampleName INVALID_EXTRACTED_VALUE`,
      'rows[1].colour INVALID_EXTRACTED_VALUE',
      'lab INVALID_EXTRACTED_VALUE',
      'form.comments[2] INVALID_EXTRACTED_VALUE',
      'costs.projected INVALID_EXTRACTED_VALUE',
      'form.sourceOrganism LOW_CONFIDENCE',
    ]);
    expect(d.form.libraryKit).toBeNull();
    expect(d.form.sourceOrganism).toBe('E. coli');
    expect(d.rows).toEqual([]);
  });
});

describe('asScannedDraft', () => {
  it('marks every value as read from a scan: PIXELS for a drawn mark, OCR for the rest', () => {
    const base = emptyDraft('PDF');
    const p = { page: 1, x: 0, y: 0, w: 1, h: 1, line: null, column: null, confidence: 0.9, raw: null };
    base.provenance = {
      'form.libraryKit': { ...p, method: 'mark+geometry' },
      lab: { ...p, method: 'label+geometry' },
    };
    const scanned = asScannedDraft(base, 'IMAGE');
    expect(scanned.source).toBe('IMAGE');
    expect(scanned.provenance['form.libraryKit']!.method).toBe('PIXELS');
    expect(scanned.provenance.lab!.method).toBe('OCR');
  });
});
