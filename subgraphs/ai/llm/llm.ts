// The ai subgraph's LLM over Ollama (the `ollama` client, JSON answers held to a schema through `format`): a
// free-form document into a submission draft, and free-text comments into notes. Whatever the model answers is
// validated (one retry with the validation error, then LLM_INVALID_OUTPUT) and grounded in the document's text
// (grounding.ts): a value the document does not contain is never passed on as a confident one.
import { Ollama, type Message } from 'ollama';
import type { z } from 'zod';
import type { ExtractionResult } from '../../kit/extraction-wire.ts';
import type { Logger } from '../../kit/logger.ts';
import { DEFAULT_TEXT_LIMITS, documentText, TextPool, type TextLimits } from './document-text.ts';
import { flattenDraft, llmDraftJsonSchema, llmDraftSchema } from './draft-schema.ts';
import { LlmError } from './errors.ts';
import {
  groundValues,
  NOT_IN_SOURCE_CONFIDENCE,
  GROUNDED_CONFIDENCE,
  Source,
  type DraftIssue,
} from './grounding.ts';
import { llmNotesJsonSchema, llmNotesSchema, type StructuredNote } from './notes-schema.ts';
import {
  draftMessages,
  notesMessages,
  NOTES_PROMPT_VERSION,
  PROMPT_VERSION,
  retryMessage,
} from './prompt.ts';
import type { DocumentInput, Llm, LlmStatus } from './types.ts';

export interface LlmOptions {
  /** Ollama, e.g. http://127.0.0.1:11434 (OLLAMA_HOST). Unset: no LLM (createLlm returns null). */
  host: string | undefined;
  /** A chat model Ollama has pulled, e.g. llama3.1:8b (OLLAMA_MODEL). Unset: no LLM. */
  model: string | undefined;
  /** Budget of each chat request, ms (OLLAMA_TIMEOUT_MS). */
  timeoutMs: number;
  log: Logger;
  textLimits?: Partial<TextLimits>;
  /** How long a status answer is reused, ms; default 10000. */
  statusCacheMs?: number;
  /** Budget of the status request, ms; default 2000. */
  statusTimeoutMs?: number;
}

export interface StructuredNotes {
  model: string;
  promptVersion: string;
  notes: StructuredNote[];
  issues: DraftIssue[];
}

export interface LlmService extends Llm {
  /** Free-text comments (at most MAX_COMMENT_CHARS) into notes, each grounded in the comments. */
  structureComments(text: string, signal?: AbortSignal): Promise<StructuredNotes>;
  /** Ends the text worker. */
  close(): void;
}

export const MAX_COMMENT_CHARS = 10_000;
/** Longest answer read from the model: far more than any valid draft of MAX_DRAFT_ROWS rows. */
const MAX_ANSWER_CHARS = 1_000_000;
/** Answer tokens the model may produce (Ollama's num_predict): a long sample list, bounded. */
const MAX_ANSWER_TOKENS = 16_384;
/** The model's context: the prompt, up to maxChars of text, and the answer. */
const CONTEXT_TOKENS = 32_768;

type Draft = Extract<ExtractionResult, { kind: 'DRAFT' }>;

/** The first problem zod found, said in a line (sent back to the model, and into the error). */
function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'the answer'}: ${issue.message}` : 'invalid';
}

function parseAnswer<T>(
  content: string,
  schema: z.ZodType<T>,
): { ok: true; data: T } | { ok: false; error: string } {
  if (content.length > MAX_ANSWER_CHARS) return { ok: false, error: 'the answer is too long' };
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return { ok: false, error: 'the answer is not JSON' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, error: firstProblem(parsed.error) };
}

export function createLlm(options: LlmOptions): LlmService | null {
  const { host, model } = options;
  if (!host || !model) return null;
  const log = options.log.child({ component: 'llm', model });
  const limits: TextLimits = { ...DEFAULT_TEXT_LIMITS, ...options.textLimits };
  let pool: TextPool | null = null;
  const textPool = () => (pool ??= new TextPool(limits));

  /** A client whose every request is bounded by `signal` (the client takes no signal per request). */
  const clientFor = (signal: AbortSignal) =>
    new Ollama({ host, fetch: (input, init) => fetch(input, { ...init, signal }) });

  async function chat(messages: Message[], format: object, signal: AbortSignal): Promise<string> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const started = Date.now();
    try {
      const response = await clientFor(AbortSignal.any([signal, timeout])).chat({
        model: model!,
        messages,
        format,
        stream: false,
        options: { temperature: 0, num_ctx: CONTEXT_TOKENS, num_predict: MAX_ANSWER_TOKENS },
      });
      log.debug({ ms: Date.now() - started }, 'the model answered');
      return typeof response?.message?.content === 'string' ? response.message.content : '';
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted)
        throw new LlmError('LLM_TIMEOUT', `The model did not answer within ${options.timeoutMs} ms.`);
      const status = (error as { status_code?: unknown }).status_code;
      const detail = typeof status === 'number' ? `HTTP ${status}` : 'no connection';
      log.warn({ err: error, status }, 'the Ollama chat request failed');
      throw new LlmError('LLM_UNAVAILABLE', `Ollama did not answer the chat request (${detail}).`);
    }
  }

  /** Asks, validates, and asks once more with the validation error; then gives up. */
  async function ask<T>(
    messages: Message[],
    schema: z.ZodType<T>,
    format: object,
    signal: AbortSignal,
  ): Promise<T> {
    let conversation = messages;
    let problem = '';
    for (let attempt = 1; attempt <= 2; attempt++) {
      const content = await chat(conversation, format, signal);
      const parsed = parseAnswer(content, schema);
      if (parsed.ok) return parsed.data;
      problem = parsed.error;
      log.warn({ attempt, problem }, 'the model answered outside the schema');
      conversation = [
        ...messages,
        { role: 'assistant', content: content.slice(0, 4000) },
        retryMessage(problem),
      ];
    }
    throw new LlmError('LLM_INVALID_OUTPUT', `The model's answer was not a valid draft twice (${problem}).`);
  }

  async function draftFromDocument(input: DocumentInput): Promise<Draft> {
    const { text, truncated } = await documentText(textPool(), input.bytes, input.mediaType, limits);
    input.signal.throwIfAborted();
    const draft = await ask(draftMessages(text), llmDraftSchema, llmDraftJsonSchema, input.signal);
    const { values, issues } = groundValues(flattenDraft(draft), new Source(text));
    if (truncated)
      issues.push({
        path: '',
        code: 'TEXT_TRUNCATED',
        message: `Only the first ${limits.maxChars} characters of the document were read; check the rest by hand.`,
      });
    log.info(
      { values: values.length, notInSource: issues.filter((i) => i.code === 'NOT_IN_SOURCE').length },
      'drafted a document',
    );
    return { kind: 'DRAFT', model: model!, promptVersion: PROMPT_VERSION, values, issues };
  }

  async function structureComments(
    text: string,
    signal = new AbortController().signal,
  ): Promise<StructuredNotes> {
    if (text.length > MAX_COMMENT_CHARS)
      throw new LlmError(
        'UNREADABLE_DOCUMENT',
        `Comments of at most ${MAX_COMMENT_CHARS} characters are read.`,
      );
    if (!/[\p{L}\p{N}]/u.test(text))
      return { model: model!, promptVersion: NOTES_PROMPT_VERSION, notes: [], issues: [] };
    const answer = await ask(notesMessages(text), llmNotesSchema, llmNotesJsonSchema, signal);
    const source = new Source(text);
    const issues: DraftIssue[] = [];
    const notes = answer.notes.map((note, i): StructuredNote => {
      const span = source.find(`notes[${i}].text`, note.text);
      if (!span)
        issues.push({
          path: `notes[${i}].text`,
          code: 'NOT_IN_SOURCE',
          message: 'The model wrote this note in its own words; check it against the comments.',
        });
      return { ...note, confidence: span ? GROUNDED_CONFIDENCE : NOT_IN_SOURCE_CONFIDENCE, source: span };
    });
    return { model: model!, promptVersion: NOTES_PROMPT_VERSION, notes, issues };
  }

  const statusCacheMs = options.statusCacheMs ?? 10_000;
  let cached: { at: number; status: LlmStatus } | null = null;
  async function status(): Promise<LlmStatus> {
    if (cached && Date.now() - cached.at < statusCacheMs) return cached.status;
    let reachable = true;
    try {
      await clientFor(AbortSignal.timeout(options.statusTimeoutMs ?? 2000)).version();
    } catch {
      reachable = false;
    }
    cached = { at: Date.now(), status: { configured: true, reachable, model: model! } };
    return cached.status;
  }

  return {
    model,
    promptVersion: PROMPT_VERSION,
    draftFromDocument,
    structureComments,
    status,
    close: () => pool?.close(),
  };
}
