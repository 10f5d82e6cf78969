// The Submission type, its queries and mutations. Thin: read through the query service and loaders (visibility
// is theirs), change through the import and review services, and shape the stored JSON into the GraphQL types.
// Users and the original file are references ({ __typename, id }) the router resolves in their subgraphs.
import type { FileUpload } from 'graphql-upload-minimal';
import { GraphQLUpload } from 'graphql-upload-minimal';
import type {
  CellProvenance,
  FieldProvenance,
  Resolvers,
  SubmissionForm,
  User,
} from '../../generated/graphql/submission.ts';
import type { Submission } from '../../generated/prisma/submission/client.ts';
import { DateTimeScalar } from '../kit/scalars.ts';
import { requireCaller, type Context } from './context.ts';
import { openIssues, sortIssues, type StoredIssue } from './issues.ts';
import {
  readContacts,
  readCosts,
  readDetails,
  readForm,
  readProvenance,
  toIsoDate,
  type ProvenanceEntry,
} from './submission-data.ts';
import { isUuid } from '../kit/uuid.ts';

const DEFAULT_PAGE_SIZE = 50;

const userRef = (id: string): User => ({ __typename: 'User', id });

/** The submission if it exists and the caller may see it; null otherwise. */
async function loadVisible(ctx: Context, id: string): Promise<Submission | null> {
  const caller = requireCaller(ctx);
  if (!isUuid(id)) return null;
  const row = await ctx.prisma.submission.findUnique({ where: { id } });
  return row && ctx.services.queries.isVisible(caller, row) ? row : null;
}

/** A stored provenance entry without its name. */
function located(p: ProvenanceEntry) {
  return {
    page: p.page,
    x: p.x,
    y: p.y,
    w: p.w,
    h: p.h,
    line: p.line,
    column: p.column,
    confidence: p.confidence,
    method: p.method,
    raw: p.raw,
    textStart: p.textStart ?? null,
    textEnd: p.textEnd ?? null,
  };
}

const fieldProvenance = (entries: Record<string, ProvenanceEntry>): FieldProvenance[] =>
  Object.entries(entries).map(([path, p]) => ({ path, ...located(p) }));

const cellProvenance = (entries: Record<string, ProvenanceEntry>): CellProvenance[] =>
  Object.entries(entries).map(([field, p]) => ({ field, ...located(p) }));

export const submissionResolvers: Resolvers<Context> = {
  DateTime: DateTimeScalar,
  Upload: GraphQLUpload,
  Query: {
    submission: (_p, { id }, ctx) => loadVisible(ctx, id),
    submissionByQuoteId: (_p, { quoteIdentifier }, ctx) =>
      ctx.services.queries.byQuoteId(requireCaller(ctx), quoteIdentifier),
    submissions: (_p, { filter, first, after }, ctx) =>
      ctx.services.queries.list(requireCaller(ctx), filter, first ?? DEFAULT_PAGE_SIZE, after),
  },
  Mutation: {
    importSubmission: (_p, { file }, ctx) =>
      ctx.services.imports.importFile(requireCaller(ctx), file as Promise<FileUpload>),
    updateSubmission: (_p, { id, input, version }, ctx) =>
      ctx.services.review.update(requireCaller(ctx), id, input as Record<string, unknown>, version),
    addSubmissionRow: (_p, { submissionId, input, version }, ctx) =>
      ctx.services.review.addRow(requireCaller(ctx), submissionId, input, version),
    updateSubmissionRow: (_p, { submissionId, rowNumber, input, version }, ctx) =>
      ctx.services.review.updateRow(
        requireCaller(ctx),
        submissionId,
        rowNumber,
        input as Record<string, unknown>,
        version,
      ),
    acceptSubmission: (_p, { id, version }, ctx) =>
      ctx.services.review.accept(requireCaller(ctx), id, version),
    rejectSubmission: (_p, { id, reason, version }, ctx) =>
      ctx.services.review.reject(requireCaller(ctx), id, reason, version),
    cancelSubmission: (_p, { id, reason, version }, ctx) =>
      ctx.services.review.cancel(requireCaller(ctx), id, reason, version),
  },
  Submission: {
    __resolveReference: (ref, ctx) => loadVisible(ctx, ref.id),
    file: (s) => (s.fileId ? { __typename: 'File', id: s.fileId } : null),
    requester: (s) => ({ name: s.requesterName, email: s.requesterEmail, phone: s.requesterPhone }),
    pis: (s) => readContacts(s.pis),
    financialContacts: (s) => readContacts(s.financialContacts),
    quoteDate: (s) => toIsoDate(s.quoteDate),
    form: (s) => readForm(s.form) as SubmissionForm,
    costs: (s) => readCosts(s.costs),
    rows: async (s, { kind }, ctx) => {
      const rows = await ctx.loaders.rowsBySubmission.load(s.id);
      return kind?.length ? rows.filter((r) => kind.includes(r.kind)) : rows;
    },
    issues: async (s, { includeResolved }, ctx) => {
      const stored = s.issues as unknown as StoredIssue[];
      const rows = await ctx.loaders.rowsBySubmission.load(s.id);
      const open = openIssues(s, rows);
      return includeResolved ? [...open, ...sortIssues(stored.filter((i) => i.resolvedAt !== null))] : open;
    },
    provenance: (s) => fieldProvenance(readProvenance(s.provenance)),
    submittedBy: (s) => userRef(s.submittedById),
    reviewedBy: (s) => (s.reviewedById ? userRef(s.reviewedById) : null),
  },
  SubmissionIssue: {
    resolvedAt: (i) => (i.resolvedAt ? new Date(i.resolvedAt) : null),
    resolvedBy: (i) => (i.resolvedById ? userRef(i.resolvedById) : null),
  },
  SubmissionRow: {
    requesterName: (r) => readDetails(r.details).requesterName ?? null,
    requesterEmail: (r) => readDetails(r.details).requesterEmail ?? null,
    lab: (r) => readDetails(r.details).lab ?? null,
    nucleicAcid: (r) => readDetails(r.details).nucleicAcid ?? null,
    materialType: (r) => readDetails(r.details).materialType ?? null,
    buffer: (r) => readDetails(r.details).buffer ?? null,
    flowCellFormat: (r) => readDetails(r.details).flowCellFormat ?? null,
    productCode: (r) => readDetails(r.details).productCode ?? null,
    chemistry: (r) => readDetails(r.details).chemistry ?? null,
    priority: (r) => readDetails(r.details).priority ?? null,
    cells: (r) => cellProvenance(readProvenance(r.cells)),
  },
};
