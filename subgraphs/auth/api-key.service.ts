// API keys for integrators. An ADMIN creates a key for an owner with some of the owner's scopes and an expiry;
// the key is shown once and only its SHA-256 is stored. The router exchanges a key (POST
// /internal/api-keys/exchange, signed) for an access token like a login's, except: scope = the key's scopes
// (narrowed to what the owner's roles grant now), sid = the key's session, claim api_key = the key's id.
//
// Why SHA-256 and not argon2: a key is 256 random bits, so a stolen hash cannot be brute-forced however fast the
// hash is (slow hashes protect guessable passwords); a fast hash also keeps the exchange cheap for the router.
//
// Keys never touch the login guard: a wrong key is no failed login, and the router limits wrong keys per client
// address itself. Every create, revoke and exchange writes an audit event in its transaction.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ApiKey, Prisma, Role } from '../../generated/prisma/auth/client.ts';
import {
  apiKeyPrefix,
  type ApiKeyRefusal,
  type ExchangeRequest,
  type ExchangeResponse,
} from '../../common/api-key-wire.ts';
import { badUserInput, ERRORS } from '../kit/errors.ts';
import { recordEvent, type OutboxEventInput } from '../kit/outbox.ts';
import { isUuid } from '../kit/uuid.ts';
import type { AuthDeps, EventMeta } from './deps.ts';
import { SERVICE_NAME } from './deps.ts';
import type { RevocationService } from './revocation.service.ts';
import { ROLE_SCOPES, scopesForRoles } from './scopes.ts';

/** Never on a key: a key that manages users could mint more keys and outlive its revocation. */
const SCOPES_NEVER_ON_KEYS = new Set(['users:admin']);
const KNOWN_SCOPES = new Set(Object.values(ROLE_SCOPES).flat());
const MAX_SCOPES = 20;
const MIN_TTL_MS = 60_000;
const DEFAULT_TTL_DAYS = 90;
const MAX_API_KEY_PAGE = 100;
const DAY_MS = 86_400_000;

export interface CreateApiKeyInput {
  name: string;
  ownerId: string;
  scopes: string[];
  expiresAt?: Date | null;
}

export interface ApiKeyPage {
  edges: { cursor: string; node: ApiKey }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new key: npk_<12 hex> (the stored, non-secret prefix) and 32 random bytes. */
function newKey(): { key: string; prefix: string } {
  const prefix = `npk_${randomBytes(6).toString('hex')}`;
  return { key: `${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

const sameHash = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

// Cursors: base64url of "<createdAt ISO>|<id>", the sort key (newest first).
const encodeCursor = (key: ApiKey) =>
  Buffer.from(`${key.createdAt.toISOString()}|${key.id}`, 'utf8').toString('base64url');
function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at = '', id = ''] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || !isUuid(id))
    throw badUserInput('after is not a cursor of this list', { field: 'after', rule: 'CURSOR' });
  return { createdAt, id };
}

export function createApiKeyService(deps: AuthDeps, revocations: RevocationService) {
  const { prisma, config } = deps;

  function event(meta: EventMeta, key: ApiKey, type: string, extra: Partial<OutboxEventInput> = {}) {
    return {
      type,
      entityType: 'ApiKey',
      entityId: key.id,
      // The owner reads the events of keys that act as them.
      ownerId: key.ownerId,
      service: SERVICE_NAME,
      actor: meta.actor,
      requestId: meta.requestId,
      occurredAt: deps.now(),
      ...extra,
    };
  }

  function assertScopes(scopes: string[], ownerRoles: readonly Role[]): string[] {
    const unique = [...new Set(scopes)].sort();
    if (unique.length === 0 || unique.length > MAX_SCOPES)
      throw badUserInput(`a key needs 1 to ${MAX_SCOPES} scopes`, { field: 'scopes', rule: 'SCOPES_COUNT' });
    const unknown = unique.filter((s) => !KNOWN_SCOPES.has(s));
    if (unknown.length)
      throw badUserInput(`unknown scopes: ${unknown.join(', ')}`, {
        field: 'scopes',
        rule: 'SCOPE_UNKNOWN',
        scopes: unknown,
      });
    const forbidden = unique.filter((s) => SCOPES_NEVER_ON_KEYS.has(s));
    if (forbidden.length)
      throw badUserInput(`an API key never carries ${forbidden.join(', ')}`, {
        field: 'scopes',
        rule: 'SCOPE_NOT_FOR_KEYS',
        scopes: forbidden,
      });
    const granted = new Set(scopesForRoles(ownerRoles));
    const beyond = unique.filter((s) => !granted.has(s));
    if (beyond.length)
      throw badUserInput(`the owner's roles do not grant: ${beyond.join(', ')}`, {
        field: 'scopes',
        rule: 'SCOPE_NOT_GRANTED',
        scopes: beyond,
      });
    return unique;
  }

  function assertExpiry(expiresAt: Date | null | undefined, now: Date): Date {
    const maxMs = config.apiKeyMaxTtlDays * DAY_MS;
    if (!expiresAt) return new Date(now.getTime() + Math.min(DEFAULT_TTL_DAYS * DAY_MS, maxMs));
    const ahead = expiresAt.getTime() - now.getTime();
    if (ahead < MIN_TTL_MS || ahead > maxMs)
      throw badUserInput(`expiresAt must be between one minute and ${config.apiKeyMaxTtlDays} days ahead`, {
        field: 'expiresAt',
        rule: 'EXPIRY_RANGE',
      });
    return expiresAt;
  }

  /** Ends the tokens of these keys (their sessions go on the feed) and gives the keys new sessions. */
  async function endSessions(tx: Prisma.TransactionClient, keys: ApiKey[], reason: string) {
    await revocations.record(
      tx,
      keys.map((k) => ({ familyId: k.sessionId, userId: k.ownerId })),
      reason,
    );
    for (const key of keys)
      await tx.apiKey.update({ where: { id: key.id }, data: { sessionId: randomUUID() } });
  }

  const refuse = (refused: ApiKeyRefusal, message: string): ExchangeResponse => ({ refused, message });

  return {
    async create(input: CreateApiKeyInput, meta: EventMeta): Promise<{ apiKey: ApiKey; key: string }> {
      const name = input.name.trim();
      if (!name || name.length > 200)
        throw badUserInput('the name must be 1 to 200 characters', { field: 'name', rule: 'NAME_LENGTH' });
      const owner = isUuid(input.ownerId)
        ? await prisma.user.findUnique({ where: { id: input.ownerId } })
        : null;
      if (!owner) throw ERRORS.NOT_FOUND.err('owner not found', { field: 'ownerId' });
      if (!owner.active)
        throw badUserInput('the owner is deactivated', { field: 'ownerId', rule: 'OWNER_INACTIVE' });
      const scopes = assertScopes(input.scopes, owner.roles);
      const now = deps.now();
      const expiresAt = assertExpiry(input.expiresAt, now);
      const { key, prefix } = newKey();
      const apiKey = await prisma.$transaction(async (tx) => {
        const created = await tx.apiKey.create({
          data: {
            prefix,
            secretHash: hashApiKey(key),
            name,
            scopes,
            ownerId: owner.id,
            createdById: meta.actor?.userId ?? null,
            createdAt: now,
            expiresAt,
          },
        });
        await recordEvent(
          tx,
          event(meta, created, 'api_key.created', {
            changes: {
              name: { from: null, to: name },
              scopes: { from: null, to: scopes },
              ownerId: { from: null, to: owner.id },
              expiresAt: { from: null, to: expiresAt.toISOString() },
            },
            payload: { prefix },
          }),
        );
        return created;
      });
      return { apiKey, key };
    },

    /** Revokes at once (its session goes on the feed). Revoking a revoked key changes nothing. */
    async revoke(id: string, meta: EventMeta): Promise<ApiKey> {
      return prisma.$transaction(async (tx) => {
        const key = isUuid(id) ? await tx.apiKey.findUnique({ where: { id } }) : null;
        if (!key) throw ERRORS.NOT_FOUND.err('API key not found');
        if (key.revokedAt) return key;
        const now = deps.now();
        const revoked = await tx.apiKey.update({
          where: { id },
          data: { revokedAt: now, revokedById: meta.actor?.userId ?? null },
        });
        await revocations.record(tx, [{ familyId: key.sessionId, userId: key.ownerId }], 'API_KEY_REVOKED');
        await recordEvent(
          tx,
          event(meta, revoked, 'api_key.revoked', {
            changes: { revokedAt: { from: null, to: now.toISOString() } },
            payload: { prefix: key.prefix },
          }),
        );
        return revoked;
      });
    },

    async list(args: {
      ownerId?: string | null;
      includeInactive?: boolean | null;
      first: number;
      after?: string | null;
    }): Promise<ApiKeyPage> {
      const { first } = args;
      if (!Number.isInteger(first) || first < 1 || first > MAX_API_KEY_PAGE)
        throw badUserInput(`first must be between 1 and ${MAX_API_KEY_PAGE}`, {
          field: 'first',
          rule: 'PAGE_SIZE',
        });
      if (args.ownerId && !isUuid(args.ownerId))
        return { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 };
      const where: Prisma.ApiKeyWhereInput = {
        ...(args.ownerId ? { ownerId: args.ownerId } : {}),
        ...(args.includeInactive === false ? { revokedAt: null, expiresAt: { gt: deps.now() } } : {}),
      };
      const cursor = args.after ? decodeCursor(args.after) : undefined;
      const page: Prisma.ApiKeyWhereInput = cursor
        ? {
            AND: [
              where,
              {
                OR: [
                  { createdAt: { lt: cursor.createdAt } },
                  { createdAt: cursor.createdAt, id: { lt: cursor.id } },
                ],
              },
            ],
          }
        : where;
      const [rows, totalCount] = await Promise.all([
        prisma.apiKey.findMany({
          where: page,
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          take: first + 1,
        }),
        prisma.apiKey.count({ where }),
      ]);
      const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node), node }));
      return {
        edges,
        pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
        totalCount,
      };
    },

    /**
     * The router's exchange of a key for an access token. One exchange = one audit event `api_key.used` (with the
     * client address) and lastUsedAt/lastUsedAddress updated, in one transaction.
     */
    async exchange(request: ExchangeRequest): Promise<ExchangeResponse> {
      const invalid = () => refuse('API_KEY_INVALID', 'The API key is not valid');
      const prefix = apiKeyPrefix(request.key);
      if (!prefix) return invalid();
      const key = await prisma.apiKey.findUnique({ where: { prefix }, include: { owner: true } });
      if (!key || !sameHash(key.secretHash, hashApiKey(request.key))) return invalid();
      const now = deps.now();
      if (key.revokedAt) return refuse('API_KEY_REVOKED', 'The API key has been revoked');
      if (key.expiresAt <= now) return refuse('API_KEY_EXPIRED', 'The API key has expired');
      if (!key.owner.active) return refuse('API_KEY_OWNER_INACTIVE', "The API key's owner is deactivated");
      // The owner may have lost roles since the key was made: a key never carries more than its owner has now.
      const granted = new Set(scopesForRoles(key.owner.roles));
      const scopes = key.scopes.filter((s) => granted.has(s) && !SCOPES_NEVER_ON_KEYS.has(s));
      const ttlSeconds = Math.max(
        1,
        Math.min(config.accessTokenTtlSeconds, Math.floor((key.expiresAt.getTime() - now.getTime()) / 1000)),
      );
      const address = request.clientAddress;
      const meta: EventMeta = { actor: { userId: key.ownerId, roles: key.owner.roles }, requestId: null };
      const signed = await deps.keys.sign({
        sub: key.ownerId,
        // The owner's roles: the subgraphs' row rules (a SUBMITTER's own samples) follow the owner, while the
        // scopes (the router's directives, the shield rules) follow the key.
        roles: key.owner.roles,
        scope: scopes.join(' '),
        sid: key.sessionId,
        apiKey: key.id,
        issuer: config.jwtIssuer,
        audience: config.jwtAudience,
        ttlSeconds,
      });
      const used = await prisma.$transaction(async (tx) => {
        // Only while the key is still usable and its session unchanged: a revoke committed meanwhile wins.
        const { count } = await tx.apiKey.updateMany({
          where: { id: key.id, revokedAt: null, sessionId: key.sessionId },
          data: { lastUsedAt: now, lastUsedAddress: address },
        });
        if (count !== 1) return false;
        await recordEvent(
          tx,
          event(meta, key, 'api_key.used', {
            payload: {
              prefix: key.prefix,
              address,
              scopes,
              tokenExpiresAt: signed.expiresAt.toISOString(),
            },
          }),
        );
        return true;
      });
      if (!used) return refuse('API_KEY_REVOKED', 'The API key has been revoked');
      return { accessToken: signed.token, expiresAt: signed.expiresAt.getTime(), keyId: key.id };
    },

    /**
     * The owner's roles changed or the owner was deactivated: the keys' tokens carry the old roles, so they end
     * now (as the owner's own sessions do); later exchanges use the new roles under a new session.
     */
    async endOwnerSessions(tx: Prisma.TransactionClient, ownerId: string, reason: string) {
      const keys = await tx.apiKey.findMany({
        where: { ownerId, revokedAt: null, expiresAt: { gt: deps.now() } },
      });
      await endSessions(tx, keys, reason);
      return keys.length;
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
