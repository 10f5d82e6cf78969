import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { clientAddressOf, parseTrustedProxies } from './useClientAddress.ts';

const request = (peer: string | undefined, forwardedFor?: string) =>
  ({
    socket: { remoteAddress: peer },
    get: (name: string) => (name.toLowerCase() === 'x-forwarded-for' ? forwardedFor : undefined),
  }) as unknown as Request;

describe('parseTrustedProxies', () => {
  it('takes addresses and CIDRs of both families', () => {
    const list = parseTrustedProxies(['10.0.0.0/8', '192.168.1.5', 'fd00::/8', '::1']);
    expect(list.check('10.200.3.4', 'ipv4')).toBe(true);
    expect(list.check('192.168.1.5', 'ipv4')).toBe(true);
    expect(list.check('192.168.1.6', 'ipv4')).toBe(false);
    expect(list.check('fd12::1', 'ipv6')).toBe(true);
    expect(list.check('::1', 'ipv6')).toBe(true);
    expect(list.check('::2', 'ipv6')).toBe(false);
  });

  it('refuses what is not an address or a prefix of its family, naming the entry', () => {
    for (const entry of ['proxy.local', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8x']) {
      expect(() => parseTrustedProxies(['10.0.0.1', entry])).toThrow(
        `"${entry}" is not an IP address or CIDR`,
      );
    }
  });
});

describe('clientAddressOf', () => {
  const trusted = parseTrustedProxies(['10.0.0.0/8']);

  it('is the socket peer when no proxy is trusted or the peer is not one, whatever X-Forwarded-For says', () => {
    expect(clientAddressOf(request('203.0.113.7', '198.51.100.1'), undefined)).toBe('203.0.113.7');
    expect(clientAddressOf(request('203.0.113.7', '198.51.100.1'), trusted)).toBe('203.0.113.7');
    expect(clientAddressOf(request('::ffff:203.0.113.7'), undefined)).toBe('203.0.113.7');
    expect(clientAddressOf(request(undefined), trusted)).toBeUndefined();
  });

  it('behind trusted proxies, is the right-most hop that is not one; what the client wrote is not believed', () => {
    expect(clientAddressOf(request('10.0.0.1', '1.1.1.1, 198.51.100.1, 10.0.0.2'), trusted)).toBe(
      '198.51.100.1',
    );
    // Every hop trusted: the left-most is the closest to the client we know.
    expect(clientAddressOf(request('10.0.0.1', '10.0.0.3, 10.0.0.2'), trusted)).toBe('10.0.0.3');
    expect(clientAddressOf(request('10.0.0.1'), trusted)).toBe('10.0.0.1');
  });

  it('stops at a malformed hop, keeping the last believed one', () => {
    expect(clientAddressOf(request('10.0.0.1', '198.51.100.1, nonsense, 10.0.0.2'), trusted)).toBe(
      '10.0.0.2',
    );
  });
});
