// Roles -> scopes, in this one place. The access token's `scope` claim is derived here; the router's
// @requiresScopes and the subgraphs' shield rules read it.
//
// | scope               | ADMIN | STAFF | SUBMITTER | VIEWER |
// |---------------------|:-----:|:-----:|:---------:|:------:|
// | users:admin         |   x   |       |           |        |  manage users, roles, passwords
// | samples:read        |   x   |   x   |   x (own) |   x    |  row-level rules narrow SUBMITTER to own samples
// | samples:write       |   x   |   x   |           |        |  edit sample data, assign, notes
// | workflow:advance    |   x   |   x   |           |        |  move samples through stages
// | submissions:read    |   x   |   x   |   x (own) |   x    |
// | submissions:write   |   x   |       |   x       |        |  create and edit one's own submissions
// | submissions:review  |   x   |   x   |           |        |  review and commit submissions
// | files:read          |   x   |   x   |   x (own) |   x    |
// | files:write         |   x   |   x   |   x       |        |  upload (SUBMITTER: to own submissions)
// | audit:read          |   x   |   x   |           |   x    |  VIEWER is the core manager / analyst
// | settings:write      |   x   |       |           |        |
// | ai:read             |   x   |   x   |   x (own) |   x    |  extraction jobs, aiStatus, retrieval; cancel own
// | ai:manage           |   x   |   x   |           |        |  cancel and retry any extraction job
import type { Role } from '../../generated/prisma/auth/client.ts';

export const ROLE_SCOPES: Record<Role, readonly string[]> = {
  ADMIN: [
    'users:admin',
    'samples:read',
    'samples:write',
    'workflow:advance',
    'submissions:read',
    'submissions:write',
    'submissions:review',
    'files:read',
    'files:write',
    'audit:read',
    'settings:write',
    'ai:read',
    'ai:manage',
  ],
  STAFF: [
    'samples:read',
    'samples:write',
    'workflow:advance',
    'submissions:read',
    'submissions:review',
    'files:read',
    'files:write',
    'audit:read',
    'ai:read',
    'ai:manage',
  ],
  SUBMITTER: [
    'samples:read',
    'submissions:read',
    'submissions:write',
    'files:read',
    'files:write',
    'ai:read',
  ],
  VIEWER: ['samples:read', 'submissions:read', 'files:read', 'audit:read', 'ai:read'],
};

/** The union of the roles' scopes, sorted, de-duplicated. */
export function scopesForRoles(roles: readonly Role[]): string[] {
  return [...new Set(roles.flatMap((role) => ROLE_SCOPES[role] ?? []))].sort();
}
