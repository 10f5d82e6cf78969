// The Chroma server from node_modules (the chromadb package's `chroma` CLI, a Rust server in a native binding) as
// a child process: `npm start` runs it under ./.data/chroma when CHROMA_URL is unset, and each retrieval test file
// runs one in a temp directory. Nothing is downloaded; telemetry is switched off.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChromaServerOptions {
  /** Where Chroma keeps its data (chroma.sqlite3 and the indexes); created when missing, reused after. */
  dataDir: string;
  port: number;
  /** @default 127.0.0.1 */
  host?: string;
  /** Chroma's own output, line by line (its banner left out). */
  log?: (line: string) => void;
  /** How long to wait for the first heartbeat. @default 20_000 */
  startTimeoutMs?: number;
}

export interface RunningChroma {
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  /** The child's process id. */
  pid: number;
  stop(): Promise<void>;
}

/** The CLI beside the client's ESM entry point (the package exports no path to it). */
function chromaCliPath(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.resolve('chromadb'))), 'cli.mjs');
}

/** Rejects with a clear message when something already listens on the port (its heartbeat would fool us). */
export async function assertPortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer()
      .once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            error.code === 'EADDRINUSE'
              ? `port ${port} on ${host} is in use: choose another CHROMA_PORT, or point CHROMA_URL at a running Chroma`
              : `cannot listen on ${host}:${port}: ${error.message}`,
          ),
        ),
      )
      .listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Chroma's banner is ANSI-coloured ASCII art; the log keeps the lines with words in them. */
function forwardLines(stream: NodeJS.ReadableStream, log: (line: string) => void, tail: string[]): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const raw of lines) {
      // eslint-disable-next-line no-control-regex
      const line = raw.replace(/\x1b\[[0-9;]*m/g, '').trimEnd();
      if (!/[a-z]{2}/i.test(line)) continue;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      log(line);
    }
  });
}

async function heartbeat(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stops the child: SIGTERM, then SIGKILL if it is still there after 5 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

export async function startChromaServer(options: ChromaServerOptions): Promise<RunningChroma> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  await assertPortFree(host, options.port);
  await mkdir(dataDir, { recursive: true });
  const child = spawn(
    process.execPath,
    [chromaCliPath(), 'run', '--path', dataDir, '--host', host, '--port', String(options.port)],
    {
      // ANONYMIZED_TELEMETRY is Chroma's documented opt-out; this server also has OpenTelemetry off as long as
      // no config file asks for it.
      env: { ...process.env, ANONYMIZED_TELEMETRY: 'False' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const tail: string[] = [];
  forwardLines(child.stdout!, log, tail);
  forwardLines(child.stderr!, log, tail);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${options.port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  while (!(await heartbeat(url))) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `Chroma exited (${child.exitCode ?? child.signalCode}) before answering:\n${tail.join('\n')}`,
      );
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`Chroma did not answer its heartbeat at ${url} in time:\n${tail.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}
