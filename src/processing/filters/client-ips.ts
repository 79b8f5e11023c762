/**
 * The client-IP filter (stat key `ip-address`), following `relay-filter/src/client_ips.rs`.
 *
 * Reads the client address of the HTTP request that carried the envelope (first
 * `X-Forwarded-For` entry or the socket peer, as the edge resolves it), never an IP inside the
 * item, so it applies to every item type. Blocked entries are single addresses or CIDR ranges,
 * IPv4 or IPv6; unparseable entries are ignored.
 */
import { KEEP, filteredBy, type FilterVerdict } from './common.js';
import { ipInNetworks, type IpNetwork } from './ip-network.js';

/** Applies the client-IP filter with the parsed `blacklistedIps` networks. */
export function clientIpsFilter(clientIp: string | undefined, networks: readonly IpNetwork[]): FilterVerdict {
  if (clientIp === undefined || networks.length === 0) return KEEP;
  return ipInNetworks(clientIp, networks) ? filteredBy('ip-address') : KEEP;
}
