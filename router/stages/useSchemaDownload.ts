import { createHash, randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { apiSchemaSdl } from '../../common/api-schema.ts';
import type { Identity } from '../../common/identity.ts';
import { introspectionAllowed, type IntrospectionMode } from '../../common/introspection.ts';
import { errorBody, httpStatusOf, routerError } from '../errors.ts';
import type { RouterStage } from '../stage.ts';

export interface SchemaDownloadOptions {
  /** The introspection rule (ROUTER_INTROSPECTION): who may introspect may download. @default 'authenticated' */
  mode?: IntrospectionMode;
  /**
   * The verified caller of a request, as the JWT stage verifies it for /graphql (undefined: no token); rejects
   * with the GraphQLError a bad token gets there (401, or 503 when tokens cannot be checked).
   */
  identify(req: Request): Promise<Identity | undefined>;
  /** One line per download: status and request id. */
  logger?: Logger;
}

/** Where the API schema is served, beside the GraphQL endpoint. */
export const SCHEMA_DOWNLOAD_PATH = '/graphql/schema.graphql';

const acceptableRequestId = /^[\w.:-]{1,128}$/;

/** If-None-Match (a list of entity tags, weak ones compared weakly, or `*`) names this ETag. */
function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

/** The current supergraph's API schema, printed once per supergraph and only when someone asks for it. */
interface CurrentSchema {
  supergraphSdl: string;
  printed?: { sdl: string; etag: string };
}

/**
 * GET (and HEAD) /graphql/schema.graphql: the API schema of the supergraph the router serves right now (it
 * follows reloads), as SDL (common/api-schema.ts, the SDL `npm run schema` writes), for integrators' own codegen.
 * Introspection describes the same schema, so the same rule applies: under `authenticated` an anonymous caller
 * gets 401 UNAUTHENTICATED, under `off` everyone gets 403 FORBIDDEN. A strong ETag lets clients revalidate
 * (If-None-Match: 304).
 */
export function useSchemaDownload(options: SchemaDownloadOptions): RouterStage {
  const mode = options.mode ?? 'authenticated';
  let current: CurrentSchema | undefined;

  const printed = (schema: CurrentSchema) => {
    if (!schema.printed) {
      const sdl = apiSchemaSdl(schema.supergraphSdl);
      const etag = `"${createHash('sha256').update(sdl).digest('base64url')}"`;
      schema.printed = { sdl, etag };
    }
    return schema.printed;
  };

  const fail = (res: Response, error: GraphQLError) => {
    res.status(httpStatusOf(error)).json(errorBody(error));
  };

  const download = async (req: Request, res: Response) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && acceptableRequestId.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    res.setHeader('vary', 'authorization');
    res.on('finish', () =>
      options.logger?.info(
        { stage: 'schemaDownload', requestId, method: req.method, status: res.statusCode },
        'schema download',
      ),
    );
    if (mode === 'off')
      return fail(
        res,
        routerError('FORBIDDEN', 'Schema download is disabled: introspection is off (ROUTER_INTROSPECTION)'),
      );
    let identity: Identity | undefined;
    try {
      identity = await options.identify(req);
    } catch (error) {
      if (error instanceof GraphQLError) return fail(res, error);
      throw error;
    }
    if (!introspectionAllowed(mode, identity !== undefined))
      return fail(
        res,
        routerError('UNAUTHENTICATED', 'Downloading the schema needs a bearer token, as introspection does'),
      );
    const schema = current;
    if (!schema) return fail(res, routerError('SUPERGRAPH_UNAVAILABLE', 'No supergraph is loaded yet'));
    let body: { sdl: string; etag: string };
    try {
      body = printed(schema);
    } catch (error) {
      options.logger?.error(
        { err: error, stage: 'schemaDownload', requestId },
        'API schema cannot be printed',
      );
      return fail(
        res,
        routerError('INTERNAL_SERVER_ERROR', 'Internal server error', { extensions: { requestId } }),
      );
    }
    res.set({
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': 'inline; filename="schema.graphql"',
      'x-content-type-options': 'nosniff',
      // The answer depends on the caller's token: shared caches keep none, clients revalidate with the ETag.
      'cache-control': 'private, no-cache',
      etag: body.etag,
    });
    // Compared here rather than by Express (req.fresh), which ignores If-None-Match on a request that also says
    // `cache-control: no-cache`, as Node's fetch sends on conditional requests; the origin evaluates it anyway.
    if (matchesEtag(req.get('if-none-match'), body.etag)) return void res.status(304).end();
    res.send(body.sdl);
  };

  return {
    name: 'schemaDownload',
    onSupergraph(metadata) {
      if (current?.supergraphSdl !== metadata.sdl) current = { supergraphSdl: metadata.sdl };
    },
    routes(app) {
      // Express answers HEAD with the GET route (headers only).
      app.get(SCHEMA_DOWNLOAD_PATH, (req, res, next) => void download(req, res).catch(next));
    },
  };
}
