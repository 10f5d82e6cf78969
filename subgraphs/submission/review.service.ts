// Review of a submission IN_REVIEW: staff correct submission-level values and rows (each correction an outbox
// event with old and new values; a corrected or confirmed value becomes certain and its issues resolved), then
// accept or reject it (decision.ts). Every change is one transaction at the version the caller read.
import type { Prisma, Submission, SubmissionRow } from '../../generated/prisma/submission/client.ts';
import { badUserInput, ERRORS, fromPrismaError } from '../kit/errors.ts';
import { MAX_ROWS } from './extraction-draft.ts';
import { recordEvent, type Changes } from '../kit/outbox.ts';
import { correctRow, correctSubmission } from './corrections.ts';
import { createDecisions } from './decision.ts';
import type { Caller, SubmissionDeps } from './deps.ts';
import { resolveIssues, type StoredIssue } from './issues.ts';
import { correctedProvenance, readProvenance, type ProvenanceEntry } from './submission-data.ts';
import {
  assertExpectedVersion,
  assertStatus,
  readVisibleForUpdate,
  submissionEvent,
  updateVersioned,
} from './submission-store.ts';

type Tx = Prisma.TransactionClient;

/** A taken quote identifier (the only unique value a correction can change) as CONFLICT naming the field. */
function toConflict(error: unknown): unknown {
  if ((error as { code?: unknown }).code !== 'P2002') return fromPrismaError(error, 'submission');
  return ERRORS.CONFLICT.err('another submission has this quote identifier', {
    field: 'quoteIdentifier',
    rule: 'UNIQUE',
  });
}

/** Provenance with every path marked corrected. */
function corrected(provenance: Record<string, ProvenanceEntry>, paths: readonly string[]) {
  const next = { ...provenance };
  for (const path of paths) next[path] = correctedProvenance(provenance[path]);
  return next;
}

const asJson = (value: unknown) => value as Prisma.InputJsonValue;

export function createReviewService(deps: SubmissionDeps) {
  const { prisma } = deps;

  /** Reads the submission for a correction: visible, at the expected version, IN_REVIEW. */
  async function readForCorrection(tx: Tx, caller: Caller, id: string, version: number): Promise<Submission> {
    const row = await readVisibleForUpdate(tx, caller, id);
    assertExpectedVersion(row, version);
    assertStatus(row, ['IN_REVIEW'], 'corrected');
    return row;
  }

  return {
    ...createDecisions(deps),

    async update(
      caller: Caller,
      id: string,
      input: Record<string, unknown>,
      version: number,
    ): Promise<Submission> {
      try {
        return await prisma.$transaction(async (tx) => {
          const row = await readForCorrection(tx, caller, id, version);
          const { data, changes, paths } = correctSubmission(row, input);
          if (paths.length === 0) return row;
          const now = deps.now();
          const issues = resolveIssues(row.issues as unknown as StoredIssue[], paths, caller.userId, now);
          const after = await updateVersioned(
            tx,
            row,
            {
              ...(data as Prisma.SubmissionUncheckedUpdateManyInput),
              provenance: asJson(corrected(readProvenance(row.provenance), paths)),
              issues: asJson(issues),
            },
            now,
          );
          const confirmed = paths.filter((p) => !(p in changes));
          await recordEvent(
            tx,
            submissionEvent(
              caller,
              row,
              'submission.updated',
              now,
              { ...changes, version: { from: row.version, to: after.version } },
              { corrected: paths, confirmed },
            ),
          );
          return after;
        });
      } catch (error) {
        throw toConflict(error);
      }
    },

    /**
     * Adds a row after the last one (kind SAMPLE unless given), with the values given, checked as a correction:
     * for a document read without rows (EXTRACTION_FAILED) or a sample the reader missed.
     */
    async addRow(
      caller: Caller,
      submissionId: string,
      input: Record<string, unknown>,
      version: number,
    ): Promise<Submission> {
      return prisma.$transaction(async (tx) => {
        const row = await readForCorrection(tx, caller, submissionId, version);
        const last = await tx.submissionRow.findFirst({
          where: { submissionId: row.id },
          orderBy: { rowNumber: 'desc' },
          select: { rowNumber: true },
        });
        const rowNumber = (last?.rowNumber ?? 0) + 1;
        if (rowNumber > MAX_ROWS)
          throw badUserInput(`a submission has at most ${MAX_ROWS} rows`, {
            field: 'rowNumber',
            rule: 'MAX_ROWS',
          });
        const blank: SubmissionRow = {
          submissionId: row.id,
          rowNumber,
          sampleName: null,
          volumeUl: null,
          qubitNgPerUl: null,
          nanodropNgPerUl: null,
          a260_280: null,
          a260_230: null,
          concentrationNgPerUl: null,
          kind: 'SAMPLE',
          details: {},
          cells: {},
        };
        const { data, changes, fields } = correctRow(blank, { kind: 'SAMPLE', ...input });
        const cells = Object.fromEntries(fields.map((field) => [field, correctedProvenance(undefined)]));
        const created = { ...blank, ...data, cells } as unknown as SubmissionRow;
        await tx.submissionRow.create({
          data: {
            ...(created as unknown as Prisma.SubmissionRowUncheckedCreateInput),
            details: asJson(created.details),
            cells: asJson(cells),
          },
        });
        const now = deps.now();
        const after = await updateVersioned(tx, row, {}, now);
        const prefix = `rows[${rowNumber}].`;
        await recordEvent(
          tx,
          submissionEvent(
            caller,
            row,
            'submission.row_added',
            now,
            {
              ...Object.fromEntries(
                Object.entries(changes).map(([path, c]) => [path.slice(prefix.length), c]),
              ),
              version: { from: row.version, to: after.version },
            },
            { rowNumber },
          ),
        );
        return after;
      });
    },

    async updateRow(
      caller: Caller,
      submissionId: string,
      rowNumber: number,
      input: Record<string, unknown>,
      version: number,
    ): Promise<Submission> {
      return prisma.$transaction(async (tx) => {
        const row = await readForCorrection(tx, caller, submissionId, version);
        const gridRow: SubmissionRow | null = await tx.submissionRow.findUnique({
          where: { submissionId_rowNumber: { submissionId: row.id, rowNumber } },
        });
        if (!gridRow) throw ERRORS.NOT_FOUND.err(`row ${rowNumber} not found`, { field: 'rowNumber' });
        const { data, changes, paths, fields } = correctRow(gridRow, input);
        if (paths.length === 0) return row;
        const now = deps.now();
        const cells = readProvenance(gridRow.cells);
        for (const field of fields) cells[field] = correctedProvenance(cells[field]);
        await tx.submissionRow.update({
          where: { submissionId_rowNumber: { submissionId: row.id, rowNumber } },
          data: { ...(data as Prisma.SubmissionRowUpdateInput), cells: asJson(cells) },
        });
        // A row marked EMPTY is no sample: whatever was said about its cells no longer matters.
        const resolved = data.kind === 'EMPTY' ? [...paths, `rows[${rowNumber}]`] : paths;
        const issues = resolveIssues(row.issues as unknown as StoredIssue[], resolved, caller.userId, now);
        const after = await updateVersioned(tx, row, { issues: asJson(issues) }, now);
        const prefix = `rows[${rowNumber}].`;
        const fieldChanges: Changes = Object.fromEntries(
          Object.entries(changes).map(([path, change]) => [path.slice(prefix.length), change]),
        );
        await recordEvent(
          tx,
          submissionEvent(
            caller,
            row,
            'submission.row_updated',
            now,
            { ...fieldChanges, version: { from: row.version, to: after.version } },
            { rowNumber, corrected: fields, confirmed: fields.filter((f) => !(f in fieldChanges)) },
          ),
        );
        return after;
      });
    },
  };
}

export type ReviewService = ReturnType<typeof createReviewService>;
