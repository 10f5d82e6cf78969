// The commands an accepted submission sends: one per sample and control row, their lab sample ids from the quote
// identifier and row number, the row's own values over the form's, and the form's only where it chose one.
import { describe, expect, it } from 'vitest';
import type { Submission, SubmissionRow } from '../../generated/prisma/submission/client.ts';
import { buildSampleCommands, labSampleIdFor } from './sample-commands.ts';
import { emptyForm } from './submission-data.ts';

const caller = {
  userId: 'u-staff',
  roles: ['STAFF'],
  scopes: [],
  requestId: 'r1',
  ownerId: null,
  authorization: undefined,
};

function submission(overrides: Partial<Submission> = {}): Submission {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    quoteIdentifier: 'HTSF--JL-147',
    submittedById: 'u-owner',
    requesterName: 'Joshua Leon',
    requesterEmail: 'joshleon@unc.edu',
    lab: 'Mitchell Lab',
    form: {
      ...emptyForm(),
      libraryKit: 'SQK-RBK114.24',
      sampleTypes: ['PCR_AMPLICONS'],
      flowCellFormats: ['MINION', 'PROMETHION'],
      sampleBuffers: ['NUCLEASE_FREE_WATER'],
      fileFormats: ['FASTQ_BAM', 'POD5'],
      containsHumanDna: false,
    },
    ...overrides,
  } as Submission;
}

function row(
  rowNumber: number,
  kind: SubmissionRow['kind'],
  sampleName: string | null,
  details = {},
): SubmissionRow {
  return {
    submissionId: '11111111-1111-4111-8111-111111111111',
    rowNumber,
    sampleName,
    volumeUl: 2,
    qubitNgPerUl: null,
    nanodropNgPerUl: 300,
    a260_280: 1.84,
    a260_230: null,
    concentrationNgPerUl: null,
    kind,
    details,
    cells: {},
  };
}

describe('labSampleIdFor', () => {
  it.each([
    ['HTSF--JL-147', 3, 'JL-147-003'],
    ['HTSF--JL-147', 96, 'JL-147-096'],
    ['HTSF--AB-2', 1000, 'AB-2-1000'],
    ['htsf--ef-7', 12, 'EF-7-012'],
    ['Q-55', 4, 'Q-55-004'],
    [null, 4, null],
  ])('%s row %i -> %s', (quote, rowNumber, expected) => {
    expect(labSampleIdFor(quote, rowNumber)).toBe(expected);
  });
});

describe('buildSampleCommands', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('makes one command per sample and control row, in grid order, skipping empty rows', () => {
    const rows = [row(3, 'CONTROL', 'BLANK'), row(1, 'SAMPLE', '1'), row(2, 'EMPTY', null)];
    const commands = buildSampleCommands(caller, submission(), rows, now);
    expect(
      commands.map((c) => [c.payload.rowNumber, c.payload.name, c.payload.isControl, c.payload.labSampleId]),
    ).toEqual([
      [1, '1', false, 'JL-147-001'],
      [3, 'BLANK', true, 'JL-147-003'],
    ]);
    expect(commands[0]).toMatchObject({
      type: 'submission.sample_committed',
      entityType: 'Submission',
      entityId: '11111111-1111-4111-8111-111111111111',
      ownerId: 'u-owner',
      actorId: 'u-staff',
      service: 'submission',
      payload: {
        ownerId: 'u-owner',
        requesterName: 'Joshua Leon',
        libraryKit: 'SQK-RBK114.24',
        sampleType: 'PCR_AMPLICONS',
        // Two formats chosen: the form does not say which this sample goes on.
        flowCellFormat: null,
        buffer: 'Nuclease-Free Water',
        fileFormats: ['FASTQ', 'BAM', 'POD5'],
        containsHumanDna: false,
        measurements: { volumeUl: 2, nanodropNgPerUl: 300, a260_280: 1.84 },
      },
    });
  });

  it("takes a sheet row's own values over the submission's", () => {
    const details = {
      requesterEmail: 'jane@lab.org',
      flowCellFormat: 'PROMETHION',
      buffer: 'TE',
      priority: 'HIGH',
      nucleicAcid: 'RNA',
    };
    const [command] = buildSampleCommands(
      caller,
      submission({ quoteIdentifier: null }),
      [row(2, 'SAMPLE', 'S1', details)],
      now,
    );
    expect(command!.payload).toMatchObject({
      labSampleId: null,
      requesterEmail: 'jane@lab.org',
      requesterName: 'Joshua Leon',
      flowCellFormat: 'PROMETHION',
      buffer: 'TE',
      priority: 'HIGH',
      nucleicAcid: 'RNA',
    });
  });
});
