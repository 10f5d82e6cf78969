import { describe, expect, test } from 'vitest';
import { signServiceRequest, verifyServiceRequest } from './service-auth.ts';

const secret = 'a'.repeat(40);
const body = JSON.stringify({ events: [{ id: '1' }] });

describe('service request signing', () => {
  test('a signed request verifies and names its service', () => {
    const header = signServiceRequest({ secret, service: 'auth', body });
    expect(verifyServiceRequest({ secret, header, body })).toEqual({ service: 'auth' });
  });

  test.each([
    ['another body', (h: string) => ({ header: h, body: body + ' ' })],
    ['another secret', (h: string) => ({ header: h, body, secret: 'b'.repeat(40) })],
    ['another service name', (h: string) => ({ header: h.replace('service=auth', 'service=files'), body })],
    ['no header', () => ({ header: undefined, body })],
    ['a bearer token', () => ({ header: 'Bearer eyJhbGciOiJFZERTQSJ9.e30.sig', body })],
  ])('%s is refused', (_name, change) => {
    const header = signServiceRequest({ secret, service: 'auth', body });
    const result = verifyServiceRequest({ secret, ...change(header) });
    expect(result).toHaveProperty('error');
  });

  test('an old request is refused (replay)', () => {
    const header = signServiceRequest({ secret, service: 'auth', body, now: Date.now() - 10 * 60_000 });
    expect(verifyServiceRequest({ secret, header, body })).toEqual({
      error: 'the request timestamp is too far from now',
    });
  });
});
