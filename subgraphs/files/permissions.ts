// Who may do what in the files subgraph. The router enforces the schema's @requiresScopes/@authenticated first;
// these rules enforce the same again here (a subgraph never trusts its caller). Row-level rules live in
// file-access.ts (who sees a file, who manages it) and entity-access.ts (who may attach to an entity).
//
// File, FileShare and User are reachable only through the fields guarded here or as entity references, whose
// resolvers apply visibility themselves; Sample and Submission are references to other subgraphs' entities.
import { allow, hasScope, isAuthenticated, type PermissionMap } from '../kit/permissions.ts';

const canRead = hasScope('files:read');
const canWrite = hasScope('files:write');

export const permissions: PermissionMap = {
  Query: { file: canRead },
  Mutation: {
    uploadFile: canWrite,
    shareFile: canWrite,
    revokeShare: canWrite,
    deleteFile: canWrite,
  },
  File: allow,
  FileShare: allow,
  User: allow,
  Sample: { id: allow, files: isAuthenticated },
  Submission: { id: allow, files: isAuthenticated },
};
