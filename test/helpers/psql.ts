// Whether psql is installed: the tests that run deploy/postgres/create-databases.sql as an operator would need it.
import { execFileSync } from 'node:child_process';

export function hasPsql(): boolean {
  try {
    execFileSync('psql', ['--version']);
    return true;
  } catch {
    return false;
  }
}
