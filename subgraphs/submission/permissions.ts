// Who may do what in the submission subgraph. The router enforces the schema's @requiresScopes/@authenticated
// first; these rules enforce the same again here (a subgraph never trusts its caller). Row-level rules live in
// the services: a SUBMITTER sees only the submissions they imported (requireCaller's ownerId), and only its
// submitter or a reviewer may cancel a submission (decision.ts).
//
// The types below Query and Mutation are reachable only through the fields guarded here, or as entity
// references from other subgraphs, whose resolvers apply the same visibility.
import { allow, hasScope, isAuthenticated, or, type PermissionMap } from '../kit/permissions.ts';

const canRead = hasScope('submissions:read');
const canWrite = hasScope('submissions:write');
const canReview = hasScope('submissions:review');

export const permissions: PermissionMap = {
  Query: {
    submission: canRead,
    submissionByQuoteId: canRead,
    submissions: canRead,
  },
  Mutation: {
    importSubmission: or(canWrite, canReview),
    updateSubmission: canReview,
    updateSubmissionRow: canReview,
    addSubmissionRow: canReview,
    acceptSubmission: canReview,
    rejectSubmission: canReview,
    cancelSubmission: isAuthenticated,
  },
  Submission: allow,
  SubmissionRow: allow,
  SubmissionIssue: allow,
  SubmissionForm: allow,
  SubmissionCosts: allow,
  CostLine: allow,
  Requester: allow,
  Contact: allow,
  FieldProvenance: allow,
  CellProvenance: allow,
  SubmissionConnection: allow,
  SubmissionEdge: allow,
  PageInfo: allow,
  User: allow,
  File: allow,
};
