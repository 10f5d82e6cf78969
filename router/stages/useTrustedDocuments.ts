import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { Identity } from '../../common/identity.ts';
import { routerError } from '../errors.ts';
import type { RouterStage } from '../stage.ts';
import { MAX_DOCUMENT_ID_LENGTH, type TrustedDocumentManifest } from '../trustedDocuments.ts';

/** off: any document; log: unknown documents run but are logged and counted; enforce: they are refused. */
export const TRUSTED_DOCUMENTS_MODES = ['off', 'log', 'enforce'] as const;
export type TrustedDocumentsMode = (typeof TRUSTED_DOCUMENTS_MODES)[number];
/** Whose requests are held to the manifest: everyone's, or only anonymous callers' and API keys'. */
export const TRUSTED_DOCUMENTS_SCOPES = ['all', 'anonymous-and-api-keys'] as const;
export type TrustedDocumentsScope = (typeof TRUSTED_DOCUMENTS_SCOPES)[number];

export interface TrustedDocumentsOptions {
  /** @default 'off' */
  mode?: TrustedDocumentsMode;
  /** @default 'all' */
  scope?: TrustedDocumentsScope;
  /** The manifest (router/trustedDocuments.ts), required unless the mode is off. */
  manifest?: TrustedDocumentManifest;
}

/** The document a request carries, read exactly where Apollo Server reads it (a POST body, a GET query string). */
interface CarriedDocument {
  query?: string;
  /** extensions.persistedQuery.sha256Hash (Apollo's persisted-query protocol). */
  sha256Hash?: string;
  /** documentId (GraphQL over HTTP's persisted documents). */
  documentId?: string;
  operationName?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const stringOf = (value: unknown) => (typeof value === 'string' ? value : undefined);

function hashOf(extensions: unknown): string | undefined {
  const persisted = isRecord(extensions) ? extensions.persistedQuery : undefined;
  return isRecord(persisted) ? stringOf(persisted.sha256Hash) : undefined;
}

/** A query-string parameter Apollo Server would use: present exactly once. */
function onceIn(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

function readGet(req: Request): { params: URLSearchParams; carried: CarriedDocument } {
  const params = new URLSearchParams(req.url.split('?')[1] ?? '');
  let extensions: unknown;
  try {
    extensions = JSON.parse(onceIn(params, 'extensions') ?? 'null');
  } catch {
    extensions = undefined;
  }
  return {
    params,
    carried: {
      query: onceIn(params, 'query'),
      sha256Hash: hashOf(extensions),
      documentId: onceIn(params, 'documentId'),
      operationName: onceIn(params, 'operationName'),
    },
  };
}

function read(req: Request): CarriedDocument {
  if (req.method === 'GET') return readGet(req).carried;
  const body: unknown = req.body;
  if (!isRecord(body)) return {};
  return {
    query: stringOf(body.query),
    sha256Hash: hashOf(body.extensions),
    documentId: stringOf(body.documentId),
    operationName: stringOf(body.operationName),
  };
}

/** Who a caller is, for the scope, the metric and the log. */
function callerKind(identity: Identity | undefined): 'anonymous' | 'api_key' | 'user' {
  if (!identity) return 'anonymous';
  return identity.apiKeyId !== undefined ? 'api_key' : 'user';
}

/**
 * Trusted documents (persisted documents as a safelist): requests whose operation is not in the manifest of the
 * client operations (graphql-codegen's persisted-documents.json) are logged and counted (`log`) or refused with
 * 403 PERSISTED_QUERY_NOT_IN_LIST (`enforce`), for everyone or only for anonymous callers and API keys (`scope`).
 * It runs right after the JWT stage, which knows the caller, and before anything parses the document: an
 * untrusted document is never parsed by Apollo Server, validated, measured or planned.
 *
 * A document is known by its text (verbatim, or equal up to whitespace, comments and the order of fields,
 * arguments and definitions), by `documentId` (its manifest id, `sha256:<hex>`), or by
 * `extensions.persistedQuery.sha256Hash` alone (Apollo's persisted-query protocol): a request carrying only an id
 * or hash is given the manifest's text, for every caller; an unknown `documentId` is 404 NOT_FOUND (an unknown
 * hash alone is left to Apollo Server's persisted queries unless the caller is held to the manifest). An id or
 * hash sent with a text that is not that document is 400 BAD_REQUEST.
 */
export function useTrustedDocuments(options: TrustedDocumentsOptions & { registry: Registry }): RouterStage {
  const mode = options.mode ?? 'off';
  const scope = options.scope ?? 'all';
  const manifest = options.manifest;
  if (mode === 'off' || !manifest) {
    if (mode !== 'off') throw new Error(`trusted documents mode "${mode}" needs a manifest`);
    return { name: 'trustedDocuments' };
  }
  const untrusted = new Counter({
    name: 'router_untrusted_documents_total',
    help: 'Requests whose document is not in the trusted documents manifest, by action and caller',
    labelNames: ['action', 'caller'],
    registers: [options.registry],
  });

  /** The manifest text a request names by id or hash alone. */
  const named = (carried: CarriedDocument): string | undefined => {
    if (carried.documentId !== undefined)
      return carried.documentId.length <= MAX_DOCUMENT_ID_LENGTH
        ? manifest.byId(carried.documentId)
        : undefined;
    return carried.sha256Hash === undefined ? undefined : manifest.bySha256(carried.sha256Hash.toLowerCase());
  };

  return {
    name: 'trustedDocuments',
    middleware: [
      // Before Apollo Server reads the request: an id or hash alone becomes the manifest's text. (Multipart
      // requests are read by the uploads stage after this; they carry their text.)
      (req, _res, next) => {
        if (req.method === 'GET') {
          const { params, carried } = readGet(req);
          const text = carried.query === undefined ? named(carried) : undefined;
          if (text !== undefined) {
            params.delete('query');
            params.append('query', text);
            req.url = `${req.url.split('?')[0]}?${params.toString()}`;
          }
        } else if (isRecord(req.body) && (req.body.query === undefined || req.body.query === null)) {
          const text = named(read(req));
          if (text !== undefined) req.body.query = text;
        }
        next();
      },
    ],
    context(req, context) {
      const carried = read(req);
      if (carried.query !== undefined && carried.documentId !== undefined) {
        const text = named(carried);
        if (text === undefined || manifest.idOfText(carried.query) !== manifest.idOfText(text))
          throw routerError('BAD_REQUEST', 'documentId does not name the document sent in `query`');
      }
      if (
        carried.query !== undefined &&
        carried.sha256Hash !== undefined &&
        createHash('sha256').update(carried.query).digest('hex') !== carried.sha256Hash.toLowerCase()
      )
        throw routerError(
          'BAD_REQUEST',
          'extensions.persistedQuery.sha256Hash is not the SHA-256 of the document sent in `query`',
        );

      if (carried.query === undefined && carried.documentId !== undefined)
        throw routerError('NOT_FOUND', 'No trusted document has this documentId');

      const caller = callerKind(context.identity);
      if (scope === 'anonymous-and-api-keys' && caller === 'user') return {};
      // Nothing to run: Apollo Server answers BAD_REQUEST itself.
      if (carried.query === undefined && carried.sha256Hash === undefined && carried.documentId === undefined)
        return {};
      // A hash alone was given its text by the middleware unless the manifest does not have it.
      if (carried.query !== undefined && manifest.idOfText(carried.query) !== undefined) return {};

      const action = mode === 'enforce' ? 'refused' : 'logged';
      untrusted.inc({ action, caller });
      // Never the text: documents can hold literals (a password typed into a login mutation).
      context.log.warn(
        {
          stage: 'trustedDocuments',
          action,
          caller,
          operationName: carried.operationName?.slice(0, 100),
          documentSha256:
            carried.query === undefined
              ? undefined
              : createHash('sha256').update(carried.query).digest('hex'),
          documentId: (carried.documentId ?? carried.sha256Hash)?.slice(0, MAX_DOCUMENT_ID_LENGTH),
        },
        'document not in the trusted documents manifest',
      );
      if (mode === 'enforce')
        throw routerError(
          'PERSISTED_QUERY_NOT_IN_LIST',
          carried.query === undefined
            ? 'No trusted document has this extensions.persistedQuery.sha256Hash'
            : 'This operation is not in the trusted documents: send one the client was built with, or its id',
        );
      return {};
    },
  };
}
