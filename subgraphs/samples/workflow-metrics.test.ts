import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { SampleStatus } from '../../generated/prisma/samples/client.ts';
import { createWorkflowMetrics } from './workflow-metrics.ts';

const received = new Date('2026-03-02T09:00:00Z');
const sample = (status: SampleStatus, completedAt: Date | null = null) => ({
  status,
  priority: 'URGENT' as const,
  receivedAt: received,
  completedAt,
});

describe('workflow metrics', () => {
  it('counts moves by resulting status and times reception to completion once per completion', async () => {
    const registry = new Registry();
    const metrics = createWorkflowMetrics();
    metrics.register(registry);
    const done = new Date(received.getTime() + 20 * 3_600_000);
    metrics.moved('advance', sample('ANALYSIS'), sample('COMPLETED', done));
    // Already COMPLETED before (a move that keeps the status): no second turnaround.
    metrics.moved('markDistributed', sample('COMPLETED', done), sample('COMPLETED', done));
    metrics.moved('receive', sample('SUBMITTED'), sample('RECEIVED'));

    const moves = await registry.getSingleMetric('samples_workflow_moves_total')!.get();
    expect(moves.values.map((v) => [v.labels.move, v.labels.status, v.value])).toEqual([
      ['advance', 'COMPLETED', 1],
      ['markDistributed', 'COMPLETED', 1],
      ['receive', 'RECEIVED', 1],
    ]);
    const text = await registry.getSingleMetricAsString('samples_turnaround_seconds');
    expect(text).toContain('samples_turnaround_seconds_count{priority="URGENT"} 1');
    expect(text).toContain(`samples_turnaround_seconds_sum{priority="URGENT"} ${20 * 3600}`);
    // 20 h: inside the 24 h bucket, not the 8 h one.
    expect(text).toContain(`samples_turnaround_seconds_bucket{le="${24 * 3600}",priority="URGENT"} 1`);
    expect(text).toContain(`samples_turnaround_seconds_bucket{le="${8 * 3600}",priority="URGENT"} 0`);
  });
});
