// Who may do what in the ai subgraph. The router enforces the schema's @requiresScopes first; these rules enforce
// the same again here (a subgraph never trusts its caller). Row-level rules live in the loaders (a SUBMITTER sees
// their own jobs) and the job service (who may cancel or retry which job).
//
// The types below Query and Mutation are reachable only through the fields guarded here or as entity references,
// whose resolvers apply the same visibility.
import { allow, hasScope, type PermissionMap } from '../kit/permissions.ts';

const canRead = hasScope('ai:read');
const canManage = hasScope('ai:manage');

export const permissions: PermissionMap = {
  Query: {
    extractionJob: canRead,
    extractionJobs: canRead,
    aiStatus: canRead,
    similarSubmissions: canRead,
    suggestVocabulary: canRead,
  },
  Mutation: {
    // A SUBMITTER may cancel their own job: the row rule is in the job service.
    cancelExtractionJob: canRead,
    retryExtractionJob: canManage,
  },
  Submission: { id: allow, extraction: canRead },
  File: { id: allow, extraction: canRead },
  ExtractionJob: allow,
  ExtractionProgress: allow,
  ExtractionJobConnection: allow,
  ExtractionJobEdge: allow,
  PageInfo: allow,
  AiStatus: allow,
  OcrStatus: allow,
  LlmStatus: allow,
  EmbeddingStatus: allow,
  VectorStoreStatus: allow,
  VectorCollection: allow,
  QueueStatus: allow,
  SimilarSubmission: allow,
  VocabularySuggestion: allow,
};
