// The text the model reads: a PDF's text layer, read in a worker (text-worker.ts, kit/worker-pool.ts: a heap
// limit, a wall-clock limit), or a text/plain document decoded as UTF-8. Both are bounded: the bytes accepted, the
// pages read, the characters kept (the rest is left out, with an issue, rather than overflow the model's context).
import { WorkerPool } from '../../kit/worker-pool.ts';
import { LlmError } from './errors.ts';
import type { TextJob, TextResult } from './text-worker.ts';

export interface TextLimits {
  /** Largest document accepted, in bytes. */
  maxBytes: number;
  maxPages: number;
  /** Characters of text the model is given. */
  maxChars: number;
  /** Wall-clock limit for reading a PDF's text, ms. */
  timeoutMs: number;
  /** Heap limit of the text worker, MB. */
  memoryLimitMb: number;
}

export const DEFAULT_TEXT_LIMITS: TextLimits = {
  maxBytes: 20 * 1024 * 1024,
  maxPages: 50,
  // About 8k tokens: the whole of a sample list, within an 8B model's context next to the prompt and the answer.
  maxChars: 30_000,
  timeoutMs: 20_000,
  memoryLimitMb: 256,
};

export interface DocumentText {
  text: string;
  /** Text was left out past maxChars. */
  truncated: boolean;
}

type TextFailure = 'TEXT_TIMEOUT' | 'TEXT_OUT_OF_MEMORY' | 'TEXT_FAILED';

export class TextPool extends WorkerPool<TextJob, TextResult, TextFailure> {
  constructor(limits: TextLimits) {
    super({
      script: new URL('./text-worker.ts', import.meta.url),
      failureCodes: { timeout: 'TEXT_TIMEOUT', memory: 'TEXT_OUT_OF_MEMORY', crashed: 'TEXT_FAILED' },
      size: 1,
      timeoutMs: limits.timeoutMs,
      memoryLimitMb: limits.memoryLimitMb,
    });
  }
}

function decodePlain(bytes: Uint8Array, maxChars: number): DocumentText {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new LlmError('UNREADABLE_DOCUMENT', 'The text document is not UTF-8 text.');
  }
  return { text: text.slice(0, maxChars), truncated: text.length > maxChars };
}

export async function documentText(
  pool: TextPool,
  bytes: Uint8Array,
  mediaType: string,
  limits: TextLimits,
): Promise<DocumentText> {
  if (bytes.length > limits.maxBytes)
    throw new LlmError(
      'UNREADABLE_DOCUMENT',
      `The document is ${bytes.length} bytes; at most ${limits.maxBytes} are read.`,
    );
  let result: DocumentText;
  if (mediaType === 'text/plain') result = decodePlain(bytes, limits.maxChars);
  else if (mediaType === 'application/pdf') {
    const outcome = await pool.run({ bytes, maxPages: limits.maxPages, maxChars: limits.maxChars });
    if (!outcome.ok) {
      const code = outcome.failure.code === 'TEXT_FAILED' ? 'UNREADABLE_DOCUMENT' : 'TEXT_TIMEOUT';
      throw new LlmError(code, `Reading the PDF's text failed (${outcome.failure.code}).`);
    }
    if (!outcome.result.ok) throw new LlmError('UNREADABLE_DOCUMENT', outcome.result.message);
    result = { text: outcome.result.text, truncated: outcome.result.truncated };
  } else throw new LlmError('UNREADABLE_DOCUMENT', `A ${mediaType} document has no text to draft from.`);
  if (!/[\p{L}\p{N}]/u.test(result.text))
    throw new LlmError(
      'NO_TEXT',
      'The document has no text (a scan without a text layer?): nothing to draft.',
    );
  return result;
}
