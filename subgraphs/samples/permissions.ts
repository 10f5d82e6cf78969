// Who may do what in the samples subgraph. The router enforces the schema's @requiresScopes/@authenticated
// first; these rules enforce the same again here (a subgraph never trusts its caller). Row-level rules live in
// the services: a SUBMITTER sees only their own samples (requireCaller's ownerId), and the workflow rules
// (workflow.ts) decide who may make which move, e.g. a SUBMITTER's cancel of their own SUBMITTED sample.
//
// The types below Query and Mutation are reachable only through the fields guarded here, or as entity
// references from other subgraphs, whose own fields carry their protection (as User does in the auth subgraph).
import { allow, hasScope, isAuthenticated, type PermissionMap } from '../kit/permissions.ts';

const canRead = hasScope('samples:read');
const canWrite = hasScope('samples:write');
const canMove = hasScope('workflow:advance');

export const permissions: PermissionMap = {
  Query: {
    sample: canRead,
    sampleByLabId: canRead,
    samples: canRead,
    intakeQueue: canRead,
    myWork: canRead,
    dashboard: canRead,
    sampleAnalytics: canRead,
    exportSamples: canRead,
    project: canRead,
    projects: canRead,
    run: canRead,
    runs: canRead,
  },
  Mutation: {
    createSample: canWrite,
    updateSample: canWrite,
    receiveSamples: canMove,
    recordQc: canMove,
    advanceStage: canMove,
    holdSample: canMove,
    resumeSample: canMove,
    failSample: canMove,
    reprocessSample: canMove,
    cancelSample: isAuthenticated,
    markDistributed: canMove,
    archiveSample: canMove,
    bulkMoveSamples: canMove,
    assignSamples: canWrite,
    setPriority: canWrite,
    addNote: canWrite,
    createProject: canWrite,
    updateProject: canWrite,
    createRun: canMove,
    updateRun: canMove,
    addSamplesToRun: canMove,
    removeSampleFromRun: canMove,
  },
  Submission: { id: allow, samples: canRead },
  Sample: allow,
  SampleEdge: allow,
  SampleConnection: allow,
  PageInfo: allow,
  Measurements: allow,
  SequencingRequest: allow,
  Material: allow,
  QcRecord: allow,
  SampleHistoryEntry: allow,
  SampleNote: allow,
  Project: allow,
  Run: allow,
  RunSample: allow,
  StageCount: allow,
  StatusCount: allow,
  PriorityCount: allow,
  Dashboard: allow,
  WorkGroup: allow,
  DurationStats: allow,
  TurnaroundGroup: allow,
  StageTime: allow,
  WeeklyThroughput: allow,
  QcPassRate: allow,
  MeasurementDistribution: allow,
  FlowCellUsage: allow,
  LabLoad: allow,
  SampleAnalytics: allow,
  SampleExport: allow,
  AnalyticsExport: allow,
  SampleError: allow,
  SampleResult: allow,
  BulkResult: allow,
  User: allow,
};
