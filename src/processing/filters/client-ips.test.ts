// Ports the tests of relay-filter/src/client_ips.rs (test_should_filter_blacklisted_ips: IPv4 and
// IPv6 addresses, IPv4 and IPv6 networks, Sentry compatibility cases).
import { describe, expect, it } from 'vitest';
import { clientIpsFilter } from './client-ips.js';
import { parseIp, parseIpNetwork, type IpNetwork } from './ip-network.js';

const networks = (entries: string[]): IpNetwork[] => entries.flatMap((e) => parseIpNetwork(e) ?? []);

const cases: [string, string[], boolean][] = [
  ['1.2.3.4', [], false],
  ['122.33.230.14', ['122.33.230.14'], true],
  ['122.33.230.14', ['112.133.110.33', '122.33.230.14'], true],
  ['aaaa:bbbb::cccc', ['aaaa:bbbb::cccc'], true],
  ['aaaa:bbbb::cccc', ['121.121.12.121', 'aaaa:bbbb::cccc'], true],
  ['aaaa:bbbb::ccce', ['aaaa:bbbb::cccc'], false],
  ['122.33.230.1', ['122.33.230.0/30'], true],
  ['122.33.230.2', ['122.33.230.0/30'], true],
  ['122.33.230.4', ['122.33.230.0/30'], false],
  ['122.33.230.5', ['122.33.230.4/30'], true],
  ['a:b:c::1', ['a:b:c::0/126'], true],
  ['a:b:c::2', ['a:b:c::0/126'], true],
  ['a:b:c::4', ['a:b:c::0/126'], false],
  ['a:b:c::5', ['a:b:c::4/126'], true],
  ['127.0.0.1', [], false],
  ['127.0.0.1', ['0.0.0.0', '192.168.1.1', '10.0.0.0/8'], false],
  ['127.0.0.1', ['127.0.0.1'], true],
  ['127.0.0.1', ['0.0.0.0', '127.0.0.1', '192.168.1.1'], true],
  ['127.0.0.1', ['127.0.0.0/8'], true],
  ['127.0.0.1', ['0.0.0.0', '127.0.0.0/8', '192.168.1.0/8'], true],
  ['127.0.0.1', ['lol/bar'], false],
];

describe('client IPs filter', () => {
  it.each(cases)('%s with %j → %s', (ip, blocked, expected) => {
    expect(clientIpsFilter(ip, networks(blocked))).toEqual(
      expected ? { filtered: true, statKey: 'ip-address' } : { filtered: false },
    );
  });

  it('keeps items without or with an invalid client IP', () => {
    expect(clientIpsFilter(undefined, networks(['0.0.0.0/0'])).filtered).toBe(false);
    expect(clientIpsFilter('not-an-ip', networks(['0.0.0.0/0'])).filtered).toBe(false);
  });

  it('keeps address families apart, like Rust', () => {
    expect(clientIpsFilter('::ffff:127.0.0.1', networks(['127.0.0.0/8'])).filtered).toBe(false);
    expect(clientIpsFilter('127.0.0.1', networks(['::/0'])).filtered).toBe(false);
    expect(clientIpsFilter('::ffff:127.0.0.1', networks(['::ffff:0:0/96'])).filtered).toBe(true);
  });
});

describe('IP networks', () => {
  it('parses addresses and ranges, rejecting garbage', () => {
    expect(parseIp('::ffff:1.2.3.4')?.value).toBe(0xffff01020304n);
    expect(parseIp('1:2:3:4:5:6:7:8')?.value).toBe(0x00010002000300040005000600070008n);
    expect(parseIp('fe80::1%eth0')).toBeUndefined();
    expect(parseIpNetwork('10.0.0.0/33')).toBeUndefined();
    expect(parseIpNetwork('10.0.0.0/')).toBeUndefined();
    expect(parseIpNetwork('::/128')).toEqual({ family: 6, prefix: 128, network: 0n });
    expect(parseIpNetwork('10.1.2.3/8')).toEqual({ family: 4, prefix: 8, network: 0x0a000000n });
    expect(parseIpNetwork('0.0.0.0/0')?.prefix).toBe(0);
  });
});
