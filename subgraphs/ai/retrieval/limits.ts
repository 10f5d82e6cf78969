// The bounds of every retrieval input: a query is short text, an answer a short list. Resolvers check the same
// numbers first to answer BAD_USER_INPUT naming the argument; retrieval checks them again for every other caller.

/** Longest query text for suggest and similar, in characters. */
export const MAX_QUERY_CHARS = 2000;

/** Most results one suggest or similar returns. */
export const MAX_FIRST = 50;

/** Longest vocabulary spelling taken from an accepted submission; longer free text is not a term. */
export const MAX_TERM_CHARS = 200;

/** Most texts sent to the embedder in one request. */
export const EMBED_BATCH = 64;
