// The revocation feed: every ended session whose access tokens may still be unexpired, for the router and the
// subgraphs to refuse those tokens within seconds (common/session-revocations.ts polls it). A row lives until the
// last access token of its session has expired, plus a margin for clock skew.
import type { Prisma } from '../../generated/prisma/auth/client.ts';
import { REVOCATIONS_PAGE_SIZE, type RevocationPage } from '../../common/session-revocations.ts';
import type { AuthDeps } from './deps.ts';

/** Covers the verifiers' clock tolerance and a replica whose clock runs behind. */
const CLOCK_MARGIN_SECONDS = 60;

export interface EndedSession {
  familyId: string;
  userId: string;
}

export function createRevocationService(deps: Pick<AuthDeps, 'prisma' | 'config' | 'now'>) {
  const { prisma, config } = deps;
  return {
    /** The oldest creation time a session's newest refresh token can have while its access token still works. */
    liveSince(): Date {
      return new Date(deps.now().getTime() - (config.accessTokenTtlSeconds + CLOCK_MARGIN_SECONDS) * 1000);
    },

    /** Publishes ended sessions, in the transaction that ends them. */
    async record(tx: Prisma.TransactionClient, sessions: EndedSession[], reason: string): Promise<void> {
      if (sessions.length === 0) return;
      // One writer at a time: sequence numbers then become visible in order, so a reader paging by sequence
      // never passes a number whose row commits later.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('session_revocation'))`;
      const now = deps.now();
      const expiresAt = new Date(
        now.getTime() + (config.accessTokenTtlSeconds + CLOCK_MARGIN_SECONDS) * 1000,
      );
      await tx.sessionRevocation.deleteMany({ where: { expiresAt: { lte: now } } });
      await tx.sessionRevocation.createMany({
        data: sessions.map((s) => ({
          sessionId: s.familyId,
          userId: s.userId,
          reason,
          revokedAt: now,
          expiresAt,
        })),
      });
    },

    /** The entries after `after` (a sequence number; '0' for all), oldest first. */
    async page(after: string): Promise<RevocationPage> {
      const rows = await prisma.sessionRevocation.findMany({
        where: { sequence: { gt: BigInt(after) }, expiresAt: { gt: deps.now() } },
        orderBy: { sequence: 'asc' },
        take: REVOCATIONS_PAGE_SIZE + 1,
        select: { sequence: true, sessionId: true, expiresAt: true },
      });
      const page = rows.slice(0, REVOCATIONS_PAGE_SIZE);
      return {
        cursor: page.at(-1)?.sequence.toString() ?? after,
        revoked: page.map((r) => ({ sid: r.sessionId, until: r.expiresAt.getTime() })),
        more: rows.length > REVOCATIONS_PAGE_SIZE,
      };
    },
  };
}

export type RevocationService = ReturnType<typeof createRevocationService>;
