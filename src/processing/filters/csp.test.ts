// Ports the tests of relay-filter/src/csp.rs: test_scheme_domain_port, test_matches_any_origin,
// known/benign blocked URIs and source files, non-CSP events, and Sentry's CSP compatibility
// cases (bad and good reports).
import { describe, expect, it } from 'vitest';
import { cspFilter, matchesAnyOrigin, parseSchemeDomainPort } from './csp.js';
import { eventFilterable } from './filterable.js';

function cspEvent(blockedUri?: string, sourceFile?: string, type = 'csp') {
  const csp: Record<string, string> = {};
  if (blockedUri !== undefined) csp.blocked_uri = blockedUri;
  if (sourceFile !== undefined) csp.source_file = sourceFile;
  return eventFilterable({ type, csp });
}

const sources = (list: string[]) => list.map(parseSchemeDomainPort);

describe('CSP filter', () => {
  it('splits scheme, domain and port', () => {
    const examples: [string, string | undefined, string | undefined, string | undefined][] = [
      ['*', undefined, undefined, undefined],
      ['*://*', undefined, undefined, undefined],
      ['*://*:*', undefined, undefined, undefined],
      ['https://*', 'https', undefined, undefined],
      ['https://*.abc.net', 'https', '*.abc.net', undefined],
      ['https://*:*', 'https', undefined, undefined],
      ['x.y.z', undefined, 'x.y.z', undefined],
      ['x.y.z:*', undefined, 'x.y.z', undefined],
      ['*://x.y.z:*', undefined, 'x.y.z', undefined],
      ['*://*.x.y.z:*', undefined, '*.x.y.z', undefined],
      ['*:8000', undefined, undefined, '8000'],
      ['*://*:8000', undefined, undefined, '8000'],
      ['http://x.y.z', 'http', 'x.y.z', undefined],
      ['http://*:8000', 'http', undefined, '8000'],
      ['abc:8000', undefined, 'abc', '8000'],
      ['*.abc.com:8000', undefined, '*.abc.com', '8000'],
      ['*.com:86', undefined, '*.com', '86'],
      ['http://abc.com:86', 'http', 'abc.com', '86'],
      ['http://x.y.z:4000', 'http', 'x.y.z', '4000'],
      ['http://', 'http', '', undefined],
    ];
    for (const [url, scheme, domain, port] of examples) {
      const parsed = parseSchemeDomainPort(url);
      expect([parsed.scheme, parsed.domain, parsed.port], url).toEqual([scheme, domain, port]);
    }
  });

  it('matches origins', () => {
    const examples: [string, string[], boolean][] = [
      ['http://abc1.com', ['*://*:*', 'bbc.com'], true],
      ['http://abc2.com', ['*:*', 'bbc.com'], true],
      ['http://abc3.com', ['*', 'bbc.com'], true],
      ['http://abc4.com', ['http://*', 'bbc.com'], true],
      ['http://abc5.com', ['http://abc5.com:*', 'bbc.com'], true],
      ['http://abc.com:80', ['*://*:*', 'bbc.com'], true],
      ['http://abc.com:81', ['*:*', 'bbc.com'], true],
      ['http://abc.com:82', ['*:82', 'bbc.com'], true],
      ['http://abc.com:83', ['http://*:83', 'bbc.com'], true],
      ['http://abc.com:84', ['abc.com:*', 'bbc.com'], true],
      ['http://abc.com:85', ['*.abc.com:85', 'bbc.com'], true],
      ['http://abc.com:86', ['*.com:86'], true],
      ['http://abc.com:86', ['*.com:86', 'bbc.com'], true],
      ['http://abc.def.ghc.com:87', ['*.com:87'], true],
      ['http://abc.def.ghc.com:88', ['*.ghc.com:88'], true],
      ['http://abc.def.ghc.com:89', ['*.def.ghc.com:89'], true],
      ['http://abc.com:90', ['abc.com', 'bbc.com'], true],
      ['http://abc.com:91', ['abc.com:91', 'bbc.com'], true],
      ['http://abc.com:92', ['http://abc.com:92'], true],
      ['http://abc.com:93', ['http://abc.com', 'bbc.com'], true],
      ['http://abc6.com', ['abc6.com', 'bbc.com'], true],
      ['http://abc7.com', ['bbc.com', 'abc7.com'], true],
      ['http://abc8.com', ['bbc.com', 'abc8.com', 'def'], true],
      ['http://abc9.com', ['http://other.com', 'bbc.com'], false],
      ['http://abc10.com', ['http://*.other.com', 'bbc'], false],
      ['abc11.com', ['*.other.com', 'bbc'], false],
      ['https://abc12.com', ['http://abc12.com', 'bbc.com'], false],
      ['http://abc13.com:80', ['http://abc13.com:8080', 'bbc.com'], false],
      // "this used to crash"
      ['http://y:80', ['http://x'], false],
    ];
    for (const [url, origins, expected] of examples)
      expect(matchesAnyOrigin(url, sources(origins)), url).toBe(expected);
  });

  it('filters known bad source files and blocked URIs, not benign ones', () => {
    const config = sources(['http://known.bad.com']);
    expect(cspFilter(cspEvent(undefined, 'http://known.bad.com'), config)).toEqual({
      filtered: true,
      statKey: 'invalid-csp',
    });
    expect(cspFilter(cspEvent(undefined, 'http://good.file.com'), config).filtered).toBe(false);
    expect(cspFilter(cspEvent('http://known.bad.com'), config).filtered).toBe(true);
    expect(cspFilter(cspEvent('http://good.file.com'), config).filtered).toBe(false);
  });

  it('ignores events that are not CSP reports', () => {
    const config = sources(['http://known.bad.com']);
    expect(cspFilter(cspEvent('http://known.bad.com', undefined, 'transaction'), config).filtered).toBe(
      false,
    );
  });

  const sentryDisallowed = sources([
    'about',
    'ms-browser-extension',
    '*.superfish.com',
    'chrome://*',
    'chrome-extension://*',
    'chromeinvokeimmediate://*',
    'chromenull://*',
    'localhost',
  ]);

  it("filters Sentry's bad reports", () => {
    const examples: [string | undefined, string | undefined][] = [
      ['about', undefined],
      ['ms-browser-extension', undefined],
      ['http://foo.superfish.com', undefined],
      [undefined, 'chrome-extension://fdsa'],
      [undefined, 'http://localhost:8000'],
      [undefined, 'http://localhost'],
      [undefined, 'http://foo.superfish.com'],
    ];
    for (const [blocked, source] of examples) {
      expect(cspFilter(cspEvent(blocked, source), sentryDisallowed).filtered, `${blocked} ${source}`).toBe(
        true,
      );
    }
  });

  it("keeps Sentry's good reports", () => {
    const examples: [string | undefined, string | undefined][] = [
      ['http://example.com', undefined],
      [undefined, 'http://example.com'],
      [undefined, undefined],
    ];
    for (const [blocked, source] of examples) {
      expect(cspFilter(cspEvent(blocked, source), sentryDisallowed).filtered, `${blocked} ${source}`).toBe(
        false,
      );
    }
  });
});
