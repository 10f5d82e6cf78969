import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { readSupergraphMetadata, type SupergraphMetadata } from './supergraphMetadata.ts';

/** Where the supergraph comes from: a file (watched), a URL (polled) or SDL in memory (fixed). */
export type SupergraphSource = { path: string } | { url: string } | { sdl: string };

export interface SupergraphManagerOptions {
  source: SupergraphSource;
  /** Poll interval for a URL source, and retry interval while no supergraph could be loaded. @default 10000 */
  pollIntervalMs?: number;
  /** Quiet time after a file change before reloading. @default 100 */
  debounceMs?: number;
  /** Resolves with the names of unhealthy subgraphs of a candidate supergraph. */
  healthCheck(metadata: SupergraphMetadata): Promise<string[]>;
  logger: Logger;
}

type Update = (supergraphSdl: string) => void;

/** A SupergraphManager for @apollo/gateway that only ever switches to a valid supergraph with healthy subgraphs. */
export function createSupergraphManager(options: SupergraphManagerOptions) {
  const { source, logger } = options;
  const log = logger.child({ stage: 'supergraph' });
  const pollIntervalMs = options.pollIntervalMs ?? 10_000;
  let current: string | undefined;
  let stopped = false;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let changedWhileLoading = false;
  let queue = Promise.resolve();

  const read = async (): Promise<string> => {
    if ('sdl' in source) return source.sdl;
    if ('path' in source) return readFile(source.path, 'utf8');
    const response = await fetch(source.url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`supergraph fetch answered ${response.status}`);
    return response.text();
  };

  /** Reads and checks a candidate; returns it when it should replace the current supergraph. */
  const candidate = async (): Promise<string | undefined> => {
    let sdl: string;
    try {
      sdl = await read();
    } catch (error) {
      log.warn({ err: error }, 'supergraph cannot be read; keeping the current one');
      return undefined;
    }
    if (sdl === current) return undefined;
    let metadata: SupergraphMetadata;
    try {
      metadata = readSupergraphMetadata(sdl);
    } catch (error) {
      log.error({ err: error }, 'supergraph is invalid; keeping the current one');
      return undefined;
    }
    const unhealthy = await options.healthCheck(metadata);
    if (unhealthy.length > 0) {
      log.error({ unhealthy }, 'supergraph subgraphs are not healthy; keeping the current one');
      return undefined;
    }
    return sdl;
  };

  const sleepUntilWoken = () =>
    new Promise<void>((done) => {
      const retry = setTimeout(() => wake?.(), pollIntervalMs);
      wake = () => {
        clearTimeout(retry);
        wake = undefined;
        done();
      };
    });

  const reload = (update: Update) => {
    queue = queue.then(async () => {
      const sdl = await candidate();
      if (!sdl || stopped) return;
      try {
        update(sdl);
        current = sdl;
        log.info('supergraph reloaded');
      } catch (error) {
        log.error({ err: error }, 'gateway refused the new supergraph; keeping the current one');
      }
    });
  };

  const watchSource = (onChange: () => void) => {
    if ('path' in source) {
      const file = resolve(source.path);
      watcher = watch(dirname(file), (_event, name) => {
        if (name !== basename(file)) return;
        clearTimeout(debounce);
        debounce = setTimeout(onChange, options.debounceMs ?? 100);
      });
      watcher.on('error', (error) => log.error({ err: error }, 'supergraph watch failed'));
    }
    if ('url' in source || 'path' in source) {
      // A file is also re-read on this timer: fs.watch can miss events on some filesystems.
      timer = setInterval(onChange, pollIntervalMs);
      timer.unref();
    }
  };

  return {
    async initialize({ update }: { update: Update }) {
      watchSource(() => {
        if (current !== undefined) return reload(update);
        changedWhileLoading = true;
        wake?.();
      });
      while (current === undefined) {
        if (stopped) throw new Error('router closed before a supergraph was loaded');
        changedWhileLoading = false;
        const sdl = await candidate();
        if (sdl) current = sdl;
        else if (!changedWhileLoading) await sleepUntilWoken();
      }
      log.info('supergraph loaded');
      const cleanup = async () => {
        stopped = true;
        watcher?.close();
        clearInterval(timer);
        clearTimeout(debounce);
        await queue;
      };
      return { supergraphSdl: current, cleanup };
    },
    /** Stops watching; also ends a pending initial load. */
    stop() {
      stopped = true;
      watcher?.close();
      clearInterval(timer);
      clearTimeout(debounce);
      wake?.();
    },
  };
}
