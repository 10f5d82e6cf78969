// A real JWT for a user with these roles (scopes as the auth subgraph derives them), from a test signer.
import { randomUUID } from 'node:crypto';
import type { Role } from '../../generated/prisma/auth/client.ts';
import { scopesForRoles } from '../../subgraphs/auth/scopes.ts';
import type { TestSigner } from '../../subgraphs/kit/testing.ts';

export async function bearerFor(
  signer: TestSigner,
  roles: Role[],
  userId: string = randomUUID(),
): Promise<Record<string, string>> {
  const token = await signer.sign({ userId, roles, scopes: scopesForRoles(roles) });
  return { authorization: `Bearer ${token}` };
}
