// A real Chroma server for one test file: the server from node_modules on a free port, its data in a temp
// directory that stop() removes. Start it in beforeAll and stop it in afterAll.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/free-port.ts';
import { startChromaServer } from '../../subgraphs/ai/retrieval/chroma-server.ts';

export interface TestChroma {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** `port` reuses a port (to bring a stopped server back on the same URL); default a free one. */
export async function startTestChroma(
  options: { port?: number; dataDir?: string } = {},
): Promise<TestChroma> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'chroma-test-')));
  const port = options.port ?? (await freePort());
  const server = await startChromaServer({ dataDir, port });
  return {
    url: server.url,
    port,
    dataDir,
    stop: async () => {
      await server.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
