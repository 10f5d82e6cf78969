import { BlockList, isIP } from 'node:net';
import type { Request } from 'express';
import { CLIENT_ADDRESS_HEADER, normalizeAddress, signClientAddress } from '../../common/client-address.ts';
import type { RouterStage } from '../stage.ts';

export interface ClientAddressOptions {
  /**
   * Proxies in front of the router whose X-Forwarded-For is believed, as IPs or CIDRs ('10.0.0.0/8',
   * 'fd00::/8'). @default [] (the client is the socket peer, X-Forwarded-For is ignored)
   */
  trustedProxies?: string[];
  /** Signs the address for the subgraphs (CLIENT_ADDRESS_SECRET); without it none is sent. */
  secret?: string;
}

/** Parses 'ip' or 'ip/prefix' entries; throws naming the first bad one. */
export function parseTrustedProxies(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefixText] = entry.split('/');
    const family = isIP(address);
    const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
    const maxPrefix = family === 6 ? 128 : 32;
    if (!family || !/^\d+$/.test(prefixText ?? '0') || prefix > maxPrefix) {
      throw new Error(`"${entry}" is not an IP address or CIDR`);
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy; then X-Forwarded-For is read from
 * the right (the hop the trusted proxy added) past every trusted proxy, and the first untrusted hop is the
 * client. Entries to the left of it were written by the client and are never believed.
 */
export function clientAddressOf(req: Request, trusted: BlockList | undefined): string | undefined {
  let address = normalizeAddress(req.socket.remoteAddress);
  if (!trusted || !address || !isTrusted(trusted, address)) return address;
  const hops = (req.get('x-forwarded-for') ?? '').split(',').reverse();
  for (const hop of hops) {
    const next = normalizeAddress(hop);
    // A malformed hop ends the walk: the last believed hop is the closest we know.
    if (!next) break;
    address = next;
    if (!isTrusted(trusted, next)) break;
  }
  return address;
}

/**
 * Works out the client's address once per request and sends it to the subgraphs signed, so a subgraph (the
 * auth subgraph's login limits) can tell clients apart behind the router and believes no one else.
 */
export function useClientAddress(options: ClientAddressOptions = {}): RouterStage {
  const trusted = options.trustedProxies?.length ? parseTrustedProxies(options.trustedProxies) : undefined;
  const { secret } = options;
  return {
    name: 'clientAddress',
    context: (req) => ({ clientAddress: clientAddressOf(req, trusted) }),
    subgraph: {
      willSendRequest({ context }, headers) {
        if (!secret || !context?.clientAddress) return;
        headers.set(CLIENT_ADDRESS_HEADER, signClientAddress(secret, context.clientAddress));
      },
    },
  };
}
