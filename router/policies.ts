import type { Identity } from '../common/identity.ts';

/** A named policy for @policy, evaluated by the router from the verified token. */
export type Policy = (identity: Identity) => boolean;

/** The policies the supergraph may name; a name not listed here always denies. */
export const defaultPolicies: Readonly<Record<string, Policy>> = {
  /** Administrators only. */
  admin: (identity) => identity.roles.includes('ADMIN'),
  /** Lab staff (technicians) and administrators. */
  staff: (identity) => identity.roles.includes('STAFF') || identity.roles.includes('ADMIN'),
  /** Anyone allowed to submit sequencing requests, plus staff. */
  submitter: (identity) => ['SUBMITTER', 'STAFF', 'ADMIN'].some((role) => identity.roles.includes(role)),
};
