import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';

/** What RemoteGraphQLDataSource expects back from its fetcher. */
export type FetcherResponse = Awaited<ReturnType<RemoteGraphQLDataSource['fetcher']>>;
type FetcherHeaders = FetcherResponse['headers'];

/** The largest subgraph response the router buffers by default: a larger one fails that fetch. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * How long an idle connection stays in the pool: under Node's default server keep-alive timeout (5 s), so the
 * router drops a connection before the subgraph does instead of racing it with a new request.
 */
const IDLE_SOCKET_MS = 4_000;

interface Target {
  options: RequestOptions;
  send: typeof httpRequest;
}

/** Keep-alive connections to the subgraphs, one pool per origin; the pipeline destroys them when it closes. */
export class SubgraphAgents {
  readonly #targets = new Map<string, Target>();
  readonly #agents = new Map<string, HttpAgent>();

  /** The request options (with the origin's agent) for a subgraph URL; parsed once per URL. */
  target(url: string): Target {
    let target = this.#targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      const https = parsed.protocol === 'https:';
      if (!https && parsed.protocol !== 'http:') throw new Error(`Subgraph URL ${url} is not http(s)`);
      target = {
        options: { ...urlToHttpOptions(parsed), method: 'POST', agent: this.#agentFor(parsed.origin, https) },
        send: https ? httpsRequest : httpRequest,
      };
      this.#targets.set(url, target);
    }
    return target;
  }

  #agentFor(origin: string, https: boolean): HttpAgent {
    let agent = this.#agents.get(origin);
    if (!agent) {
      // lifo: the most recently used connection is the warmest and the least likely to be closed by the peer.
      const options = {
        keepAlive: true,
        maxSockets: 128,
        scheduling: 'lifo' as const,
        timeout: IDLE_SOCKET_MS,
      };
      agent = https ? new HttpsAgent(options) : new HttpAgent(options);
      this.#agents.set(origin, agent);
    }
    return agent;
  }

  destroy(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
    this.#targets.clear();
  }
}

/** A request on its way: its buffered response, and a way to give up on it. */
export interface SentRequest {
  response: Promise<BufferedResponse>;
  cancel(reason: unknown): void;
}

export interface JsonRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  maxResponseBytes: number;
  /** Whether a request that failed on a reused connection before any answer may be sent again (queries). */
  idempotent: boolean;
}

/**
 * POSTs a JSON body over the subgraph's keep-alive pool and buffers the answer, up to `maxResponseBytes`.
 * A redirect is an error: subgraphs never redirect, and following one would send the caller's token elsewhere.
 */
export function sendJsonRequest(agents: SubgraphAgents, request: JsonRequest): SentRequest {
  const { options, send } = agents.target(request.url);
  let cancel: (reason: unknown) => void = () => undefined;
  const response = new Promise<BufferedResponse>((resolve, reject) => {
    const req = send({
      ...options,
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
    });
    let answered = false;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(error);
    };
    cancel = fail;
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The subgraph closed an idle connection as we reused it: nothing reached it, so a query can go again.
      if (!answered && !settled && req.reusedSocket && error.code === 'ECONNRESET' && request.idempotent) {
        settled = true;
        const retry = sendJsonRequest(agents, { ...request, idempotent: false });
        cancel = retry.cancel;
        resolve(retry.response);
        return;
      }
      fail(error);
    });
    req.on('response', (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        fail(new Error(`Subgraph answered ${status} (a redirect, which the router does not follow)`));
        return;
      }
      const tooLarge = () =>
        new Error(`Subgraph response exceeds the router's limit of ${request.maxResponseBytes} bytes`);
      if (Number(res.headers['content-length']) > request.maxResponseBytes) {
        fail(tooLarge());
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxResponseBytes) fail(tooLarge());
        else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(new Error('Subgraph closed the connection before its response ended'));
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        resolve(new BufferedResponse(request.url, status, res.statusMessage ?? '', res.headers, body));
      });
    });
    req.end(request.body);
  });
  return { response, cancel: (reason) => cancel(reason) };
}

/** The subset of a fetch Response that RemoteGraphQLDataSource reads, over a fully buffered body. */
export class BufferedResponse implements FetcherResponse {
  readonly bodyUsed = false;
  readonly redirected = false;
  readonly ok: boolean;
  readonly headers: ResponseHeaders;
  readonly #body: Buffer;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    headers: IncomingHttpHeaders | ResponseHeaders,
    body: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = new ResponseHeaders(headers);
    this.#body = body;
  }

  text(): Promise<string> {
    // fetch drops a UTF-8 byte order mark; JSON.parse would choke on it.
    const bom = this.#body[0] === 0xef && this.#body[1] === 0xbb && this.#body[2] === 0xbf;
    return Promise.resolve(this.#body.toString('utf8', bom ? 3 : 0));
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    const copy = new ArrayBuffer(this.#body.length);
    new Uint8Array(copy).set(this.#body);
    return Promise.resolve(copy);
  }

  /** A response of its own over the same bytes: each reader parses its own copy of the body. */
  clone(): BufferedResponse {
    return new BufferedResponse(this.url, this.status, this.statusText, this.headers, this.#body);
  }
}

/** Fetch-style headers (case-insensitive names) over the headers node:http parsed. */
class ResponseHeaders implements FetcherHeaders {
  readonly #map: Map<string, string>;

  constructor(headers: IncomingHttpHeaders | ResponseHeaders) {
    if (headers instanceof ResponseHeaders) {
      this.#map = new Map(headers.#map);
      return;
    }
    this.#map = new Map();
    for (const [name, value] of Object.entries(headers))
      if (value !== undefined) this.#map.set(name, Array.isArray(value) ? value.join(', ') : value);
  }

  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.#map.set(name.toLowerCase(), value);
  }
  append(name: string, value: string): void {
    const existing = this.get(name);
    this.set(name, existing === null ? value : `${existing}, ${value}`);
  }
  delete(name: string): void {
    this.#map.delete(name.toLowerCase());
  }
  entries(): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
  keys(): IterableIterator<string> {
    return this.#map.keys();
  }
  values(): IterableIterator<string> {
    return this.#map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
}
