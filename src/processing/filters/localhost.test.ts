// Ports the tests of relay-filter/src/localhost.rs: disabled filter, local/non-local IPs, missing
// data, local/non-local domains, file URLs, Host / X-Forwarded-Host / X-Forwarded-For headers,
// subdomain hosts in headers.
import { describe, expect, it } from 'vitest';
import { eventFilterable } from './filterable.js';
import { localhostFilter } from './localhost.js';
import { eventWithHeader } from './test-helpers.js';

const on = { isEnabled: true };
const withIp = (ip: string) => eventFilterable({ user: { ip_address: ip } });
const withDomain = (domain: string) => eventFilterable({ request: { url: `http://${domain}:8080/` } });
const withUrl = (url: string) => eventFilterable({ request: { url } });

describe('localhost filter', () => {
  it('does nothing when disabled', () => {
    for (const event of [withIp('127.0.0.1'), withDomain('localhost')]) {
      expect(localhostFilter(event, { isEnabled: false })).toEqual({ filtered: false });
    }
  });

  it('filters local IPs, not others', () => {
    for (const ip of ['127.0.0.1', '::1']) {
      expect(localhostFilter(withIp(ip), on)).toEqual({ filtered: true, statKey: 'localhost' });
    }
    for (const ip of ['133.12.12.1', '2001:db8:0:0:0:ff00:42:8329']) {
      expect(localhostFilter(withIp(ip), on).filtered).toBe(false);
    }
  });

  it('keeps events without IP or domain', () => {
    expect(localhostFilter(eventFilterable({}), on).filtered).toBe(false);
  });

  it('filters local domains and their subdomains only', () => {
    for (const domain of ['127.0.0.1', 'localhost', 'foo.localhost', 'foo.bar.baz.localhost']) {
      expect(localhostFilter(withDomain(domain), on).filtered, domain).toBe(true);
    }
    for (const domain of [
      'my.dom.com',
      '123.123.123.44',
      'localhost.com',
      'foolocalhost',
      'localhostbar',
      'alocalhostgoesintoabar',
    ]) {
      expect(localhostFilter(withDomain(domain), on).filtered, domain).toBe(false);
    }
  });

  it('filters file URLs, not web URLs', () => {
    expect(
      localhostFilter(withUrl('file:///Users/Maisey/work/squirrelchasers/src/leaderboard.html'), on).filtered,
    ).toBe(true);
    expect(localhostFilter(withUrl('http://www.squirrelchasers.com/leaderboard'), on).filtered).toBe(false);
  });

  it('filters local Host / X-Forwarded-Host headers when there is no URL', () => {
    for (const name of ['Host', 'X-Forwarded-Host']) {
      for (const value of ['localhost:3000', '127.0.0.1:3000']) {
        expect(localhostFilter(eventWithHeader(name, value), on)).toEqual({
          filtered: true,
          statKey: 'localhost',
        });
      }
      for (const value of ['localhost.sentry.io', 'localhost.sentry.io:3000']) {
        expect(localhostFilter(eventWithHeader(name, value), on).filtered).toBe(false);
      }
    }
    const withUrlAndHost = eventFilterable({
      request: { url: 'https://example.com/', headers: [['Host', 'localhost:3000']] },
    });
    expect(localhostFilter(withUrlAndHost, on).filtered).toBe(false);
  });

  it('filters a local X-Forwarded-For header', () => {
    for (const ip of ['127.0.0.1', '::1']) {
      expect(localhostFilter(eventWithHeader('X-Forwarded-For', ip), on).filtered).toBe(true);
    }
    expect(localhostFilter(eventWithHeader('X-Forwarded-For', '10.0.0.1, 127.0.0.1'), on).filtered).toBe(
      false,
    );
  });
});
