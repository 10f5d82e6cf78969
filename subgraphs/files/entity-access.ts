// Whether the caller may see the sample or submission a file is attached to, asked of the subgraph that owns it
// with the caller's own bearer token: that subgraph's row rules decide (a SUBMITTER sees only their own samples),
// so they are never copied here. Not visible and not existing are the same answer: NOT_FOUND.
import { ERRORS } from '../kit/errors.ts';
import type { Logger } from '../kit/logger.ts';
import { isUuid } from '../kit/uuid.ts';
import type { EntityType } from '../../generated/prisma/files/client.ts';

export interface EntityTarget {
  type: EntityType;
  id: string;
}

export interface VisibleEntity extends EntityTarget {
  /** The entity's owner (for samples); null where the owning subgraph does not say (submissions). */
  ownerId: string | null;
}

export interface EntityAccessOptions {
  samplesUrl: string;
  submissionUrl: string;
  log: Logger;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Per request; default 5000. */
  timeoutMs?: number;
}

export interface EntityAccess {
  /** The entity if the caller may see it; NOT_FOUND otherwise; SERVICE_UNAVAILABLE when its subgraph does not answer. */
  requireVisible(
    target: EntityTarget,
    caller: { authorization: string | undefined; requestId: string | null },
  ): Promise<VisibleEntity>;
}

const QUERIES: Record<EntityType, { field: string; query: string; subgraph: string }> = {
  SAMPLE: {
    field: 'sample',
    subgraph: 'samples',
    query: 'query FileEntityAccess($id: ID!) { sample(id: $id) { id owner { id } } }',
  },
  SUBMISSION: {
    field: 'submission',
    subgraph: 'submission',
    query: 'query FileEntityAccess($id: ID!) { submission(id: $id) { id } }',
  },
};

/** Codes meaning "you may not see it" rather than "I could not tell". */
const HIDDEN_CODES = new Set(['NOT_FOUND', 'FORBIDDEN']);

interface Answer {
  data?: Record<string, { id: string; owner?: { id: string } | null } | null> | null;
  errors?: { extensions?: { code?: string } }[];
}

export function createEntityAccess(options: EntityAccessOptions): EntityAccess {
  const doFetch = options.fetch ?? fetch;
  const urls: Record<EntityType, string> = { SAMPLE: options.samplesUrl, SUBMISSION: options.submissionUrl };

  async function ask(target: EntityTarget, headers: Record<string, string>): Promise<Answer> {
    const { query } = QUERIES[target.type];
    const response = await doFetch(urls[target.type], {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables: { id: target.id } }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    const body = (await response.json().catch(() => null)) as Answer | null;
    if (!body || (!body.data && !body.errors))
      throw new Error(`HTTP ${response.status} without a GraphQL answer`);
    return body;
  }

  return {
    async requireVisible(target, caller) {
      const { field, subgraph } = QUERIES[target.type];
      const notFound = () => ERRORS.NOT_FOUND.err(`${field} not found`, { field: `attachTo.${field}Id` });
      if (!isUuid(target.id)) throw notFound();
      const headers: Record<string, string> = {};
      if (caller.authorization) headers.authorization = caller.authorization;
      if (caller.requestId) headers['x-request-id'] = caller.requestId;

      let answer: Answer;
      try {
        answer = await ask(target, headers);
      } catch (error) {
        options.log.warn({ err: error, subgraph }, 'entity access: the owning subgraph did not answer');
        throw ERRORS.SERVICE_UNAVAILABLE.err(
          `the ${subgraph} subgraph cannot be reached to check the ${field}; retry later`,
        );
      }
      const entity = answer.data?.[field];
      if (entity) return { ...target, ownerId: entity.owner?.id ?? null };
      const codes = (answer.errors ?? []).map((e) => e.extensions?.code);
      if (codes.length === 0 || codes.every((code) => code && HIDDEN_CODES.has(code))) throw notFound();
      options.log.warn({ codes, subgraph }, 'entity access: the owning subgraph answered with errors');
      throw ERRORS.SERVICE_UNAVAILABLE.err(
        `the ${subgraph} subgraph could not check the ${field}; retry later`,
      );
    },
  };
}
