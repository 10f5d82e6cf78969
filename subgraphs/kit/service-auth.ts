// Signed service-to-service requests live in common/service-auth.ts, since the router signs them too (its API-key
// exchange with the auth subgraph); the kit's importers keep this path.
export * from '../../common/service-auth.ts';
