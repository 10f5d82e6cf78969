// Placeholder until this service is written (issue 4, in progress).
import type { SamplesDeps } from './deps.ts';

export function createSampleService(_deps: SamplesDeps) {
  return {};
}

export type SampleService = ReturnType<typeof createSampleService>;
