// Prometheus metrics of the sample workflow: the lab's throughput (moves, by the status they lead to) and its
// turnaround (reception to completion, by priority: the targets of turnaround.ts). Counted after a move's
// transaction commits, by the process that made it; with several replicas, sum them in PromQL.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Sample } from '../../generated/prisma/samples/client.ts';
import type { MoveType } from './workflow.ts';

const HOUR = 3600;
/** Seconds: around the hour targets (URGENT 24 h, HIGH 48 h) and the business-day ones (NORMAL 5, LOW 10). */
const TURNAROUND_BUCKETS = [4, 8, 24, 48, 72, 120, 168, 240, 336, 504, 720].map((hours) => hours * HOUR);

type MovedSample = Pick<Sample, 'status' | 'priority' | 'receivedAt' | 'completedAt'>;

export interface WorkflowMetrics {
  /** A committed move of one sample from `before` to `after`. */
  moved(move: MoveType, before: Pick<Sample, 'status'>, after: MovedSample): void;
  /** Adds the metrics to the subgraph's registry (which exists only once the server is built). */
  register(registry: Registry): void;
}

export function createWorkflowMetrics(): WorkflowMetrics {
  const moves = new Counter({
    name: 'samples_workflow_moves_total',
    help: 'Workflow moves of samples, by move (receive, advance, fail ...) and the status the sample is in after it.',
    labelNames: ['move', 'status'],
    registers: [],
  });
  const turnaround = new Histogram({
    name: 'samples_turnaround_seconds',
    help: 'Time from reception to completion of samples completed, by priority.',
    labelNames: ['priority'],
    buckets: TURNAROUND_BUCKETS,
    registers: [],
  });
  return {
    moved(move, before, after) {
      moves.inc({ move, status: after.status });
      const completed = after.status === 'COMPLETED' && before.status !== 'COMPLETED';
      if (completed && after.receivedAt && after.completedAt) {
        const seconds = (after.completedAt.getTime() - after.receivedAt.getTime()) / 1000;
        turnaround.observe({ priority: after.priority }, Math.max(0, seconds));
      }
    },
    register(registry) {
      registry.registerMetric(moves);
      registry.registerMetric(turnaround);
    },
  };
}
