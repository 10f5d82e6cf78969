// Placeholder until this service is written (issue 4, in progress).
import type { SamplesDeps } from './deps.ts';

export function createRunService(_deps: SamplesDeps) {
  return {};
}

export type RunService = ReturnType<typeof createRunService>;
