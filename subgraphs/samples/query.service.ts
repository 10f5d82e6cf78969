// Placeholder until this service is written (issue 4, in progress).
import type { SamplesDeps } from './deps.ts';

export function createQueryService(_deps: SamplesDeps) {
  return {};
}

export type QueryService = ReturnType<typeof createQueryService>;
