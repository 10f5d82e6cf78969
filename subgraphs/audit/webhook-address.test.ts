import { describe, expect, it } from 'vitest';
import type { WebhookAddressError } from './webhook-address.ts';
import {
  isAddressAllowed,
  isPrivateAddress,
  parseAllowedHosts,
  parseWebhookUrl,
  type AddressPolicy,
} from './webhook-address.ts';
import { backoffMs } from './webhook-send.ts';
import { signatureHeader, verifySignature } from './webhook-secret.ts';

const hosts = (text: string) => {
  const parsed = parseAllowedHosts(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.value;
};
const policy = (over: Partial<AddressPolicy> = {}): AddressPolicy => ({
  allowedHosts: hosts(''),
  allowPrivate: false,
  allowHttp: false,
  ...over,
});

describe('isPrivateAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.0.0.5', true],
    ['172.16.3.4', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.100.100.200', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['255.255.255.255', true],
    ['::1', true],
    ['::', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['fd00:ec2::254', true],
    ['fe80::1', true],
    ['ff02::1', true],
    ['93.184.216.34', false],
    ['8.8.8.8', false],
    ['2606:4700:4700::1111', false],
  ])('%s -> %s', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });
});

describe('isAddressAllowed', () => {
  it('allows a private address only when configured, and metadata only when listed', () => {
    expect(isAddressAllowed(policy(), 'x', '10.0.0.1')).toBe(false);
    expect(isAddressAllowed(policy({ allowPrivate: true }), 'x', '10.0.0.1')).toBe(true);
    expect(isAddressAllowed(policy({ allowPrivate: true }), 'x', '169.254.169.254')).toBe(false);
    expect(isAddressAllowed(policy({ allowedHosts: hosts('10.1.0.0/16') }), 'x', '10.1.2.3')).toBe(true);
    expect(isAddressAllowed(policy({ allowedHosts: hosts('10.1.0.0/16') }), 'x', '10.2.0.1')).toBe(false);
    expect(
      isAddressAllowed(policy({ allowedHosts: hosts('hooks.internal') }), 'hooks.internal', '10.2.0.1'),
    ).toBe(true);
    expect(isAddressAllowed(policy(), 'x', '8.8.8.8')).toBe(true);
  });
});

describe('parseAllowedHosts', () => {
  it.each(['10.0.0.0/33', 'exa mple', 'http://x', '1.2.3.4/8/1'])('refuses %s', (entry) => {
    expect(parseAllowedHosts(entry)).toHaveProperty('error');
  });
  it('takes names, addresses and ranges', () => {
    expect(hosts(' Hooks.Internal , 10.0.0.0/8, ::1 ').entries).toEqual([
      'hooks.internal',
      '10.0.0.0/8',
      '::1',
    ]);
  });
});

describe('parseWebhookUrl', () => {
  const rule = (text: string, p = policy()) => {
    try {
      parseWebhookUrl(text, p);
      return 'ok';
    } catch (error) {
      return (error as WebhookAddressError).rule;
    }
  };
  it('needs https unless http is allowed, no credentials, a bounded length', () => {
    expect(rule('https://example.com/hook')).toBe('ok');
    expect(rule('http://example.com/hook')).toBe('URL_SCHEME');
    expect(rule('http://example.com/hook', policy({ allowHttp: true }))).toBe('ok');
    expect(rule('file:///etc/passwd', policy({ allowHttp: true }))).toBe('URL_SCHEME');
    expect(rule('https://u:p@example.com/')).toBe('URL_INVALID');
    expect(rule('/relative')).toBe('URL_INVALID');
    expect(rule(`https://example.com/${'a'.repeat(2048)}`)).toBe('URL_INVALID');
  });
});

describe('signatures and backoff', () => {
  it('verifies its own signature, within the tolerance only', () => {
    const header = signatureHeader('whsec_x', 1_000_000, '{"a":1}');
    expect(verifySignature('whsec_x', header, '{"a":1}', 1_000_100)).toBe(true);
    expect(verifySignature('whsec_x', header, '{"a":1}', 1_000_400)).toBe(false);
    expect(verifySignature('whsec_y', header, '{"a":1}', 1_000_000)).toBe(false);
    expect(verifySignature('whsec_x', 't=1,v1=zz', '{"a":1}', 1)).toBe(false);
  });
  it('doubles the wait up to the maximum, with jitter between half and all of it', () => {
    expect([1, 2, 3, 10].map((n) => backoffMs(n, 1000, 5000, () => 1))).toEqual([1000, 2000, 4000, 5000]);
    expect(backoffMs(2, 1000, 5000, () => 0)).toBe(1000);
  });
});
