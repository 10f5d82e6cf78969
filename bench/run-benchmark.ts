// How every benchmark script runs: main, then its cleanups in reverse order, also after a failure or a signal;
// the signal and the normal end wait for the same cleanup, and a cleanup step that hangs cannot hang the run.

/** Undone in reverse order at the end. */
export const cleanups: Array<{ what: string; run: () => Promise<void> }> = [];
let cleaning: Promise<void> | undefined;

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const { what, run } of cleanups.splice(0).reverse()) {
      try {
        await run();
      } catch (error) {
        console.error(`cleanup: ${what} failed:`, error);
      }
    }
  })();
  return cleaning;
}

/** Runs `main` (true = every check passed) and exits: 0 on success, 1 on failure, 130 on a signal. */
export async function runBenchmark(main: () => Promise<boolean>): Promise<never> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`bench: ${signal}, cleaning up`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
  let ok = false;
  try {
    ok = await main();
  } catch (error) {
    console.error('bench failed:', error);
  } finally {
    setTimeout(() => {
      console.error('bench: cleanup timed out');
      process.exit(1);
    }, 60_000).unref();
    await cleanUp();
  }
  process.exit(ok ? 0 : 1);
}
