/**
 * IP addresses and CIDR networks, as Relay's `ipnetwork::IpNetwork` parses and matches them
 * (`relay-filter/src/client_ips.rs`, the `cidr` condition): `a.b.c.d`, `a.b.c.d/n` (n ≤ 32),
 * IPv6 with `::` compression and an embedded IPv4 tail, `.../n` (n ≤ 128). A bare address is a
 * single-host network. The network address need not be aligned (`10.0.0.5/30` covers
 * `10.0.0.4`–`10.0.0.7`). IPv4 networks never contain IPv6 addresses (not even IPv4-mapped
 * ones) and vice versa, as in Rust. Zone ids (`fe80::1%eth0`) are not addresses.
 */
import { isIP } from 'node:net';

/** A parsed network: address family, the masked address as a 32/128-bit integer, prefix. */
export interface IpNetwork {
  family: 4 | 6;
  prefix: number;
  /** The address with host bits cleared. */
  network: bigint;
}

function ipv4ToBigInt(text: string): bigint {
  let value = 0n;
  for (const part of text.split('.')) value = (value << 8n) | BigInt(Number(part));
  return value;
}

function ipv6ToBigInt(text: string): bigint {
  let head = text;
  const groups: number[] = [];
  // An embedded IPv4 tail counts as two groups.
  const lastColon = head.lastIndexOf(':');
  const tail = head.slice(lastColon + 1);
  let tailGroups: number[] = [];
  if (tail.includes('.')) {
    const v4 = Number(ipv4ToBigInt(tail));
    tailGroups = [(v4 >>> 16) & 0xffff, v4 & 0xffff];
    head = head.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left = '', right] = head.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const leftGroups = parse(left);
  const rightGroups = right === undefined ? [] : parse(right);
  const fill = 8 - leftGroups.length - rightGroups.length - tailGroups.length;
  groups.push(...leftGroups);
  for (let i = 0; i < fill; i++) groups.push(0);
  groups.push(...rightGroups, ...tailGroups);
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

/** Parses an IP address into its family and integer value; `undefined` when invalid. */
export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  if (text.includes('%')) return undefined;
  const family = isIP(text);
  if (family === 4) return { family, value: ipv4ToBigInt(text) };
  if (family === 6) return { family, value: ipv6ToBigInt(text) };
  return undefined;
}

function mask(family: 4 | 6, prefix: number): bigint {
  const width = family === 4 ? 32n : 128n;
  const hostBits = width - BigInt(prefix);
  return ((1n << width) - 1n) ^ ((1n << hostBits) - 1n);
}

/** Parses `address` or `address/prefix`; `undefined` for anything else. */
export function parseIpNetwork(text: string): IpNetwork | undefined {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIp(address);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const bits = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bits)) return undefined;
    prefix = Number(bits);
    if (prefix > max) return undefined;
  }
  return { family: ip.family, prefix, network: ip.value & mask(ip.family, prefix) };
}

/** True when `network` contains the parsed address. */
export function networkContains(network: IpNetwork, ip: { family: 4 | 6; value: bigint }): boolean {
  return network.family === ip.family && (ip.value & mask(ip.family, network.prefix)) === network.network;
}

/** True when the IP address `text` lies in any of `networks`; false for a non-address. */
export function ipInNetworks(text: string, networks: readonly IpNetwork[]): boolean {
  const ip = parseIp(text);
  return ip !== undefined && networks.some((n) => networkContains(n, ip));
}
