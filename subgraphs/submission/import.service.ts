// importSubmission: read the upload into memory (bounded), key it by sha256 (the same bytes again: the existing
// submission), sniff PDF or CSV, parse (a file that cannot be read: BAD_USER_INPUT with the reader's code, nothing
// stored), key a quote by its identifier (the same quote again: the existing submission), then create the
// submission IN_REVIEW with its rows, provenance and issues in one transaction with its outbox event, and only
// then store the original in the files subgraph (which asks this subgraph whether the caller may see the
// submission). A files subgraph that is down costs a FILE_NOT_STORED issue, never the import; importing the same
// bytes again retries storing it.
// With the ai subgraph configured (config.extraction), a document the quote reader cannot read but the ai
// subgraph can (a scan: NO_TEXT_LAYER; an image; a PDF with text that is no quote; text that is no sheet) is
// kept instead: the submission is created EXTRACTING with its document and an EXTRACTION_REQUESTED command in
// one transaction (extraction-commands.ts); extraction.service.ts takes it from there.
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FileUpload } from 'graphql-upload-minimal';
import type { Prisma, Submission } from '../../generated/prisma/submission/client.ts';
import { badUserInput, ERRORS } from '../kit/errors.ts';
import { discardUpload } from '../../common/multipart-request.ts';
import { recordEvent } from '../kit/outbox.ts';
import { LARGE_TRANSACTION, type Caller, type SubmissionDeps } from './deps.ts';
import { storableFileName, type StoredFileKind } from './file-store.ts';

/** How the files subgraph files the original: a quote, a sheet, or another document (an image, a letter). */
const fileKindOf = (source: Submission['source']): StoredFileKind =>
  source === 'PDF' ? 'QUOTE_PDF' : source === 'CSV' ? 'SAMPLE_SHEET' : 'OTHER';
import { issue, resolveIssues, ruleIssues, type StoredIssue } from './issues.ts';
import { quoteDraft } from './quote-draft.ts';
import type { DocumentJob } from './document-worker/worker.ts';
import { quotePdfError } from './quote-pdf/errors.ts';
import type { QuoteParseResult } from './quote-pdf/types.ts';
import { sheetDraft } from './sheet-draft.ts';
import { sampleSheetError } from './sheet/errors.ts';
import type { SheetParseResult } from './sheet/types.ts';
import { sniffImage, sniffImportKind, type ImportKind } from './sniff.ts';
import { announceFileStored, requestExtraction } from './extraction-commands.ts';
import type { ExtractionKind, ExtractionRequested } from '../kit/extraction-wire.ts';
import { isVisible, submissionEvent } from './submission-store.ts';
import type { SubmissionDraft } from './submission-data.ts';

const FILE_NOT_STORED = 'FILE_NOT_STORED';

/** A document for the ai subgraph: what to ask for, and what the submission is. */
interface Extractable {
  kind: ExtractionKind;
  mediaType: ExtractionRequested['mediaType'];
  source: 'PDF' | 'IMAGE' | 'DOCUMENT';
}

/** The reader's refusals the ai subgraph can do better on (and only those: a corrupt PDF stays refused). */
function extractableAfter(kind: ImportKind, code: string, bytes: Uint8Array): Extractable | null {
  if (kind === 'PDF' && code === 'NO_TEXT_LAYER')
    return { kind: 'SCANNED_QUOTE', mediaType: 'application/pdf', source: 'PDF' };
  if (kind === 'PDF' && code === 'NOT_AN_ILAB_QUOTE')
    return { kind: 'DOCUMENT', mediaType: 'application/pdf', source: 'DOCUMENT' };
  // Text without a sample name column is no sheet: a letter, an e-mail. Only UTF-8, which the ai subgraph reads.
  if (kind === 'CSV' && code === 'MISSING_REQUIRED_COLUMN' && isUtf8(bytes))
    return { kind: 'DOCUMENT', mediaType: 'text/plain', source: 'DOCUMENT' };
  return null;
}

type Parsed = { ok: true; draft: SubmissionDraft } | { ok: false; code: string; error: Error };

interface ReadUpload {
  bytes: Buffer;
  name: string;
}

/** Reads the whole upload, at most `maxBytes` (the multipart parser truncates one byte later). */
function readUpload(upload: FileUpload, maxBytes: number): Promise<ReadUpload> {
  let stream: Readable;
  try {
    stream = upload.createReadStream() as unknown as Readable;
  } catch {
    throw badUserInput('the upload did not complete', { field: 'file', rule: 'UPLOAD_INCOMPLETE' });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Never destroyed: the multipart parser would stall behind it. Bytes past the limit are read and dropped.
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    stream.once('error', () =>
      reject(badUserInput('the upload did not complete', { field: 'file', rule: 'UPLOAD_INCOMPLETE' })),
    );
    stream.once('end', () => {
      const truncated = (stream as Readable & { truncated?: boolean }).truncated === true;
      if (size > maxBytes || truncated) {
        return reject(
          badUserInput(`the file is larger than ${maxBytes} bytes`, {
            field: 'file',
            rule: 'MAX_FILE_SIZE',
            maxBytes,
          }),
        );
      }
      resolve({ bytes: Buffer.concat(chunks, size), name: upload.filename });
    });
  });
}

/** A reader's refusal: BAD_USER_INPUT with rule (and reason) = its code. */
function unreadable(
  kind: ImportKind,
  error: { code: string; message: string; detail?: Record<string, string | number> },
) {
  return badUserInput(error.message, {
    field: 'file',
    rule: error.code,
    reason: error.code,
    fileType: kind,
    ...(error.detail ? { detail: error.detail } : {}),
  });
}

const isUniqueViolation = (error: unknown) =>
  (error as { code?: unknown }).code === 'P2002' && (error as Error).name === 'PrismaClientKnownRequestError';

/**
 * All rows in one statement from one JSON parameter: Prisma's createMany binds every cell as its own parameter and
 * needs about 20 s for a 10,000-row sheet here; jsonb_to_recordset takes well under a second.
 */
export async function insertRows(
  tx: Prisma.TransactionClient,
  submissionId: string,
  rows: SubmissionDraft['rows'],
) {
  await tx.$executeRaw`
    INSERT INTO submission_row (submission_id, row_number, sample_name, volume_ul, qubit_ng_per_ul,
      nanodrop_ng_per_ul, a260_280, a260_230, concentration_ng_per_ul, kind, details, cells)
    SELECT ${submissionId}::uuid, r."rowNumber", r."sampleName", r."volumeUl", r."qubitNgPerUl",
      r."nanodropNgPerUl", r."a260_280", r."a260_230", r."concentrationNgPerUl", r.kind::"RowKind",
      coalesce(r.details, '{}'::jsonb), coalesce(r.cells, '{}'::jsonb)
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r("rowNumber" int, "sampleName" text,
      "volumeUl" float8, "qubitNgPerUl" float8, "nanodropNgPerUl" float8, "a260_280" float8, "a260_230" float8,
      "concentrationNgPerUl" float8, kind text, details jsonb, cells jsonb)`;
}

export function createImportService(deps: SubmissionDeps) {
  const { prisma, config } = deps;

  /** Reads the document in a worker (behind the bounded queue); the main thread only waits for the result. */
  async function parse(caller: Caller, kind: ImportKind, bytes: Buffer): Promise<Parsed> {
    const { parse: limits } = config;
    const job: DocumentJob =
      kind === 'PDF'
        ? {
            kind,
            bytes,
            options: {
              maxBytes: config.maxImportBytes,
              timeoutMs: limits.timeoutMs,
              memoryLimitMb: limits.memoryLimitMb,
              maxDecodedBytes: limits.maxDecodedBytes,
              maxOperations: limits.maxOperations,
            },
          }
        : { kind, bytes, options: { maxBytes: config.maxImportBytes } };
    const outcome = await deps.documents.read(caller.userId, job);
    if (!outcome.ok) {
      const { code, detail } = outcome.failure;
      deps.log.warn({ fileType: kind, code, detail }, 'import refused: the document could not be read');
      throw unreadable(
        kind,
        kind === 'PDF' ? quotePdfError(code, undefined, detail) : sampleSheetError(code, undefined, detail),
      );
    }
    if (kind === 'PDF') {
      const result = outcome.result as QuoteParseResult;
      if (!result.ok) return { ok: false, code: result.error.code, error: unreadable(kind, result.error) };
      return { ok: true, draft: quoteDraft(result.submission) };
    }
    const result = outcome.result as SheetParseResult;
    if (!result.ok) return { ok: false, code: result.error.code, error: unreadable(kind, result.error) };
    return { ok: true, draft: sheetDraft(result.sheet) };
  }

  /** Keeps the document EXTRACTING and asks the ai subgraph to read it, in one transaction. */
  async function createExtracting(caller: Caller, upload: ReadUpload, sha256: string, what: Extractable) {
    const now = deps.now();
    return prisma.$transaction(async (tx) => {
      const submission = await tx.submission.create({
        data: {
          source: what.source,
          status: 'EXTRACTING',
          fileName: upload.name || null,
          sha256,
          submittedById: caller.userId,
          createdAt: now,
          updatedAt: now,
        },
      });
      await tx.extractionDocument.create({
        data: {
          submissionId: submission.id,
          kind: what.kind,
          mediaType: what.mediaType,
          sha256,
          byteSize: upload.bytes.length,
          bytes: new Uint8Array(upload.bytes),
          createdAt: now,
        },
      });
      await recordEvent(
        tx,
        submissionEvent(
          caller,
          submission,
          'submission.imported',
          now,
          { status: { from: null, to: 'EXTRACTING' } },
          {
            source: what.source,
            sha256,
            fileName: upload.name || null,
            extraction: what.kind,
            mediaType: what.mediaType,
            bytes: upload.bytes.length,
          },
        ),
      );
      await requestExtraction(
        tx,
        caller,
        submission,
        {
          kind: what.kind,
          fileName: storableFileName(upload.name, fileKindOf(what.source)),
          mediaType: what.mediaType,
          byteSize: upload.bytes.length,
          sha256,
        },
        now,
      );
      return submission;
    });
  }

  /**
   * The existing submission for a caller who may see it (its submitter, staff); for anyone else a CONFLICT that
   * says nothing about it: no id, no owner, no status, not even whose it is.
   */
  function existingFor(caller: Caller, existing: Submission): Submission {
    if (isVisible(caller, existing)) return existing;
    throw ERRORS.CONFLICT.err('a submission for this quote or file already exists; ask the core staff', {
      field: 'file',
      rule: 'ALREADY_IMPORTED',
    });
  }

  async function create(caller: Caller, draft: SubmissionDraft, upload: ReadUpload, sha256: string) {
    const now = deps.now();
    const quoteIdentifier = draft.quoteIdentifier?.trim().toUpperCase() || null;
    const quoteDate =
      draft.quoteDate && /^\d{4}-\d{2}-\d{2}$/.test(draft.quoteDate)
        ? new Date(`${draft.quoteDate}T00:00:00Z`)
        : null;
    return prisma.$transaction(async (tx) => {
      const submission = await tx.submission.create({
        data: {
          quoteIdentifier,
          source: draft.source,
          status: 'IN_REVIEW',
          fileName: upload.name || null,
          sha256,
          submittedById: caller.userId,
          requesterName: draft.requesterName,
          requesterEmail: draft.requesterEmail,
          requesterPhone: draft.requesterPhone,
          lab: draft.lab,
          pis: draft.pis as unknown as Prisma.InputJsonValue,
          financialContacts: draft.financialContacts as unknown as Prisma.InputJsonValue,
          billingAddress: draft.billingAddress,
          serviceRequested: draft.serviceRequested,
          quoteDate: quoteDate && !Number.isNaN(quoteDate.getTime()) ? quoteDate : null,
          form: draft.form as unknown as Prisma.InputJsonValue,
          costs: draft.costs as unknown as Prisma.InputJsonValue,
          provenance: draft.provenance as unknown as Prisma.InputJsonValue,
          issues: draft.issues as unknown as Prisma.InputJsonValue,
          createdAt: now,
          updatedAt: now,
        },
      });
      await insertRows(tx, submission.id, draft.rows);
      const rules = ruleIssues(draft, draft.rows);
      const count = (kind: string) => draft.rows.filter((r) => r.kind === kind).length;
      await recordEvent(
        tx,
        submissionEvent(
          caller,
          submission,
          'submission.imported',
          now,
          { status: { from: null, to: 'IN_REVIEW' } },
          {
            source: draft.source,
            quoteIdentifier,
            sha256,
            fileName: upload.name || null,
            samples: count('SAMPLE'),
            controls: count('CONTROL'),
            issues: draft.issues.length + rules.length,
            errors: [...draft.issues, ...rules].filter((i) => i.severity === 'ERROR').length,
          },
        ),
      );
      return submission;
    }, LARGE_TRANSACTION);
  }

  /** Stores the original and records where it went; a failure becomes (or stays) a FILE_NOT_STORED issue. */
  async function storeFile(caller: Caller, submission: Submission, upload: ReadUpload): Promise<Submission> {
    const kind = fileKindOf(submission.source);
    const result = await deps.files.store({
      submissionId: submission.id,
      name: storableFileName(upload.name, kind),
      bytes: upload.bytes,
      kind,
      authorization: caller.authorization,
      requestId: caller.requestId,
    });
    const now = deps.now();
    const issues = submission.issues as unknown as StoredIssue[];
    return prisma.$transaction(async (tx) => {
      if ('fileId' in result) {
        // The file's id is not a reviewed value: no new version, so a review in progress is not made stale.
        const after = await tx.submission.update({
          where: { id: submission.id },
          data: {
            fileId: result.fileId,
            issues: resolveIssues(issues, ['file'], caller.userId, now) as unknown as Prisma.InputJsonValue,
          },
        });
        await recordEvent(
          tx,
          submissionEvent(caller, submission, 'submission.file_stored', now, {
            fileId: { from: submission.fileId, to: result.fileId },
          }),
        );
        const extracted = await tx.extractionDocument.findUnique({
          where: { submissionId: submission.id },
          select: { submissionId: true },
        });
        if (deps.config.extraction && extracted)
          await announceFileStored(tx, caller, submission, result.fileId, now);
        return after;
      }
      if (issues.some((i) => i.code === FILE_NOT_STORED && i.resolvedAt === null)) return submission;
      const missing = issue(
        'file',
        'WARNING',
        FILE_NOT_STORED,
        `the original file could not be stored (${result.error.code}: ${result.error.message}); import the same file again to retry`,
      );
      return tx.submission.update({
        where: { id: submission.id },
        data: { issues: [...issues, missing] as unknown as Prisma.InputJsonValue },
      });
    });
  }

  /**
   * Creates the submission (from a draft, or EXTRACTING); when the same bytes or quote were imported at the same
   * moment, the other import won: its submission, for a caller who may see it.
   */
  async function createNew(
    caller: Caller,
    upload: ReadUpload,
    sha256: string,
    what: SubmissionDraft | Extractable,
    quoteIdentifier?: string,
  ): Promise<{ submission: Submission; created: boolean }> {
    try {
      const submission =
        'rows' in what
          ? await create(caller, what, upload, sha256)
          : await createExtracting(caller, upload, sha256, what);
      deps.log.info(
        { submissionId: submission.id, source: submission.source, status: submission.status },
        'submission imported',
      );
      return { submission, created: true };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const winner = await prisma.submission.findFirst({
        where: { OR: [{ sha256 }, ...(quoteIdentifier ? [{ quoteIdentifier }] : [])] },
      });
      if (!winner) throw error;
      return { submission: existingFor(caller, winner), created: false };
    }
  }

  /** A new submission with its original stored; the winner of a race as it is. */
  function stored(caller: Caller, made: { submission: Submission; created: boolean }, upload: ReadUpload) {
    return made.created ? storeFile(caller, made.submission, upload) : made.submission;
  }

  return {
    async importFile(caller: Caller, file: Promise<FileUpload>): Promise<Submission> {
      let upload: ReadUpload;
      try {
        upload = await readUpload(
          await file.catch(() => {
            throw badUserInput('the upload did not complete', { field: 'file', rule: 'UPLOAD_INCOMPLETE' });
          }),
          config.maxImportBytes,
        );
      } catch (error) {
        discardUpload(file);
        throw error;
      }
      const sha256 = createHash('sha256').update(upload.bytes).digest('hex');
      const same = await prisma.submission.findUnique({ where: { sha256 } });
      if (same) {
        const existing = existingFor(caller, same);
        return existing.fileId ? existing : storeFile(caller, existing, upload);
      }
      const image = sniffImage(upload.bytes);
      if (image && config.extraction) {
        const extractable: Extractable = { kind: 'SCANNED_QUOTE', mediaType: image, source: 'IMAGE' };
        return stored(caller, await createNew(caller, upload, sha256, extractable), upload);
      }
      const kind = sniffImportKind(upload.bytes);
      if (!kind) {
        throw ERRORS.UNSUPPORTED_FILE_TYPE.err(
          'only an iLab quote PDF or a CSV sample sheet can be imported',
          {
            field: 'file',
          },
        );
      }
      const parsed = await parse(caller, kind, upload.bytes);
      if (!parsed.ok) {
        const extractable = config.extraction ? extractableAfter(kind, parsed.code, upload.bytes) : null;
        if (!extractable) throw parsed.error;
        return stored(caller, await createNew(caller, upload, sha256, extractable), upload);
      }
      const draft = parsed.draft;
      const quoteIdentifier = draft.quoteIdentifier?.trim().toUpperCase();
      if (quoteIdentifier) {
        const quote = await prisma.submission.findUnique({ where: { quoteIdentifier } });
        if (quote) return existingFor(caller, quote);
      }
      return stored(caller, await createNew(caller, upload, sha256, draft, quoteIdentifier), upload);
    },
  };
}

export type ImportService = ReturnType<typeof createImportService>;
