// Preloaded into the Prisma CLI (node --import). The WASM schema engine leaves a 10 s timer behind after
// `migrate deploy`, so the CLI idles that long after its work is done. Long timers must not keep it alive.
import { createHook } from 'node:async_hooks';

const LONG_TIMER_MS = 5000;
createHook({
  init(_id, type, _trigger, resource) {
    if (type === 'Timeout' && resource._idleTimeout >= LONG_TIMER_MS) resource.unref();
  },
}).enable();
