// Who may read what in the audit subgraph (and manage webhooks). The router enforces the schema's @authenticated/@requiresScopes
// first; these rules enforce the same again here (a subgraph never trusts its caller). Nothing writes through
// GraphQL: events arrive only through the signed ingestion endpoint (ingest.ts).
//
// - audit:read (ADMIN, STAFF, VIEWER): every event, stats, chain verification, delivery status, exports.
// - Any other signed-in user (a SUBMITTER): auditEvents and <Entity>.auditTrail, narrowed row by row to events
//   of entities they own (owner_id = their user id; see readScope in context.ts). Someone else's trail is empty.
// - Stats and exports: audit:read only. Stats would leak activity outside one's own records, and an export is
//   the inspector's full record.
import { allow, hasScope, isAuthenticated, type PermissionMap } from '../kit/permissions.ts';
import { AUDIT_READ_SCOPE } from './deps.ts';
import { TRAIL_ENTITY_TYPES } from './trail.resolvers.ts';

const canReadAll = hasScope(AUDIT_READ_SCOPE);

export const permissions: PermissionMap = {
  Query: {
    auditEvents: isAuthenticated,
    auditStats: canReadAll,
    verifyAuditChain: canReadAll,
    auditDeliveryStatus: canReadAll,
    exportAuditEvents: canReadAll,
    // Webhooks: any signed-in caller, for their own subscriptions (an ADMIN for all): webhook.service.ts.
    webhookEventTypes: isAuthenticated,
    webhookSubscriptions: isAuthenticated,
    webhookSubscription: isAuthenticated,
  },
  Mutation: {
    createWebhookSubscription: isAuthenticated,
    updateWebhookSubscription: isAuthenticated,
    rotateWebhookSecret: isAuthenticated,
    deleteWebhookSubscription: isAuthenticated,
  },
  ...Object.fromEntries(TRAIL_ENTITY_TYPES.map((type) => [type, { id: allow, auditTrail: isAuthenticated }])),
  // Reachable only through the fields guarded above.
  AuditEvent: allow,
  AuditChange: allow,
  AuditEventEdge: allow,
  AuditEventConnection: allow,
  PageInfo: allow,
  AuditStat: allow,
  AuditExport: allow,
  AuditChainVerification: allow,
  AuditDeliveryStatus: allow,
  WebhookSubscription: allow,
  WebhookSubscriptionWithSecret: allow,
  WebhookSubscriptionEdge: allow,
  WebhookSubscriptionConnection: allow,
  WebhookDelivery: allow,
  WebhookDeliveryAttempt: allow,
  WebhookDeliveryEdge: allow,
  WebhookDeliveryConnection: allow,
};
