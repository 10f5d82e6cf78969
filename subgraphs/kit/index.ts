// The subgraph kit: what every subgraph needs, written once.
export { ConfigError, env, loadConfig } from './config.ts';
export { MASKED_MESSAGE } from './error-handling.ts';
export {
  badUserInput,
  ERRORS,
  fromPrismaError,
  staleVersion,
  withPrismaErrors,
  type ErrorBuilder,
  type ErrorCode,
} from './errors.ts';
export {
  bearerToken,
  createJwtVerifier,
  hasRole,
  hasScope as identityHasScope,
  type JwtVerifierOptions,
  type VerifyToken,
} from './identity.ts';
export type { Identity } from '../../common/identity.ts';
export { createLogger, type Logger } from './logger.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export {
  diffChanges,
  recordEvent,
  type Changes,
  type JsonValue,
  type OutboxEventInput,
  type OutboxTransaction,
} from './outbox.ts';
export {
  createOutboxRelay,
  type OutboxBatchResult,
  type OutboxRelay,
  type OutboxRelayBackoff,
  type OutboxRelayOptions,
} from './outbox-relay.ts';
export {
  allow,
  and,
  applyPermissions,
  chain,
  denial,
  deny,
  hasAnyRole,
  hasScope,
  isAuthenticated,
  not,
  or,
  rule,
  type PermissionMap,
  type ShieldRule,
} from './permissions.ts';
export { prismaReadiness, runReadiness, type ReadinessCheck } from './readiness.ts';
export { DateTimeScalar } from './scalars.ts';
export {
  createSubgraphServer,
  type KitContext,
  type RunningServer,
  type SubgraphServer,
  type SubgraphServerOptions,
} from './server.ts';
