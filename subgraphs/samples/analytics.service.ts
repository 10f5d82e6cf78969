// Placeholder until this service is written (issue 4, in progress).
import type { SamplesDeps } from './deps.ts';

export function createAnalyticsService(_deps: SamplesDeps) {
  return {};
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
