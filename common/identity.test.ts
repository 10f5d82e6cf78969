import { describe, expect, it } from 'vitest';
import { identityFromClaims } from './identity.ts';

describe('identityFromClaims', () => {
  it('reads the user, roles, scopes, session and token id', () => {
    expect(
      identityFromClaims({
        sub: 'u1',
        roles: ['STAFF', 7, 'ADMIN'],
        scope: 'a:read  b:write',
        sid: 's1',
        jti: 't1',
      }),
    ).toEqual({
      userId: 'u1',
      roles: ['STAFF', 'ADMIN'],
      scopes: ['a:read', 'b:write'],
      sessionId: 's1',
      tokenId: 't1',
    });
  });

  it('reads the API key a token was issued for', () => {
    expect(identityFromClaims({ sub: 'u1', sid: 's1', api_key: 'k1' }).apiKeyId).toBe('k1');
    expect(identityFromClaims({ sub: 'u1', sid: 's1', api_key: 7 })).not.toHaveProperty('apiKeyId');
  });

  it('gives no roles, scopes or session for claims of the wrong type', () => {
    expect(identityFromClaims({ sub: 'u1', roles: 'ADMIN', scope: ['a:read'], sid: 5 })).toEqual({
      userId: 'u1',
      roles: [],
      scopes: [],
      sessionId: undefined,
      tokenId: undefined,
    });
  });
});
