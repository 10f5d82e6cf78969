// Test support for the sample mutation tests (sample-*.int.test.ts): the mutations as documents, a sample driven
// through the workflow by real requests, and the history rows read back over SQL.
import { expect } from 'vitest';
import type { SamplesHarness } from './testing.ts';

/** Scalar fields of Sample only: object fields are another file's resolvers. */
export const SAMPLE_FIELDS =
  'id name labSampleId status stage version priority qcStatus heldFromStatus enteredStageAt receivedAt dueAt completedAt distributedAt';

type Headers = Record<string, string>;

/** field -> its argument definitions; each argument is passed as the variable of the same name. */
const SINGLE_MUTATIONS = {
  createSample: '$input: CreateSampleInput!',
  updateSample: '$id: ID!, $input: UpdateSampleInput!, $version: Int',
  recordQc: '$id: ID!, $result: QcResult!, $note: String, $version: Int',
  advanceStage: '$id: ID!, $toStage: Stage, $reason: String, $version: Int',
  holdSample: '$id: ID!, $reason: String!, $version: Int',
  resumeSample: '$id: ID!, $reason: String, $version: Int',
  failSample: '$id: ID!, $reason: String!, $version: Int',
  reprocessSample: '$id: ID!, $toStage: Stage, $reason: String, $version: Int',
  cancelSample: '$id: ID!, $reason: String!, $version: Int',
  markDistributed: '$id: ID!, $reason: String, $version: Int',
  archiveSample: '$id: ID!, $reason: String, $version: Int',
} as const;
export type SingleMutation = keyof typeof SINGLE_MUTATIONS;

const BULK_MUTATIONS = {
  receiveSamples: '$ids: [ID!]!',
  bulkMoveSamples: '$input: BulkMoveInput!',
  assignSamples: '$ids: [ID!]!, $userId: ID',
  setPriority: '$ids: [ID!]!, $priority: Priority!',
} as const;
export type BulkMutation = keyof typeof BULK_MUTATIONS;

function document(field: string, definitions: string, selection: string): string {
  const args = definitions
    .split(',')
    .map((definition) => definition.trim().split(':')[0]!.slice(1))
    .map((name) => `${name}: $${name}`)
    .join(', ');
  return `mutation (${definitions}) { ${field}(${args}) { ${selection} } }`;
}

export const BULK_SELECTION = `succeeded failed results { id ok sample { ${SAMPLE_FIELDS} } error { code rule message } }`;

export function createSampleClient(h: SamplesHarness) {
  /** The raw response of a single-sample mutation. */
  function send(field: SingleMutation, variables: Record<string, unknown>, headers: Headers) {
    return h.gql(document(field, SINGLE_MUTATIONS[field], SAMPLE_FIELDS), variables, headers);
  }

  /** A single-sample mutation that must succeed: the sample it returns. */
  async function ok(field: SingleMutation, variables: Record<string, unknown>, headers: Headers) {
    const { body } = await send(field, variables, headers);
    expect(body.errors, `${field} ${JSON.stringify(variables)}`).toBeUndefined();
    return body.data[field];
  }

  /** A single-sample mutation that must fail: its first error's extensions. */
  async function refused(field: SingleMutation, variables: Record<string, unknown>, headers: Headers) {
    const { body } = await send(field, variables, headers);
    expect(body.errors, `${field} should be refused`).toBeDefined();
    return body.errors![0].extensions;
  }

  async function bulk(field: BulkMutation, variables: Record<string, unknown>, headers: Headers) {
    const { body } = await h.gql(document(field, BULK_MUTATIONS[field], BULK_SELECTION), variables, headers);
    return body;
  }

  /** A bulk mutation refused as a whole: its first error's extensions. */
  async function bulkRefused(field: BulkMutation, variables: Record<string, unknown>, headers: Headers) {
    const body = await bulk(field, variables, headers);
    expect(body.errors, `${field} should be refused`).toBeDefined();
    return body.errors![0].extensions;
  }

  let counter = 0;
  async function create(headers: Headers, input: Record<string, unknown> = {}) {
    counter += 1;
    return ok('createSample', { input: { name: `S-${Date.now()}-${counter}`, ...input } }, headers);
  }

  /** Drives a sample by single mutations (QC passed where needed) until it is at `target` (a stage or COMPLETED). */
  async function driveTo(id: string, target: string, headers: Headers) {
    for (let step = 0; step < 30; step += 1) {
      const [row] = await h.sql<{ status: string; stage: string | null; qc: Record<string, unknown> }>(
        'select status, stage, qc from sample where id = $1',
        [id],
      );
      if (row!.stage === target || row!.status === target) return;
      if (row!.status === 'SUBMITTED') {
        const body = await bulk('receiveSamples', { ids: [id] }, headers);
        expect(body.data.receiveSamples.succeeded).toBe(1);
      } else if (row!.stage && /QC|QUALITY/.test(row!.stage) && !row!.qc[row!.stage]) {
        await ok('recordQc', { id, result: 'PASSED' }, headers);
      } else {
        await ok('advanceStage', { id }, headers);
      }
    }
    throw new Error(`driveTo: ${id} did not reach ${target}`);
  }

  return { send, ok, refused, bulk, bulkRefused, create, driveTo };
}

export interface HistoryRow {
  move: string;
  from_status: string;
  to_status: string;
  from_stage: string | null;
  to_stage: string | null;
  actor_id: string;
  reason: string | null;
  qc_result: string | null;
  at: Date;
  time_in_stage_ms: number | null;
}

/** The sample's history, in the order it was written (xmin: the writing transaction). */
export function readHistory(h: SamplesHarness, id: string) {
  return h.sql<HistoryRow>(
    `select move, from_status, to_status, from_stage, to_stage, actor_id, reason, qc_result, at, time_in_stage_ms
       from sample_history where sample_id = $1 order by at, xmin::text::bigint`,
    [id],
  );
}

export async function readVersion(h: SamplesHarness, id: string): Promise<number> {
  const [row] = await h.sql<{ version: number }>('select version from sample where id = $1', [id]);
  return row!.version;
}
