// The submission subgraph's side of extraction by the ai subgraph (kit/extraction-wire.ts), after the import kept
// a document EXTRACTING:
// - document(): the document's bytes for the ai subgraph's signed GET, while the submission is EXTRACTING.
// - finish(): an EXTRACTION_FINISHED notice. SUCCEEDED: the result is fetched from the ai subgraph (signed GET),
//   checked against the contract in the document worker (with its budgets: a result is read like an upload),
//   where a scan's page model is also read by the quote reader, and turned into a draft (extraction-draft.ts); FAILED, CANCELLED or a result that cannot be used: an
//   empty draft with an EXTRACTION_FAILED issue, for staff to fill in by hand (addSubmissionRow). Either way the
//   submission goes IN_REVIEW in one transaction with its audit event. A notice about a submission no longer
//   EXTRACTING is a redelivery (or came after a cancel): acknowledged as a duplicate, nothing changes.
import type { Prisma, Submission } from '../../generated/prisma/submission/client.ts';
import { resultPath, SUBMISSION_SERVICE, type ExtractionFinished } from '../kit/extraction-wire.ts';
import { recordEvent } from '../kit/outbox.ts';
import type { IngestResult, WireEvent } from '../kit/outbox-wire.ts';
import { signedGet } from '../kit/signed-get.ts';
import type { ExtractionRead } from './document-worker/extraction-result.ts';
import { LARGE_TRANSACTION, SERVICE_NAME, type SubmissionDeps } from './deps.ts';
import { asScannedDraft, draftFromValues, emptyDraft } from './extraction-draft.ts';
import { insertRows } from './import.service.ts';
import { issue, ruleIssues } from './issues.ts';
import { quoteDraft } from './quote-draft.ts';
import type { SubmissionDraft } from './submission-data.ts';

const EXTRACTION_FAILED = 'EXTRACTION_FAILED';

/** The document worker queue's caller key for scans: one at a time, beside the users' imports. */
const EXTRACTION_READER = 'ai-extraction';

/** A result the ai subgraph could not give for good (a retry would not help). */
class UnusableResult extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A failure worth retrying (the ai subgraph down, a 5xx, the worker queue full): the batch is answered 503. */
class TryAgain extends Error {}

type Outcome = { draft: SubmissionDraft; outcome: string; detail: Record<string, string | number | null> };

/** Reads a response body up to `max` bytes; more is an UnusableResult. */
async function readBounded(response: Response, max: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > max) throw new UnusableResult('RESULT_TOO_LARGE', `the result is larger than ${max} bytes`);
  const reader = response.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new UnusableResult('RESULT_TOO_LARGE', `the result is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

function failedDraft(source: Submission['source'], code: string, message: string): SubmissionDraft {
  const draft = emptyDraft(source);
  draft.issues.push(
    issue(
      'document',
      'WARNING',
      EXTRACTION_FAILED,
      `the document could not be read automatically (${code}: ${message.slice(0, 500)}); fill in the submission from the original file (add its rows with addSubmissionRow)`,
    ),
  );
  return draft;
}

export function createExtractionService(deps: SubmissionDeps) {
  const { prisma, config } = deps;

  /** The result's bytes, as the ai subgraph serves them (read and checked in the worker: readResult). */
  async function fetchResult(jobId: string): Promise<Buffer> {
    const extraction = config.extraction!;
    let response: Response;
    try {
      response = await signedGet(`${extraction.aiOrigin}${resultPath(jobId)}`, {
        secret: extraction.secret,
        service: SUBMISSION_SERVICE,
        timeoutMs: extraction.resultTimeoutMs,
      });
    } catch (error) {
      throw new TryAgain(`the ai subgraph did not answer: ${(error as Error).message}`);
    }
    if (response.status >= 500 || response.status === 429 || response.status === 401) {
      await response.body?.cancel();
      // 401: a clock or a secret being rotated; the relay's retry is the cure.
      throw new TryAgain(`the ai subgraph answered ${response.status} for the result`);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new UnusableResult(
        'RESULT_UNAVAILABLE',
        `the ai subgraph answered ${response.status} for the result`,
      );
    }
    return readBounded(response, extraction.resultMaxBytes);
  }

  /** The result checked against the contract, and a scan read by the quote reader, in the document worker. */
  async function readResult(bytes: Buffer): Promise<Extract<ExtractionRead, { ok: true }>> {
    let outcome;
    try {
      outcome = await deps.documents.read(EXTRACTION_READER, { kind: 'EXTRACTION_RESULT', bytes });
    } catch (error) {
      // TOO_MANY_REQUESTS: the users' imports come first; the notice is redelivered.
      throw new TryAgain((error as Error).message);
    }
    if (!outcome.ok)
      throw new UnusableResult(outcome.failure.code, 'the result could not be read within its budget');
    const read = outcome.result as ExtractionRead;
    if (!read.ok) throw new UnusableResult(read.error.code, read.error.message);
    return read;
  }

  async function outcomeOf(notice: ExtractionFinished, submission: Submission): Promise<Outcome> {
    const base = { jobId: notice.jobId, status: notice.status };
    if (notice.status !== 'SUCCEEDED') {
      const code = notice.errorCode ?? notice.status;
      return {
        draft: failedDraft(
          submission.source,
          code,
          notice.errorMessage ?? `the extraction was ${notice.status.toLowerCase()}`,
        ),
        outcome: 'FAILED',
        detail: { ...base, errorCode: code },
      };
    }
    try {
      const read = await readResult(await fetchResult(notice.jobId));
      if (read.kind === 'PAGES') {
        if (!read.quote.ok) throw new UnusableResult(read.quote.error.code, read.quote.error.message);
        const scanned = submission.source === 'IMAGE' ? 'IMAGE' : 'PDF';
        return {
          draft: asScannedDraft(quoteDraft(read.quote.submission), scanned),
          outcome: 'PAGES',
          detail: { ...base, ocrVersion: read.ocrVersion, pages: read.pages },
        };
      }
      const { draft } = read;
      return {
        draft: draftFromValues(draft, submission.source),
        outcome: 'DRAFT',
        detail: {
          ...base,
          model: draft.model,
          promptVersion: draft.promptVersion,
          values: draft.values.length,
        },
      };
    } catch (error) {
      if (!(error instanceof UnusableResult)) throw error;
      deps.log.warn(
        { submissionId: submission.id, jobId: notice.jobId, code: error.code },
        'extraction result unusable',
      );
      return {
        draft: failedDraft(submission.source, error.code, error.message),
        outcome: 'FAILED',
        detail: { ...base, errorCode: error.code },
      };
    }
  }

  /** The draft's values onto the EXTRACTING submission, IN_REVIEW, with its audit event; false if no longer EXTRACTING. */
  async function apply(event: WireEvent, submission: Submission, result: Outcome): Promise<boolean> {
    const { draft } = result;
    const now = deps.now();
    return prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM submission WHERE id = ${submission.id}::uuid FOR UPDATE`;
      const current = await tx.submission.findUniqueOrThrow({ where: { id: submission.id } });
      if (current.status !== 'EXTRACTING') return false;
      const issues = [...draft.issues];
      let quoteIdentifier = draft.quoteIdentifier?.trim().toUpperCase() || null;
      if (quoteIdentifier) {
        const taken = await tx.submission.findUnique({ where: { quoteIdentifier }, select: { id: true } });
        if (taken) {
          issues.push(
            issue(
              'quoteIdentifier',
              'WARNING',
              'QUOTE_ALREADY_IMPORTED',
              `the document names quote ${quoteIdentifier}, which another submission already holds; it was left out`,
            ),
          );
          quoteIdentifier = null;
        }
      }
      const quoteDate = draft.quoteDate ? new Date(`${draft.quoteDate}T00:00:00Z`) : null;
      const asJson = (value: unknown) => value as Prisma.InputJsonValue;
      await tx.submission.update({
        where: { id: submission.id },
        data: {
          status: 'IN_REVIEW',
          quoteIdentifier,
          requesterName: draft.requesterName,
          requesterEmail: draft.requesterEmail,
          requesterPhone: draft.requesterPhone,
          lab: draft.lab,
          pis: asJson(draft.pis),
          financialContacts: asJson(draft.financialContacts),
          billingAddress: draft.billingAddress,
          serviceRequested: draft.serviceRequested,
          quoteDate: quoteDate && !Number.isNaN(quoteDate.getTime()) ? quoteDate : null,
          form: asJson(draft.form),
          costs: asJson(draft.costs),
          provenance: asJson(draft.provenance),
          // Issues already there (FILE_NOT_STORED) stay.
          issues: asJson([...(current.issues as unknown[]), ...issues]),
          version: current.version + 1,
          updatedAt: now,
        },
      });
      await tx.submissionRow.deleteMany({ where: { submissionId: submission.id } });
      await insertRows(tx, submission.id, draft.rows);
      const rules = ruleIssues(draft, draft.rows);
      const count = (kind: string) => draft.rows.filter((r) => r.kind === kind).length;
      await recordEvent(tx, {
        type: 'submission.extracted',
        entityType: 'Submission',
        entityId: submission.id,
        ownerId: submission.submittedById,
        // The system did it, on the ai subgraph's word (its notice's id names it).
        actor: null,
        service: SERVICE_NAME,
        requestId: event.requestId,
        occurredAt: now,
        changes: {
          status: { from: 'EXTRACTING', to: 'IN_REVIEW' },
          version: { from: current.version, to: current.version + 1 },
          ...(quoteIdentifier ? { quoteIdentifier: { from: null, to: quoteIdentifier } } : {}),
        },
        payload: {
          ...result.detail,
          noticeId: event.id,
          outcome: result.outcome,
          samples: count('SAMPLE'),
          controls: count('CONTROL'),
          issues: issues.length + rules.length,
          errors: [...issues, ...rules].filter((i) => i.severity === 'ERROR').length,
        },
      });
      return true;
    }, LARGE_TRANSACTION);
  }

  return {
    /** The document of an EXTRACTING submission; 'unknown' or 'not-extracting' otherwise. */
    async document(
      submissionId: string,
    ): Promise<{ bytes: Uint8Array; mediaType: string; sha256: string } | 'unknown' | 'not-extracting'> {
      const submission = await prisma.submission.findUnique({
        where: { id: submissionId },
        select: { status: true, document: true },
      });
      if (!submission?.document) return 'unknown';
      if (submission.status !== 'EXTRACTING') return 'not-extracting';
      const { bytes, mediaType, sha256 } = submission.document;
      return { bytes, mediaType, sha256 };
    },

    /** Applies one EXTRACTION_FINISHED notice (see the top of this file). Throws to have the batch retried. */
    async finish(event: WireEvent, notice: ExtractionFinished): Promise<IngestResult> {
      const submission = await prisma.submission.findUnique({ where: { id: notice.submissionId } });
      if (!submission)
        return { id: event.id, status: 'rejected', code: 'NOT_FOUND', message: 'no such submission' };
      if (submission.status !== 'EXTRACTING') return { id: event.id, status: 'duplicate' };
      const result = await outcomeOf(notice, submission);
      const applied = await apply(event, submission, result);
      if (applied)
        deps.log.info(
          {
            submissionId: submission.id,
            jobId: notice.jobId,
            outcome: result.outcome,
            rows: result.draft.rows.length,
          },
          'submission extracted',
        );
      return { id: event.id, status: applied ? 'stored' : 'duplicate' };
    },
  };
}

export type ExtractionService = ReturnType<typeof createExtractionService>;
