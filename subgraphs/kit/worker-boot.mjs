// Every pooled worker's entry (worker-pool.ts starts it): plain JavaScript, so that Node starts it without a
// TypeScript loader. It loads the worker's module (workerData.script): compiled JavaScript as it is (the build,
// dist/), TypeScript through tsx's scoped loader (development; tsx is a dev dependency, imported only then). Says
// { type: 'ready' } once loaded, then runs one job per message through the module's `runJob` and answers
// { type: 'result', result, reusable } (what runJob resolves to).
import { parentPort, workerData } from 'node:worker_threads';

async function load(script) {
  if (!script.endsWith('.ts')) return import(script);
  const { register } = await import('tsx/esm/api');
  return register({ namespace: 'worker-pool' }).import(script, import.meta.url);
}

const { runJob } = await load(workerData.script);
parentPort.on('message', async (job) => {
  parentPort.postMessage({ type: 'result', ...(await runJob(job)) });
});
parentPort.postMessage({ type: 'ready' });
