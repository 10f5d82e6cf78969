// Where a webhook may be sent (no SSRF). A URL is checked when it is subscribed (shape, scheme, and every address
// its host resolves to) and again at every delivery against the address actually connected to: the dispatcher's
// HTTP request resolves through `guardedLookup`, which refuses a forbidden address, so a host that resolved to a
// public address at subscribe time and to 127.0.0.1 later (DNS rebinding) is refused; the connection goes to the
// checked address, with the URL's host name as Host header and TLS server name.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

export interface AddressPolicy {
  /** AUDIT_WEBHOOK_ALLOWED_HOSTS: names and ranges allowed although private. */
  allowedHosts: AllowedHosts;
  /** AUDIT_WEBHOOK_ALLOW_PRIVATE: any private, loopback or link-local address (metadata still needs listing). */
  allowPrivate: boolean;
  /** AUDIT_WEBHOOK_ALLOW_HTTP: http:// as well as https://. */
  allowHttp: boolean;
}

export interface AllowedHosts {
  names: ReadonlySet<string>;
  ranges: BlockList;
  /** As configured, for logs. */
  entries: readonly string[];
}

const HOST_NAME = /^(?=.{1,253}$)[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?(?:\.[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?)*$/i;

/** "hooks.internal,10.1.0.0/16,::1" -> names and ranges; an error names the bad entry. */
export function parseAllowedHosts(text: string): { value: AllowedHosts } | { error: string } {
  const names = new Set<string>();
  const ranges = new BlockList();
  const entries = text
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    if (family && extra === undefined) {
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
      if (!/^\d{1,3}$/.test(bits ?? '0') || prefix > (family === 4 ? 32 : 128)) {
        return { error: `"${entry}" is not a valid CIDR range` };
      }
      ranges.addSubnet(address!, prefix, type);
    } else if (bits === undefined && HOST_NAME.test(entry)) {
      names.add(entry);
    } else {
      return { error: `"${entry}" is neither a host name nor an IP address or CIDR range` };
    }
  }
  return { value: { names, ranges, entries } };
}

// Addresses a webhook never reaches unless configured: not globally routable, or not a single host.
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT (and some clouds' metadata)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata at 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64
  ['100::', 64],
  ['2001::', 32], // Teredo
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4
  ['fc00::', 7], // unique local (and fd00:ec2::254, the EC2 metadata service)
  ['fe80::', 10], // link-local
  ['fec0::', 10],
  ['ff00::', 8], // multicast
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

// Cloud metadata services: refused even with AUDIT_WEBHOOK_ALLOW_PRIVATE, unless listed by address.
const METADATA = new BlockList();
METADATA.addAddress('169.254.169.254', 'ipv4');
METADATA.addAddress('100.100.100.200', 'ipv4');
METADATA.addAddress('fd00:ec2::254', 'ipv6');

const typeOf = (ip: string) => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');

// IPv4-mapped IPv6 (::ffff:a.b.c.d) would hide any IPv4 address; a BlockList checks IPv4 addresses against an
// IPv6 rule for that range too, so it is refused here instead of listed.
const MAPPED = /^::ffff:/i;

/** True for private, loopback, link-local, multicast, unique-local, reserved, mapped and metadata addresses. */
export function isPrivateAddress(ip: string): boolean {
  return MAPPED.test(ip) || PRIVATE.check(ip, typeOf(ip));
}

/** Whether the dispatcher may connect to `ip` for a URL whose host is `hostname`. */
export function isAddressAllowed(policy: AddressPolicy, hostname: string, ip: string): boolean {
  const type = typeOf(ip);
  if (policy.allowedHosts.names.has(hostname.toLowerCase()) || policy.allowedHosts.ranges.check(ip, type)) {
    return true;
  }
  if (METADATA.check(ip, type)) return false;
  return policy.allowPrivate || !isPrivateAddress(ip);
}

/** Why a webhook URL or its address is refused; `rule` goes to the client as extensions.rule. */
export class WebhookAddressError extends Error {
  constructor(
    readonly rule: 'URL_INVALID' | 'URL_SCHEME' | 'ADDRESS_FORBIDDEN' | 'HOST_UNRESOLVED',
    message: string,
  ) {
    super(message);
    this.name = 'WebhookAddressError';
  }
}

/** The URL's host without IPv6 brackets. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Parses and checks the URL's shape (no DNS): absolute, https (or http when allowed), no credentials. */
export function parseWebhookUrl(text: string, policy: AddressPolicy): URL {
  if (text.length > MAX_WEBHOOK_URL_LENGTH) {
    throw new WebhookAddressError(
      'URL_INVALID',
      `the URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`,
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookAddressError('URL_INVALID', 'not an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new WebhookAddressError(
      'URL_SCHEME',
      policy.allowHttp
        ? 'the URL must be http(s)'
        : 'the URL must be https (AUDIT_WEBHOOK_ALLOW_HTTP is off)',
    );
  }
  if (url.username || url.password) {
    throw new WebhookAddressError('URL_INVALID', 'the URL must not carry credentials: sign with the secret');
  }
  if (!url.hostname) throw new WebhookAddressError('URL_INVALID', 'the URL has no host');
  return url;
}

export type Lookup = (hostname: string) => Promise<LookupAddress[]>;

const systemLookup: Lookup = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/**
 * The addresses `hostname` resolves to, each allowed, or WebhookAddressError: at subscribe time every address
 * must be allowed (any of them may be the one connected to later).
 */
export async function resolveAllowed(
  hostname: string,
  policy: AddressPolicy,
  lookup: Lookup = systemLookup,
): Promise<LookupAddress[]> {
  let addresses: LookupAddress[];
  if (isIP(hostname)) addresses = [{ address: hostname, family: isIP(hostname) }];
  else {
    try {
      addresses = await lookup(hostname);
    } catch {
      throw new WebhookAddressError('HOST_UNRESOLVED', `the host ${hostname} does not resolve`);
    }
  }
  if (!addresses.length)
    throw new WebhookAddressError('HOST_UNRESOLVED', `the host ${hostname} does not resolve`);
  const refused = addresses.find((a) => !isAddressAllowed(policy, hostname, a.address));
  if (refused) {
    throw new WebhookAddressError(
      'ADDRESS_FORBIDDEN',
      `the host ${hostname} resolves to ${refused.address}, a private, loopback, link-local or reserved address ` +
        '(allow it with AUDIT_WEBHOOK_ALLOWED_HOSTS)',
    );
  }
  return addresses;
}

// Node calls a custom lookup with { all: true } (and wants a list) when it tries several addresses in turn.
type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http(s).request: resolves, checks, and hands the socket the checked address, so what is
 * checked is what is connected to. `onAddress` learns it (the delivery log).
 */
export function guardedLookup(
  policy: AddressPolicy,
  onAddress: (ip: string) => void,
  lookup: Lookup = systemLookup,
) {
  return (hostname: string, options: { all?: boolean } | undefined, callback: LookupCallback) => {
    resolveAllowed(hostname, policy, lookup).then(
      (addresses) => {
        const first = addresses[0]!;
        onAddress(first.address);
        // Only the first checked address: the one reported is the one connected to.
        if (options?.all) callback(null, [first]);
        else callback(null, first.address, first.family);
      },
      (error: Error) => callback(Object.assign(error, { code: 'EWEBHOOKADDRESS' }), '', 0),
    );
  };
}
