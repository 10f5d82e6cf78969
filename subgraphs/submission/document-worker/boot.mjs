// The document worker's entry (pool.ts starts it): plain JavaScript, so that Node starts it without a TypeScript
// loader, then the readers' TypeScript through tsx's scoped loader. Says { type: 'ready' } once loaded, then reads
// one document per message and answers { type: 'result', result, reusable } (what readDocument resolves to).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

// pdf2json logs parse errors and warnings with console.*; they are reported through the result instead. (Piping
// the worker's stdout to the main thread would keep the process alive for as long as the idle worker lives.)
// eslint-disable-next-line no-console -- silencing, not logging
for (const method of ['log', 'info', 'warn', 'error', 'debug']) console[method] = () => {};

const loader = register({ namespace: 'document-worker' });
const { readDocument } = await loader.import('./worker.ts', import.meta.url);
parentPort.on('message', async (job) => {
  parentPort.postMessage({ type: 'result', ...(await readDocument(job)) });
});
parentPort.postMessage({ type: 'ready' });
