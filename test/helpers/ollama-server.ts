// A real HTTP server speaking the Ollama protocol, for tests: /api/chat, /api/tags, /api/version, /api/embed and
// /api/embeddings, on a free port. It is the one stand-in the tests allow (no model runs here): each test scripts
// what the "model" answers, through the real `ollama` client over real HTTP. Start it in beforeAll, stop in
// afterAll; reset() between tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** What /api/chat answers to one request. */
export type ChatReply =
  /** A 200 with this message content (a JSON text for `format` requests), after `delayMs` if given. */
  | { content: string; delayMs?: number }
  /** An error status with Ollama's error body ({"error": ...}). */
  | { status: number; error: string };

export interface ChatRequestBody {
  model: string;
  messages: { role: string; content: string }[];
  format?: unknown;
  stream?: boolean;
  options?: Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface TestOllamaOptions {
  /** The models /api/tags lists and /api/chat and /api/embed accept; default ['test-model', 'test-embed']. */
  models?: string[];
  /** An embedding of one text; default a deterministic 8-dimensional vector of its characters. */
  embed?: (text: string) => number[];
}

export interface TestOllama {
  url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** The chat requests received, in order. */
  chatRequests(): ChatRequestBody[];
  /** Queues answers for the next chat requests, in order; a request with none queued gets a 500. */
  replyChat(...replies: ChatReply[]): void;
  /** Answers every chat request from its body instead (used when nothing is queued). */
  onChat(answer: (request: ChatRequestBody) => ChatReply): void;
  /** Makes every endpoint answer this status (e.g. 503), or null for normal service. */
  setDown(status: number | null): void;
  /** Clears the queue, the handler, the record and any setDown. */
  reset(): void;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

function defaultEmbed(text: string): number[] {
  const vector = new Array<number>(8).fill(0);
  for (let i = 0; i < text.length; i++) vector[i % 8]! += text.charCodeAt(i) / 1000;
  return vector.map((x) => x + 0.001);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : null;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export async function startTestOllama(options: TestOllamaOptions = {}): Promise<TestOllama> {
  const models = options.models ?? ['test-model', 'test-embed'];
  const embed = options.embed ?? defaultEmbed;
  const requests: RecordedRequest[] = [];
  let queue: ChatReply[] = [];
  let handler: ((request: ChatRequestBody) => ChatReply) | null = null;
  let down: number | null = null;
  const timers = new Set<NodeJS.Timeout>();

  const notFound = (res: ServerResponse, model: unknown) =>
    send(res, 404, { error: `model '${String(model)}' not found, try pulling it first` });

  function chat(res: ServerResponse, body: ChatRequestBody): void {
    if (!models.includes(body.model)) return notFound(res, body.model);
    const reply = queue.shift() ?? handler?.(body) ?? { status: 500, error: 'no scripted reply' };
    if ('status' in reply) return send(res, reply.status, { error: reply.error });
    const answer = {
      model: body.model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: reply.content },
      done: true,
      done_reason: 'stop',
      total_duration: 1,
      load_duration: 1,
      prompt_eval_count: 1,
      prompt_eval_duration: 1,
      eval_count: 1,
      eval_duration: 1,
    };
    // A streaming client reads newline-delimited JSON; one line is a whole (short) stream.
    const write = () => {
      if (body.stream === false || res.destroyed) return send(res, 200, answer);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(`${JSON.stringify(answer)}\n`);
    };
    if (!reply.delayMs) return write();
    const timer = setTimeout(() => {
      timers.delete(timer);
      write();
    }, reply.delayMs);
    timers.add(timer);
    // A client that gave up (its timeout, its abort) is not answered later.
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  }

  function embedAnswer(res: ServerResponse, path: string, body: Record<string, unknown>): void {
    if (!models.includes(String(body.model))) return notFound(res, body.model);
    if (path === '/api/embeddings') return send(res, 200, { embedding: embed(String(body.prompt ?? '')) });
    const input = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    send(res, 200, { model: body.model, embeddings: input.map(embed) });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const body = req.method === 'POST' ? await readBody(req) : null;
    requests.push({ method: req.method ?? 'GET', path, body });
    if (down !== null) return send(res, down, { error: 'server unavailable' });
    if (req.method === 'GET' && path === '/api/version') return send(res, 200, { version: '0.12.0-test' });
    if (req.method === 'GET' && path === '/api/tags')
      return send(res, 200, {
        models: models.map((name) => ({
          name,
          model: name,
          modified_at: '2026-01-01T00:00:00Z',
          size: 1,
          digest: '0'.repeat(64),
          details: { format: 'gguf', family: 'test', parameter_size: '1B', quantization_level: 'Q4_0' },
        })),
      });
    if (req.method === 'POST' && path === '/api/chat') return chat(res, body as ChatRequestBody);
    if (req.method === 'POST' && (path === '/api/embed' || path === '/api/embeddings'))
      return embedAnswer(res, path, (body ?? {}) as Record<string, unknown>);
    send(res, 404, { error: `${req.method} ${path} is not served here` });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 400, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    chatRequests: () => requests.filter((r) => r.path === '/api/chat').map((r) => r.body as ChatRequestBody),
    replyChat: (...replies) => queue.push(...replies),
    onChat: (answer) => (handler = answer),
    setDown: (status) => (down = status),
    reset: () => {
      queue = [];
      handler = null;
      down = null;
      requests.length = 0;
    },
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
