// Every pooled worker's entry (worker-pool.ts starts it): plain JavaScript, so that Node starts it without a
// TypeScript loader, then the worker's TypeScript module (workerData.script) through tsx's scoped loader. Says
// { type: 'ready' } once loaded, then runs one job per message through the module's `runJob` and answers
// { type: 'result', result, reusable } (what runJob resolves to).
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

const loader = register({ namespace: 'worker-pool' });
const { runJob } = await loader.import(workerData.script, import.meta.url);
parentPort.on('message', async (job) => {
  parentPort.postMessage({ type: 'result', ...(await runJob(job)) });
});
parentPort.postMessage({ type: 'ready' });
