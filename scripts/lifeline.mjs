// The lifeline of `npm start` (scripts/start.ts): stops what the supervisor started outside its own process
// (embedded PostgreSQL, Chroma) when the supervisor dies without stopping them, e.g. killed with SIGKILL or by
// the OOM killer, which no handler of its own can catch. Started in its own session (no terminal signal reaches
// it) with a pipe from the supervisor on stdin, which reads lines:
//   watch <pid> <signal>   stop <pid> with <signal> if the supervisor dies
//   unwatch <pid>          the supervisor stopped it itself
//   release                the supervisor is stopping everything itself
// The pipe closes when the supervisor exits, however it exits. Released, the lifeline just exits; otherwise it
// sends each watched process its signal, SIGKILLs what is left after GRACE_MS, and exits.
// Plain JavaScript, run by plain node from a checkout and from dist/ alike.
import { createInterface } from 'node:readline';

const GRACE_MS = 10_000;
/** pid -> signal */
const watched = new Map();
let released = false;

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, pid, name] = line.trim().split(/\s+/);
  if (command === 'watch') watched.set(Number(pid), name);
  else if (command === 'unwatch') watched.delete(Number(pid));
  else if (command === 'release') released = true;
});

process.stdin.on('close', async () => {
  if (released || watched.size === 0) process.exit(0);
  console.error(
    `npm start: the supervisor died; stopping what it started (pids ${[...watched.keys()].join(', ')})`,
  );
  for (const [pid, name] of watched) signal(pid, name);
  const deadline = Date.now() + GRACE_MS;
  while (Date.now() < deadline && [...watched.keys()].some(alive)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const pid of watched.keys()) if (alive(pid)) signal(pid, 'SIGKILL');
  process.exit(0);
});
