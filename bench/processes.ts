// Child processes for the benchmark targets: each server runs in its own node process (TypeScript through
// `node --import tsx`, so the pid is the server itself, not a tsx wrapper) and its memory is read from /proc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A port that was free a moment ago on 127.0.0.1 (for entry points that take a port, not 0). */

export interface Child {
  name: string;
  pid: number;
  /** The last output of the process (stdout and stderr), for error messages and the report. */
  output(): string;
  /** Set once the process has exited. */
  exited(): { code: number | null; signal: string | null } | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();

// Last resort when the bench process dies without cleaning up: never leave a server behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The variables a child should not inherit: router and JWT settings of the caller's own stack. */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(ROUTER_|JWKS_URL$|JWT_|AUTH_|ADMIN_|LOG_LEVEL$|PORT$)/.test(name),
    ),
  );
}

/** Runs `script` (relative to the repository root) with tsx in a fresh node process. */
export function startChild(name: string, script: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...inheritedEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${script}`);
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exit: { code: number | null; signal: string | null } | undefined;
  const gone = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(child);
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    name,
    pid: child.pid,
    output: () => output,
    exited: () => exit,
    stop(graceMs = 5_000) {
      stopping ??= (async () => {
        if (exit) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await gone;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

export interface Memory {
  /** Resident set size now, in KiB (VmRSS). */
  rssKiB: number;
  /** Peak resident set size since the process started, in KiB (VmHWM). */
  peakKiB: number;
}

/** The process and every process it started (a router's ROUTER_WORKERS), from /proc (Linux). */
async function processTree(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const children = text.split(' ').filter(Boolean).map(Number);
  return [pid, ...(await Promise.all(children.map(processTree))).flat()];
}

/** VmRSS and VmHWM of a process and the processes it started, added up, from /proc/<pid>/status (Linux). */
export async function readMemory(pid: number): Promise<Memory> {
  const each = await Promise.all((await processTree(pid)).map(readOwnMemory));
  return {
    rssKiB: each.reduce((sum, m) => sum + m.rssKiB, 0),
    peakKiB: each.reduce((sum, m) => sum + m.peakKiB, 0),
  };
}

async function readOwnMemory(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]);
  };
  return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM') };
}

let clockTicks: number | undefined;

/**
 * CPU time (user + system) a process and the processes it started have used so far, in milliseconds, from
 * /proc/<pid>/stat (Linux). A child that exits while measured takes its time with it: only running ones count.
 */
export async function readCpuMs(pid: number): Promise<number> {
  const each = await Promise.all((await processTree(pid)).map(readOwnCpuMs));
  return each.reduce((sum, ms) => sum + ms, 0);
}

async function readOwnCpuMs(pid: number): Promise<number> {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces), from field 3 (state) on; utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

/** True when GET `url` answers 2xx within 2 s (a server's /ready or /health). */
export async function isReady(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
  return response.ok;
}

/** Polls `check` every `intervalMs` until it returns true; fails early when `child` exits, or after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  child?: Child,
  timeoutMs = 60_000,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const exit = child?.exited();
    if (child && exit) {
      throw new Error(
        `${child.name} exited (code ${exit.code}, signal ${exit.signal}) before ${what}:\n${child.output()}`,
      );
    }
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${what}${detail}${child ? `:\n${child.output()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
