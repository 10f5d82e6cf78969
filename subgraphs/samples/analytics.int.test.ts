// Sample analytics over HTTP against a hand-made data set whose every figure is worked out below.
//
// percentile_cont(p) over n sorted values v[0..n-1] takes the position (n - 1) * p and interpolates linearly
// between the values either side of it: v[i] + (pos - i) * (v[i+1] - v[i]) with i = floor(pos). E.g. the p90 of
// [24, 48, 96, 144, 252] is at 4 * 0.9 = 3.6: 144 + 0.6 * (252 - 144) = 208.8.
//
// The database defaults to Pacific/Kiritimati (UTC+14) on purpose: a week or month taken in a local time zone
// rather than UTC would move samples near a boundary into the wrong week or month. The subgraph pins its own
// sessions to UTC (kit/database.ts) and its SQL names UTC explicitly; both are exercised here.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../../generated/prisma/samples/client.ts';
import { startSamplesHarness, type SamplesHarness } from './testing.ts';

let h: SamplesHarness;
let viewer: Record<string, string>;
const OWNER_A = randomUUID();
const OWNER_B = randomUUID();
const ACTOR = randomUUID();

const MARCH = { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };
const d = (iso: string) => new Date(iso);
const FEB = d('2026-02-15T00:00:00Z');

// Turnaround samples (created in February, so not in March's measurements or lab load). Hours received -> completed.
const T1 = randomUUID(); // A, URGENT, SQK-LSK114: 24 h
const T2 = randomUUID(); // B, URGENT, SQK-LSK114: 48 h
const T3 = randomUUID(); // B, NORMAL, SQK-RBK114.24: 96 h
const T4 = randomUUID(); // A, NORMAL, no kit: 144 h
const T5 = randomUUID(); // B, LOW, SQK-RBK114.24: 252 h (10.5 days), received in February
const X1 = randomUUID(); // completed at `to` exactly: outside March (48 h, in April)
const X2 = randomUUID(); // A, completed 2026-02-28T23:00Z: before March (24 h, February; 1 March in UTC+14)
const X3 = randomUUID(); // completed in March but never received: no turnaround
// Samples created in March: measurements and lab load.
const M1 = randomUUID(); // A, Smith, RECEIVED (received 03-01T12:00Z: a Sunday, so the week of 23 Feb in UTC)
const M2 = randomUUID(); // B, Smith, CANCELLED
const M3 = randomUUID(); // B, Jones, IN_PREP
const M4 = randomUUID(); // A, no lab, FAILED (still open: it may be reprocessed)
const C1 = randomUUID(); // B, Smith, control, ARCHIVED: in the lab load, not in measurements
const M6 = randomUUID(); // created in February
const M7 = randomUUID(); // created at `to` exactly

function sample(id: string, ownerId: string, data: Partial<Prisma.SampleCreateManyInput>) {
  return { id, ownerId, name: `s-${id.slice(0, 8)}`, createdAt: FEB, ...data };
}

const SAMPLES: Prisma.SampleCreateManyInput[] = [
  sample(T1, OWNER_A, {
    priority: 'URGENT',
    libraryKit: 'SQK-LSK114',
    status: 'COMPLETED',
    receivedAt: d('2026-03-02T00:00Z'),
    completedAt: d('2026-03-03T00:00Z'),
  }),
  sample(T2, OWNER_B, {
    priority: 'URGENT',
    libraryKit: 'SQK-LSK114',
    status: 'COMPLETED',
    receivedAt: d('2026-03-02T00:00Z'),
    completedAt: d('2026-03-04T00:00Z'),
  }),
  sample(T3, OWNER_B, {
    priority: 'NORMAL',
    libraryKit: 'SQK-RBK114.24',
    status: 'COMPLETED',
    receivedAt: d('2026-03-09T00:00Z'),
    completedAt: d('2026-03-13T00:00Z'),
  }),
  sample(T4, OWNER_A, {
    priority: 'NORMAL',
    status: 'DISTRIBUTED',
    receivedAt: d('2026-03-10T00:00Z'),
    completedAt: d('2026-03-16T00:00Z'),
  }),
  sample(T5, OWNER_B, {
    priority: 'LOW',
    libraryKit: 'SQK-RBK114.24',
    status: 'COMPLETED',
    receivedAt: d('2026-02-20T00:00Z'),
    completedAt: d('2026-03-02T12:00Z'),
  }),
  sample(X1, OWNER_B, {
    status: 'COMPLETED',
    receivedAt: d('2026-03-30T00:00Z'),
    completedAt: d('2026-04-01T00:00Z'),
  }),
  sample(X2, OWNER_A, {
    status: 'COMPLETED',
    receivedAt: d('2026-02-27T23:00Z'),
    completedAt: d('2026-02-28T23:00Z'),
  }),
  sample(X3, OWNER_B, { status: 'COMPLETED', completedAt: d('2026-03-20T00:00Z') }),
  sample(M1, OWNER_A, {
    createdAt: d('2026-03-01T09:00Z'),
    lab: 'Smith',
    status: 'RECEIVED',
    receivedAt: d('2026-03-01T12:00Z'),
    ...{ volumeUl: 10, qubitNgPerUl: 20, nanodropNgPerUl: 25, a260_280: 1.8, a260_230: 2.0 },
  }),
  sample(M2, OWNER_B, {
    createdAt: d('2026-03-05T00:00Z'),
    lab: 'Smith',
    status: 'CANCELLED',
    ...{ volumeUl: 20, nanodropNgPerUl: 50, a260_280: 1.9 },
  }),
  sample(M3, OWNER_B, {
    createdAt: d('2026-03-06T00:00Z'),
    lab: 'Jones',
    status: 'IN_PREP',
    stage: 'LIBRARY_PREP',
    ...{ volumeUl: 30, qubitNgPerUl: 10, a260_230: 2.2 },
  }),
  sample(M4, OWNER_A, {
    createdAt: d('2026-03-07T00:00Z'),
    status: 'FAILED',
    ...{ a260_280: 2.0, a260_230: 1.6 },
  }),
  sample(C1, OWNER_B, {
    createdAt: d('2026-03-08T00:00Z'),
    lab: 'Smith',
    isControl: true,
    status: 'ARCHIVED',
    ...{ volumeUl: 1000, qubitNgPerUl: 1000, a260_280: 4 },
  }),
  sample(M6, OWNER_B, { createdAt: d('2026-02-28T23:59:59.999Z'), lab: 'Zed', volumeUl: 5000 }),
  sample(M7, OWNER_B, { createdAt: d('2026-04-01T00:00Z'), lab: 'Jones', volumeUl: 5000 }),
];

const HOUR_MS = 3_600_000;
function history(sampleId: string, at: string, data: Partial<Prisma.SampleHistoryCreateManyInput>) {
  return {
    sampleId,
    at: d(at),
    actorId: ACTOR,
    move: 'advance',
    fromStatus: 'IN_PREP',
    toStatus: 'IN_PREP',
    ...data,
  } as const;
}
const left = (
  sampleId: string,
  fromStage: Prisma.SampleHistoryCreateManyInput['fromStage'],
  hours: number,
  at = '2026-03-10T00:00Z',
) => history(sampleId, at, { fromStage, timeInStageMs: hours * HOUR_MS });
const qc = (
  sampleId: string,
  fromStage: Prisma.SampleHistoryCreateManyInput['fromStage'],
  qcResult: 'PASSED' | 'CONDITIONAL' | 'FAILED',
  at = '2026-03-11T00:00Z',
) => history(sampleId, at, { move: 'recordQc', fromStage, toStage: fromStage, qcResult });

const HISTORY: Prisma.SampleHistoryCreateManyInput[] = [
  // Stage times. SAMPLE_QC [1, 2, 3] h; LIBRARY_PREP [4, 6]; LIBRARY_QC [0.5]; SEQUENCING_RUN [48, 72, 120].
  left(T1, 'SAMPLE_QC', 1),
  left(T2, 'SAMPLE_QC', 2),
  left(T3, 'SAMPLE_QC', 3),
  left(T3, 'LIBRARY_PREP', 4),
  left(T4, 'LIBRARY_PREP', 6),
  left(T4, 'LIBRARY_QC', 0.5),
  left(T1, 'SEQUENCING_RUN', 48),
  left(T2, 'SEQUENCING_RUN', 72),
  left(T3, 'SEQUENCING_RUN', 120),
  // Not stage times: before the range, at `to`, no stage left (receive), no time (a QC record).
  left(T2, 'SAMPLE_QC', 100, '2026-02-28T23:59:59.999Z'),
  left(T2, 'LIBRARY_QC', 100, MARCH.to),
  history(T2, '2026-03-02T00:00Z', {
    move: 'receive',
    fromStatus: 'SUBMITTED',
    toStatus: 'RECEIVED',
    timeInStageMs: 9e9,
  }),
  // QC. SAMPLE_QC: 2 passed, 1 conditional, 1 failed; LIBRARY_QC: 1 passed; QUALITY_ASSESSMENT: 1 failed.
  qc(T1, 'SAMPLE_QC', 'PASSED'),
  qc(T2, 'SAMPLE_QC', 'PASSED'),
  qc(T4, 'SAMPLE_QC', 'CONDITIONAL'),
  qc(T3, 'SAMPLE_QC', 'FAILED'),
  qc(T4, 'LIBRARY_QC', 'PASSED'),
  qc(T2, 'QUALITY_ASSESSMENT', 'FAILED'),
  // Not in March's QC: before the range.
  qc(T2, 'LIBRARY_QC', 'FAILED', '2026-02-27T00:00Z'),
];

const RUNS = {
  R1: { format: 'MINION', startedAt: d('2026-03-05T00:00Z'), samples: [T1, T2] },
  R2: { format: 'MINION', createdAt: d('2026-03-10T00:00Z'), samples: [T3] }, // never started: by createdAt
  R3: {
    format: 'PROMETHION',
    createdAt: d('2026-02-10T00:00Z'),
    startedAt: d('2026-03-20T00:00Z'),
    samples: [T4, T5, M3],
  },
  R4: {
    format: 'FLONGLE',
    createdAt: d('2026-02-20T00:00Z'),
    startedAt: d('2026-02-25T00:00Z'),
    samples: [T1],
  },
  R5: { format: 'PROMETHION', createdAt: d('2026-04-02T00:00Z'), samples: [T2] },
  R6: { format: 'FLONGLE', startedAt: d('2026-03-25T00:00Z'), samples: [] },
} as const;

async function seed() {
  const prisma = h.subgraph.prisma;
  await prisma.sample.createMany({ data: SAMPLES });
  await prisma.sampleHistory.createMany({ data: HISTORY });
  for (const [name, { samples, ...run }] of Object.entries(RUNS)) {
    const created = await prisma.run.create({
      data: {
        flowCellId: `FC-${name}`,
        productCode: 'FLO-MIN114',
        kit: 'SQK-NBD114-24',
        experimentId: name,
        createdAt: FEB,
        ...run,
      },
    });
    await prisma.runSample.createMany({
      data: samples.map((sampleId, i) => ({
        runId: created.id,
        sampleId,
        alias: `a${i}`,
        barcode: `barcode0${i + 1}`,
      })),
    });
  }
}

beforeAll(async () => {
  h = await startSamplesHarness();
  viewer = await h.as(['VIEWER']);
  await seed();
  // Set after seeding, then the pool reconnects with the new database default.
  const [row] = await h.sql<{ db: string }>('SELECT current_database() AS db');
  await h.sql(`ALTER DATABASE "${row!.db}" SET timezone TO 'Pacific/Kiritimati'`);
  await h.subgraph.prisma.$disconnect();
});
afterAll(async () => {
  await h?.close();
});

/** Rounds every number to 9 decimals, so interpolated figures compare exactly with the hand-worked ones. */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value * 1e9) / 1e9;
  if (Array.isArray(value)) return value.map(rounded);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  }
  return value;
}

async function analytics(
  fields: string,
  range: { from: string; to: string } = MARCH,
  headers: Record<string, string> = viewer,
) {
  const { body } = await h.gql(
    `query ($from: DateBound!, $to: DateBound!) { sampleAnalytics(from: $from, to: $to) { ${fields} } }`,
    range,
    headers,
  );
  expect(body.errors).toBeUndefined();
  return rounded(body.data.sampleAnalytics) as Record<string, unknown>;
}

const STATS = 'count meanHours p50Hours p90Hours';
const stats = (
  count: number,
  meanHours: number | null,
  p50Hours: number | null,
  p90Hours: number | null,
) => ({
  count,
  meanHours,
  p50Hours,
  p90Hours,
});

it('runs against a non-UTC database (so the UTC assertions below mean something), in UTC sessions', async () => {
  const [database] = await h.sql<{ config: string[] }>(
    `SELECT setconfig AS config FROM pg_db_role_setting
     WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  expect(database!.config).toContain('TimeZone=Pacific/Kiritimati');
  const [own] = await h.subgraph.prisma.$queryRaw<{ tz: string }[]>`SELECT current_setting('TimeZone') AS tz`;
  expect(own!.tz).toBe('UTC');
});

describe('turnaround', () => {
  it('summarises received -> completed of the samples completed in the range', async () => {
    const result = await analytics(`from to turnaroundOverall { ${STATS} }`);
    // [24, 48, 96, 144, 252]: mean 564 / 5 = 112.8; p50 at 4 * 0.5 = 2 -> 96; p90 at 3.6 -> 208.8 (above).
    expect(result).toEqual({ ...MARCH, turnaroundOverall: stats(5, 112.8, 96, 208.8) });
  });

  it('groups by priority in queue order, leaving out priorities with no samples', async () => {
    const result = await analytics(`turnaround(groupBy: PRIORITY) { key stats { ${STATS} } }`);
    expect(result.turnaround).toEqual([
      // [24, 48]: p50 at 0.5 -> 36; p90 at 0.9 -> 24 + 0.9 * 24 = 45.6.
      { key: 'URGENT', stats: stats(2, 36, 36, 45.6) },
      // [96, 144]: p90 -> 96 + 0.9 * 48 = 139.2.
      { key: 'NORMAL', stats: stats(2, 120, 120, 139.2) },
      { key: 'LOW', stats: stats(1, 252, 252, 252) },
    ]);
  });

  it('groups by kit, UNKNOWN for none, sorted by key', async () => {
    const result = await analytics(`turnaround(groupBy: KIT) { key stats { ${STATS} } }`);
    expect(result.turnaround).toEqual([
      { key: 'SQK-LSK114', stats: stats(2, 36, 36, 45.6) },
      // [96, 252]: mean and p50 174; p90 -> 96 + 0.9 * 156 = 236.4.
      { key: 'SQK-RBK114.24', stats: stats(2, 174, 174, 236.4) },
      { key: 'UNKNOWN', stats: stats(1, 144, 144, 144) },
    ]);
  });

  it('groups by UTC month of completion', async () => {
    const range = { from: '2026-02-01T00:00:00.000Z', to: '2026-05-01T00:00:00.000Z' };
    const result = await analytics(`turnaround(groupBy: MONTH) { key stats { count meanHours } }`, range);
    expect(result.turnaround).toEqual([
      { key: '2026-02', stats: { count: 1, meanHours: 24 } }, // X2, completed 2026-02-28T23:00Z
      { key: '2026-03', stats: { count: 5, meanHours: 112.8 } },
      { key: '2026-04', stats: { count: 1, meanHours: 48 } }, // X1
    ]);
  });
});

describe('stage times', () => {
  it('summarises the hours in each stage left in the range, in workflow order, and names the bottleneck', async () => {
    const result = await analytics(`stageTimes { stage stats { ${STATS} } } bottleneckStage`);
    expect(result.stageTimes).toEqual([
      // [1, 2, 3]: p90 at 1.8 -> 2 + 0.8 * 1 = 2.8.
      { stage: 'SAMPLE_QC', stats: stats(3, 2, 2, 2.8) },
      // [4, 6]: p90 at 0.9 -> 4 + 0.9 * 2 = 5.8.
      { stage: 'LIBRARY_PREP', stats: stats(2, 5, 5, 5.8) },
      { stage: 'LIBRARY_QC', stats: stats(1, 0.5, 0.5, 0.5) },
      // [48, 72, 120]: mean 80; p90 at 1.8 -> 72 + 0.8 * 48 = 110.4.
      { stage: 'SEQUENCING_RUN', stats: stats(3, 80, 72, 110.4) },
    ]);
    // p50 / nominal: SAMPLE_QC 2 / 1 = 2, LIBRARY_PREP 5 / 4 = 1.25, LIBRARY_QC 0.5, SEQUENCING_RUN 72 / 48 = 1.5:
    // the longest stage is not the bottleneck.
    expect(result.bottleneckStage).toBe('SAMPLE_QC');
  });
});

describe('weekly throughput', () => {
  it('counts receptions and completions per ISO week, every week of the range zero-filled', async () => {
    const result = await analytics('weeklyThroughput { weekStart received completed }');
    // 1 March 2026 is a Sunday: the range starts in the week of Monday 23 February and ends in that of 30 March.
    expect(result.weeklyThroughput).toEqual([
      { weekStart: '2026-02-23T00:00:00.000Z', received: 1, completed: 0 }, // M1 (X2's February reception left out)
      { weekStart: '2026-03-02T00:00:00.000Z', received: 2, completed: 3 }, // T1 T2 | T1 T2 T5
      { weekStart: '2026-03-09T00:00:00.000Z', received: 2, completed: 1 }, // T3 T4 | T3
      { weekStart: '2026-03-16T00:00:00.000Z', received: 0, completed: 2 }, // T4 X3
      { weekStart: '2026-03-23T00:00:00.000Z', received: 0, completed: 0 },
      { weekStart: '2026-03-30T00:00:00.000Z', received: 1, completed: 0 }, // X1 (its completion is at `to`)
    ]);
  });

  it('ends with the week holding the last instant before `to`', async () => {
    const range = { from: '2026-03-02T00:00:00.000Z', to: '2026-03-16T00:00:00.000Z' };
    const result = await analytics('weeklyThroughput { weekStart }', range);
    expect(result.weeklyThroughput).toEqual([
      { weekStart: '2026-03-02T00:00:00.000Z' },
      { weekStart: '2026-03-09T00:00:00.000Z' },
    ]);
  });
});

describe('QC pass rates', () => {
  it('counts the QC records made in the range per QC stage', async () => {
    const result = await analytics('qcPassRates { stage recorded passed conditional failed passRate }');
    expect(result.qcPassRates).toEqual([
      // (2 passed + 1 conditional) / 4.
      { stage: 'SAMPLE_QC', recorded: 4, passed: 2, conditional: 1, failed: 1, passRate: 0.75 },
      { stage: 'LIBRARY_QC', recorded: 1, passed: 1, conditional: 0, failed: 0, passRate: 1 },
      { stage: 'QUALITY_ASSESSMENT', recorded: 1, passed: 0, conditional: 0, failed: 1, passRate: 0 },
    ]);
  });
});

describe('measurements', () => {
  it('gives the distribution of each measure over the non-control samples created in the range', async () => {
    const result = await analytics('measurements { measure count min p10 p50 p90 max mean }');
    const dist = (measure: string, count: number, values: number[]) => {
      const [min, p10, p50, p90, max, mean] = values;
      return { measure, count, min, p10, p50, p90, max, mean };
    };
    // M1..M4 only: C1 is a control, M6 and M7 were created outside the range.
    expect(result.measurements).toEqual([
      // [10, 20, 30]: p10 at 0.2 -> 12; p90 at 1.8 -> 28.
      dist('VOLUME_UL', 3, [10, 12, 20, 28, 30, 20]),
      // [10, 20]: p10 at 0.1 -> 11; p90 at 0.9 -> 19.
      dist('QUBIT_NG_PER_UL', 2, [10, 11, 15, 19, 20, 15]),
      // [25, 50]: p10 -> 27.5; p90 -> 47.5.
      dist('NANODROP_NG_PER_UL', 2, [25, 27.5, 37.5, 47.5, 50, 37.5]),
      // Qubit else Nanodrop: M1 20, M2 50, M3 10 -> [10, 20, 50]: p10 -> 12; p90 -> 20 + 0.8 * 30 = 44; mean 80 / 3.
      dist('CONCENTRATION_NG_PER_UL', 3, [10, 12, 20, 44, 50, 26.666666667]),
      // x volume: M1 200, M2 1000, M3 300 -> [200, 300, 1000]: p10 -> 220; p90 -> 300 + 0.8 * 700 = 860.
      dist('TOTAL_NG', 3, [200, 220, 300, 860, 1000, 500]),
      // [1.8, 1.9, 2.0]: p10 -> 1.82; p90 -> 1.98.
      dist('A260_280', 3, [1.8, 1.82, 1.9, 1.98, 2, 1.9]),
      // [1.6, 2.0, 2.2]: p10 -> 1.68; p90 -> 2.16; mean 5.8 / 3.
      dist('A260_230', 3, [1.6, 1.68, 2, 2.16, 2.2, 1.933333333]),
    ]);
  });
});

describe('flow cells and lab load', () => {
  it('counts runs started (else created) in the range and the samples on them, by format', async () => {
    const result = await analytics('flowCellsByFormat { format runs samples }');
    expect(result.flowCellsByFormat).toEqual([
      { format: 'MINION', runs: 2, samples: 3 }, // R1 (started), R2 (created)
      { format: 'PROMETHION', runs: 1, samples: 3 }, // R3 (created in February, started in March)
      { format: 'FLONGLE', runs: 1, samples: 0 }, // R6, empty; R4 started in February
    ]);
  });

  it('counts the samples created in the range per lab, busiest first, with the open ones', async () => {
    const result = await analytics('loadByLab { lab samples open }');
    expect(result.loadByLab).toEqual([
      { lab: 'Smith', samples: 3, open: 1 }, // M1 open; M2 cancelled, C1 archived
      { lab: 'Jones', samples: 1, open: 1 }, // M3 (M7 is outside the range)
      { lab: 'UNKNOWN', samples: 1, open: 1 }, // M4, failed
    ]);
  });
});

describe('a range with no data', () => {
  it('has empty groups, counts of 0 with null statistics, and zero-filled weeks', async () => {
    const range = { from: '2030-01-01T00:00:00.000Z', to: '2030-02-01T00:00:00.000Z' };
    const result = await analytics(
      `turnaround(groupBy: KIT) { key } turnaroundOverall { ${STATS} } stageTimes { stage } bottleneckStage
       weeklyThroughput { weekStart received completed } qcPassRates { stage }
       measurements { measure count min p10 p50 p90 max mean } flowCellsByFormat { format } loadByLab { lab }`,
      range,
    );
    const empty = { count: 0, min: null, p10: null, p50: null, p90: null, max: null, mean: null };
    expect(result).toEqual({
      turnaround: [],
      turnaroundOverall: stats(0, null, null, null),
      stageTimes: [],
      bottleneckStage: null,
      // 1 January 2030 is a Tuesday; 31 January a Thursday.
      weeklyThroughput: ['2029-12-31', '2030-01-07', '2030-01-14', '2030-01-21', '2030-01-28'].map((day) => ({
        weekStart: `${day}T00:00:00.000Z`,
        received: 0,
        completed: 0,
      })),
      qcPassRates: [],
      measurements: [
        'VOLUME_UL',
        'QUBIT_NG_PER_UL',
        'NANODROP_NG_PER_UL',
        'CONCENTRATION_NG_PER_UL',
        'TOTAL_NG',
        'A260_280',
        'A260_230',
      ].map((measure) => ({ measure, ...empty })),
      flowCellsByFormat: [],
      loadByLab: [],
    });
  });
});

describe('a SUBMITTER', () => {
  it('gets analytics over their own samples only', async () => {
    const submitter = await h.as(['SUBMITTER'], OWNER_A);
    const result = await analytics(
      `turnaroundOverall { ${STATS} } stageTimes { stage stats { p50Hours } } bottleneckStage
       weeklyThroughput { received completed } qcPassRates { stage recorded passed conditional failed passRate }
       measurements { measure count mean } flowCellsByFormat { format runs samples } loadByLab { lab samples open }`,
      MARCH,
      submitter,
    );
    expect(result).toEqual({
      // T1 24 h, T4 144 h: p90 at 0.9 -> 24 + 0.9 * 120 = 132.
      turnaroundOverall: stats(2, 84, 84, 132),
      stageTimes: [
        { stage: 'SAMPLE_QC', stats: { p50Hours: 1 } },
        { stage: 'LIBRARY_PREP', stats: { p50Hours: 6 } },
        { stage: 'LIBRARY_QC', stats: { p50Hours: 0.5 } },
        { stage: 'SEQUENCING_RUN', stats: { p50Hours: 48 } },
      ],
      // 1 / 1, 6 / 4, 0.5 / 1, 48 / 48: their own bottleneck is LIBRARY_PREP.
      bottleneckStage: 'LIBRARY_PREP',
      weeklyThroughput: [
        { received: 1, completed: 0 }, // M1
        { received: 1, completed: 1 }, // T1
        { received: 1, completed: 0 }, // T4
        { received: 0, completed: 1 }, // T4
        { received: 0, completed: 0 },
        { received: 0, completed: 0 },
      ],
      qcPassRates: [
        { stage: 'SAMPLE_QC', recorded: 2, passed: 1, conditional: 1, failed: 0, passRate: 1 },
        { stage: 'LIBRARY_QC', recorded: 1, passed: 1, conditional: 0, failed: 0, passRate: 1 },
      ],
      // M1 and M4.
      measurements: [
        { measure: 'VOLUME_UL', count: 1, mean: 10 },
        { measure: 'QUBIT_NG_PER_UL', count: 1, mean: 20 },
        { measure: 'NANODROP_NG_PER_UL', count: 1, mean: 25 },
        { measure: 'CONCENTRATION_NG_PER_UL', count: 1, mean: 20 },
        { measure: 'TOTAL_NG', count: 1, mean: 200 },
        { measure: 'A260_280', count: 2, mean: 1.9 },
        { measure: 'A260_230', count: 2, mean: 1.8 },
      ],
      // Only the runs carrying their samples (R1: T1; R3: T4), and only their samples on them.
      flowCellsByFormat: [
        { format: 'MINION', runs: 1, samples: 1 },
        { format: 'PROMETHION', runs: 1, samples: 1 },
      ],
      loadByLab: [
        { lab: 'Smith', samples: 1, open: 1 },
        { lab: 'UNKNOWN', samples: 1, open: 1 },
      ],
    });
  });
});

describe('the range', () => {
  const QUERY = `query ($from: DateBound!, $to: DateBound!) { sampleAnalytics(from: $from, to: $to) { from } }`;

  it.each([
    ['empty', '2026-03-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', 'RANGE_ORDER'],
    ['reversed', '2026-03-02T00:00:00.000Z', '2026-03-01T00:00:00.000Z', 'RANGE_ORDER'],
    ['over 5 years', '2021-03-01T00:00:00.000Z', '2026-03-01T00:00:00.001Z', 'RANGE_TOO_LONG'],
  ])('refuses a range %s with BAD_USER_INPUT naming `to`', async (_name, from, to, rule) => {
    const { body } = await h.gql(QUERY, { from, to }, viewer);
    expect(body.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to', rule });
  });

  it('accepts exactly 5 years', async () => {
    const range = { from: '2021-03-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' };
    expect(await analytics('from to', range)).toEqual(range);
  });

  it('takes dates (`to` includes its whole UTC day) and a period up to now', async () => {
    expect(await analytics('from to', { from: '2026-03-01', to: '2026-03-31' })).toEqual(MARCH);
    const RANGE = `query ($from: DateBound, $to: DateBound, $last: Duration) {
      sampleAnalytics(from: $from, to: $to, last: $last) { from to }
    }`;
    const ask = async (variables: Record<string, string>) => (await h.gql(RANGE, variables, viewer)).body;
    h.setNow(new Date('2026-04-01T00:00:00.000Z'));
    try {
      const last = await ask({ last: 'P31D' });
      expect(last.errors).toBeUndefined();
      expect(new Date(last.data.sampleAnalytics.from).getTime()).toBeCloseTo(Date.parse(MARCH.from), -3);
      const week = await ask({ last: 'P2W' });
      expect(Date.parse(week.data.sampleAnalytics.to) - Date.parse(week.data.sampleAnalytics.from)).toBe(
        14 * 86_400_000,
      );
      const hours = await ask({ last: 'PT12H' });
      expect(Date.parse(hours.data.sampleAnalytics.to) - Date.parse(hours.data.sampleAnalytics.from)).toBe(
        12 * 3_600_000,
      );
      // from alone: up to now.
      const since = await ask({ from: '2026-03-15' });
      expect(since.data.sampleAnalytics.from).toBe('2026-03-15T00:00:00.000Z');
      expect(Math.abs(Date.parse(since.data.sampleAnalytics.to) - h.now().getTime())).toBeLessThan(60_000);
      // A date-time stays exact.
      const exact = await ask({ from: '2026-03-01T06:30:00+02:00', to: '2026-03-02T00:00:00Z' });
      expect(exact.data.sampleAnalytics).toEqual({
        from: '2026-03-01T04:30:00.000Z',
        to: '2026-03-02T00:00:00.000Z',
      });
    } finally {
      h.setNow(new Date());
    }
    const refusals: [Record<string, string>, string][] = [
      [{}, 'RANGE_REQUIRED'],
      [{ to: '2026-03-01' }, 'RANGE_REQUIRED'],
      [{ last: 'P30D', from: '2026-03-01' }, 'RANGE_CONFLICT'],
      [{ last: 'P6Y' }, 'PERIOD_TOO_LONG'],
    ];
    for (const [variables, rule] of refusals) {
      expect((await ask(variables)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule });
    }
    for (const bad of <Record<string, string>[]>[
      { from: '2026-13-01' },
      { from: '01/03/2026' },
      { last: 'P' },
      { last: 'PT' },
      { last: 'P1.5D' },
    ]) {
      const body = await ask(bad);
      expect(body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(body.data ?? null).toBeNull();
    }
  });

  it('needs a signed-in caller with samples:read', async () => {
    const { body } = await h.gql(QUERY, MARCH);
    expect(body.errors![0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('cost', () => {
  async function statementsFor(fields: string) {
    const before = await h.queryCount();
    await analytics(fields);
    return (await h.queryCount()) - before;
  }

  it('runs only the aggregates asked for', async () => {
    expect(await statementsFor('from to')).toBe(0);
    expect(await statementsFor('weeklyThroughput { received }')).toBe(1);
    // bottleneckStage is derived from the stage times: one statement for both.
    expect(await statementsFor('stageTimes { stage } bottleneckStage')).toBe(1);
    const all = await statementsFor(
      `turnaround(groupBy: KIT) { key } turnaroundOverall { count } stageTimes { stage } bottleneckStage
       weeklyThroughput { received } qcPassRates { stage } measurements { measure } flowCellsByFormat { format }
       loadByLab { lab }`,
    );
    expect(all).toBe(8);
  });
});

describe('rounding and export files', () => {
  const JANUARY = { from: '2026-01-01', to: '2026-01-31' };

  it('shows hours to 0.1 h, in the fields and in the exported table alike', async () => {
    // 1 h 14 min and 2 h 20 min: 1.2333.. and 2.3333.. hours; mean 1.7833.., p90 at 0.9 -> 2.2233..
    await h.subgraph.prisma.sample.createMany({
      data: [
        sample(randomUUID(), OWNER_A, {
          status: 'COMPLETED',
          receivedAt: d('2026-01-10T00:00Z'),
          completedAt: d('2026-01-10T01:14Z'),
        }),
        sample(randomUUID(), OWNER_B, {
          status: 'COMPLETED',
          receivedAt: d('2026-01-10T00:00Z'),
          completedAt: d('2026-01-10T02:20Z'),
        }),
      ],
    });
    const query = `query ($from: DateBound!, $to: DateBound!) { sampleAnalytics(from: $from, to: $to) {
      turnaroundOverall { ${STATS} }
      csv: exportTable(table: TURNAROUND_OVERALL, format: CSV) { url filename contentType }
      json: exportTable(table: TURNAROUND, groupBy: PRIORITY, format: JSON) { url }
    } }`;
    const { body } = await h.gql(query, JANUARY, viewer);
    expect(body.errors).toBeUndefined();
    const result = body.data.sampleAnalytics;
    expect(result.turnaroundOverall).toEqual(stats(2, 1.8, 1.8, 2.2));
    expect(result.csv.filename).toMatch(/^sample-analytics-turnaround-overall-.*\.csv$/);

    const fetchLink = async (url: string) => {
      const link = new URL(url);
      return fetch(new URL(`${link.pathname}${link.search}`, h.url));
    };
    const csv = await fetchLink(result.csv.url);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await csv.text()).toBe('count,meanHours,p50Hours,p90Hours\r\n2,1.8,1.8,2.2\r\n');
    const json = await (await fetchLink(result.json.url)).json();
    expect(json).toEqual([{ key: 'NORMAL', count: 2, meanHours: 1.8, p50Hours: 1.8, p90Hours: 2.2 }]);

    // A SUBMITTER's table holds only their samples.
    const own = await h.gql(query, JANUARY, await h.as(['SUBMITTER'], OWNER_A));
    expect(own.body.data.sampleAnalytics.turnaroundOverall).toEqual(stats(1, 1.2, 1.2, 1.2));
    const ownCsv = await fetchLink(own.body.data.sampleAnalytics.csv.url);
    expect(await ownCsv.text()).toBe('count,meanHours,p50Hours,p90Hours\r\n1,1.2,1.2,1.2\r\n');
  });
});
