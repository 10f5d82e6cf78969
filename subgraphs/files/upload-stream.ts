// The upload's byte stream, between the multipart parser and the store: read just enough to sniff, then pass
// the rest through a size guard. The parser's file stream is never destroyed by us (busboy would stall the
// request behind a destroyed stream); anything we stop reading is drained instead, so the request completes
// and the client gets its answer.
import { Transform, type Readable } from 'node:stream';
import { badUserInput } from '../kit/errors.ts';

/** Resolves when `source` has data or has ended; rejects when it fails. Leaves no listener behind. */
function readableOrEnd(source: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error | null) => {
      source.off('readable', onReady).off('end', onReady).off('close', onClose).off('error', settle);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => settle();
    const onClose = () => settle(source.errored);
    source.on('readable', onReady).on('end', onReady).on('close', onClose).on('error', settle);
  });
}

/** Reads at least `bytes` bytes from `source` (fewer only if it ends first), leaving the rest unread. */
export async function readHead(source: Readable, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  while (size < bytes) {
    if (source.errored) throw source.errored;
    const chunk = source.read() as Buffer | null;
    if (chunk !== null) {
      chunks.push(chunk);
      size += chunk.length;
    } else if (source.readableEnded || source.destroyed) {
      break;
    } else {
      await readableOrEnd(source);
    }
  }
  return Buffer.concat(chunks, size);
}

export function fileTooLarge(maxBytes: number) {
  return badUserInput(`the file is larger than ${maxBytes} bytes`, {
    field: 'file',
    rule: 'MAX_FILE_SIZE',
    maxBytes,
  });
}

/**
 * The whole content again: `head` (already read) followed by the rest of `source`. Fails with MAX_FILE_SIZE past
 * `maxBytes`, or when the parser truncated the file at its own limit (busboy emits 'limit' and ends the stream
 * early, which would otherwise look like a complete, shorter file). A failure of `source` fails it too.
 */
export function createUploadBody(source: Readable, head: Buffer, maxBytes: number): Readable {
  let size = 0;
  let truncated = false;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      callback(size > maxBytes ? fileTooLarge(maxBytes) : null, chunk);
    },
    flush(callback) {
      const cut = truncated || (source as Readable & { truncated?: boolean }).truncated === true;
      callback(cut ? fileTooLarge(maxBytes) : null);
    },
  });
  source.once('limit', () => {
    truncated = true;
  });
  source.once('error', (error) => guard.destroy(error));
  guard.write(head);
  if (source.readableEnded) guard.end();
  else source.pipe(guard);
  return guard;
}

/** Reads `source` to its end and throws the bytes away, so the rest of the request can be parsed. */
export function drain(source: Readable): void {
  source.on('error', () => {});
  source.unpipe();
  source.resume();
}
