// similarSubmissions and suggestVocabulary over the Retrieval (./retrieval/types.ts). Off (null) without
// CHROMA_URL: both answer RETRIEVAL_OFF. A SUBMITTER finds similar submissions among their own only, and may
// search by a submission only when it is theirs.
import type { GraphQLError } from 'graphql';
import type { Resolvers } from '../../generated/graphql/ai.ts';
import { badUserInput, ERRORS } from '../kit/errors.ts';
import { isUuid } from '../kit/uuid.ts';
import { requireCaller, type Context } from './context.ts';
import { RetrievalInputError, RetrievalUnavailableError } from './retrieval/errors.ts';
import { MAX_QUERY_CHARS, MAX_TERM_CHARS } from './retrieval/limits.ts';
import { describeSubmission } from './retrieval/retrieval.ts';
import type { Retrieval } from './retrieval/types.ts';

/** Most results one call returns. */
export const MAX_RESULTS = 20;

function retrievalOf(ctx: Context): Retrieval {
  const retrieval = ctx.deps.retrieval;
  if (!retrieval) throw ERRORS.RETRIEVAL_OFF.err('retrieval is not configured (CHROMA_URL is not set)');
  return retrieval;
}

function checkFirst(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_RESULTS)
    throw badUserInput(`first must be 1 to ${MAX_RESULTS}`, { field: 'first', rule: 'PAGE_SIZE' });
}

function checkText(text: string, max: number): void {
  if (text.length > max)
    throw badUserInput(`text has at most ${max} characters`, { field: 'text', rule: 'TEXT_LENGTH' });
  if (!text.trim()) throw badUserInput('text is empty', { field: 'text', rule: 'REQUIRED' });
}

/** Retrieval's own failures as coded errors: unavailable is a 503, input past its limits the caller's mistake. */
function retrievalError(error: unknown): unknown {
  if (error instanceof RetrievalUnavailableError)
    return ERRORS.SERVICE_UNAVAILABLE.err('retrieval is unavailable; retry shortly', { reason: error.code });
  if (error instanceof RetrievalInputError) return badUserInput(error.message, { rule: error.code });
  return error;
}

async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw retrievalError(error) as GraphQLError;
  }
}

export const retrievalResolvers: Resolvers<Context> = {
  Query: {
    similarSubmissions: async (_p, { submissionId, text, first }, ctx) => {
      const caller = requireCaller(ctx);
      const retrieval = retrievalOf(ctx);
      const count = first ?? 5;
      checkFirst(count);
      if ((submissionId ? 1 : 0) + (text !== null && text !== undefined ? 1 : 0) !== 1)
        throw badUserInput('give exactly one of submissionId and text', { rule: 'ONE_OF' });
      let query = text ?? '';
      if (submissionId) {
        if (!isUuid(submissionId))
          throw badUserInput('submissionId is not an id', { field: 'submissionId', rule: 'ID' });
        const values = await guarded(() => retrieval.indexed(submissionId.toLowerCase()));
        // Not indexed (not accepted yet), or not the SUBMITTER's own: the same answer.
        if (!values || (caller.ownerId !== null && values.ownerId !== caller.ownerId))
          throw ERRORS.NOT_FOUND.err('no accepted submission with this id', { field: 'submissionId' });
        query = describeSubmission(values);
      } else checkText(query, MAX_QUERY_CHARS);
      const found = await guarded(() =>
        retrieval.similar({
          text: query.slice(0, MAX_QUERY_CHARS),
          first: count,
          ...(caller.ownerId !== null ? { ownerId: caller.ownerId } : {}),
          ...(submissionId ? { excludeSubmissionId: submissionId.toLowerCase() } : {}),
        }),
      );
      return found.map((s) => ({
        submission: { id: s.submissionId },
        score: s.score,
        quoteIdentifier: s.values.quoteIdentifier ?? null,
        lab: s.values.lab ?? null,
        libraryKit: s.values.libraryKit ?? null,
        sourceOrganism: s.values.sourceOrganism ?? null,
        sampleCount: s.values.sampleCount,
        acceptedAt: s.values.acceptedAt,
      }));
    },
    suggestVocabulary: async (_p, { field, text, first }, ctx) => {
      requireCaller(ctx);
      const retrieval = retrievalOf(ctx);
      const count = first ?? 5;
      checkFirst(count);
      checkText(text, MAX_TERM_CHARS);
      return guarded(() => retrieval.suggest(field, text, count));
    },
  },
};
