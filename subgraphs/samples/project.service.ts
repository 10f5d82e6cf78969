// Placeholder until this service is written (issue 4, in progress).
import type { SamplesDeps } from './deps.ts';

export function createProjectService(_deps: SamplesDeps) {
  return {};
}

export type ProjectService = ReturnType<typeof createProjectService>;
