// Test support: a small real HTTP server playing the ai subgraph's two endpoints of kit/extraction-wire.ts, with
// real signatures (kit/service-auth.ts) both ways, for the submission subgraph's extraction tests while the ai
// subgraph lives elsewhere. It is a peer over HTTP, not a stand-in for any of this subgraph's code:
//   POST EXTRACTION_COMMANDS_PATH   verifies the relay's signature (only 'submission'), keeps every command
//   GET  resultPath(jobId)          verifies the signature (only 'submission'), answers the result it was given
// and it does what the ai subgraph does towards the submission subgraph: fetch a document (signedGet) and send
// EXTRACTION_FINISHED notices as a signed batch.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AI_SERVICE,
  documentPath,
  EXTRACTION_ENTITY,
  EXTRACTION_FINISHED,
  EXTRACTION_RESULTS_PATH,
  EXTRACTION_COMMANDS_PATH,
  SUBMISSION_SERVICE,
  type ExtractionFinished,
} from '../kit/extraction-wire.ts';
import type { IngestResult, WireEvent } from '../kit/outbox-wire.ts';
import { postSigned, verifyServiceRequest } from '../kit/service-auth.ts';
import { signedGet } from '../kit/signed-get.ts';

export interface AiPeer {
  url: string;
  /** Every command received (first deliveries and redeliveries alike). */
  commands: WireEvent[];
  /** What GET resultPath(jobId) answers: a JSON value, raw text for a broken result, a number for that status. */
  results: Map<string, unknown>;
  /** GET the submission's document as the ai service (or as `service`). */
  fetchDocument(submissionUrl: string, submissionId: string, service?: string): Promise<Response>;
  /** POSTs a signed batch of notices to the submission subgraph; answers its status and body. */
  notify(
    submissionUrl: string,
    events: WireEvent[],
    service?: string,
  ): Promise<{ status: number; body: { results?: IngestResult[]; error?: { code: string } } }>;
  close(): Promise<void>;
}

/** An EXTRACTION_FINISHED notice as the ai subgraph's outbox would send it. */
export function finishedNotice(notice: ExtractionFinished, sequence = 1): WireEvent {
  return {
    id: randomUUID(),
    type: EXTRACTION_FINISHED,
    entityType: EXTRACTION_ENTITY,
    entityId: notice.submissionId,
    ownerId: null,
    actor: { userId: null, roles: [] },
    service: AI_SERVICE,
    requestId: null,
    occurredAt: new Date().toISOString(),
    sequence,
    changes: {},
    payload: notice as unknown as Record<string, unknown>,
  };
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

export async function startAiPeer(secret: string): Promise<AiPeer> {
  const commands: WireEvent[] = [];
  const results = new Map<string, unknown>();
  const resultRoute = /^\/internal\/ai\/extractions\/([0-9a-f-]{36})\/result$/;

  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://peer').pathname;
      if (req.method === 'POST' && path === EXTRACTION_COMMANDS_PATH) {
        const body = await readBody(req);
        const auth = verifyServiceRequest({ secret, header: req.headers.authorization, body });
        if ('error' in auth || auth.service !== SUBMISSION_SERVICE)
          return send(401, { error: { code: 'UNAUTHENTICATED' } });
        const events = (JSON.parse(body) as { events: WireEvent[] }).events;
        const seen = new Set(commands.map((c) => c.id));
        commands.push(...events);
        return send(200, {
          results: events.map((e) => ({ id: e.id, status: seen.has(e.id) ? 'duplicate' : 'stored' })),
        });
      }
      const match = req.method === 'GET' ? resultRoute.exec(path) : null;
      if (match) {
        const auth = verifyServiceRequest({ secret, header: req.headers.authorization, body: `GET ${path}` });
        if ('error' in auth || auth.service !== SUBMISSION_SERVICE)
          return send(401, { error: { code: 'UNAUTHENTICATED' } });
        if (!results.has(match[1]!)) return send(404, { error: { code: 'NOT_FOUND' } });
        const result = results.get(match[1]!);
        if (typeof result === 'number') return send(result, { error: { code: 'UNAVAILABLE' } });
        if (typeof result === 'string')
          return res.writeHead(200, { 'content-type': 'application/json' }).end(result);
        return send(200, result);
      }
      send(404, { error: { code: 'NOT_FOUND' } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    commands,
    results,
    fetchDocument: (submissionUrl, submissionId, service = AI_SERVICE) =>
      signedGet(`${submissionUrl}${documentPath(submissionId)}`, { secret, service, timeoutMs: 10_000 }),
    async notify(submissionUrl, events, service = AI_SERVICE) {
      const response = await postSigned(
        `${submissionUrl}${EXTRACTION_RESULTS_PATH}`,
        JSON.stringify({ events }),
        { secret, service },
      );
      return { status: response.status, body: (await response.json()) as never };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
