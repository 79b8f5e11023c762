// Ports the order of relay-filter/src/lib.rs `should_filter` (generic first, then csp,
// client_ips, releases, error_messages, localhost, browser_extensions, legacy_browsers,
// web_crawlers, transaction_name) and the Filterable impls of relay-filter/src/interface.rs per
// item type (events, replays, sessions, spans, logs, trace metrics). Ends with a fast-check
// property: shouldFilter never throws on arbitrary JSON-ish events.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../protocol/json.js';
import { HEALTH_CHECK_GLOBS, parseFilterSettings, type FilterSettings } from './config.js';
import { attributesFilterable, replayFilterable, sessionFilterable, spanFilterable } from './filterable.js';
import { shouldFilter, shouldFilterItem } from './should-filter.js';
import { chunkLoadErrorFilter, logMessageFilter } from './sentry-generic-filters.js';

function settings(json: JsonValue): FilterSettings {
  const result = parseFilterSettings(json);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.settings;
}

const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/100.0.0.0 Safari/537.36';

const everything = settings({
  browserExtensions: { isEnabled: true },
  clientIps: { blacklistedIps: ['10.0.0.0/8', '2001:db8::/32'] },
  webCrawlers: { isEnabled: true },
  csp: { disallowedSources: ['chrome-extension://*', '*.superfish.com'] },
  errorMessages: { patterns: ['*ignore me*'] },
  legacyBrowsers: { isEnabled: true, options: ['chrome', 'ie'] },
  localhost: { isEnabled: true },
  releases: { releases: ['bad@*'] },
  ignoreTransactions: { patterns: [...HEALTH_CHECK_GLOBS], isEnabled: true },
  generic: { version: 1, filters: [chunkLoadErrorFilter(), logMessageFilter(['*debug noise*'])] },
});

describe('shouldFilter (events)', () => {
  it('keeps an ordinary event', () => {
    const event = {
      type: 'error',
      release: 'good@1',
      exception: { values: [{ type: 'Error', value: 'boom' }] },
    };
    expect(shouldFilter(event, everything, { clientIp: '203.0.113.9' })).toEqual({ filtered: false });
  });

  it('returns the first matching filter in Relay order', () => {
    const event: JsonObject = {
      type: 'error',
      release: 'bad@1.0',
      user: { ip_address: '127.0.0.1' },
      exception: { values: [{ type: 'ChunkLoadError', value: 'Loading chunk 7 failed. ignore me' }] },
      request: { url: 'http://localhost:3000/', headers: [['User-Agent', 'Googlebot']] },
    };
    const steps: [string, (e: JsonObject) => void, string | undefined][] = [
      ['generic', () => undefined, 'chunk-load-error'],
      [
        'client ip',
        (e) => ((e.exception as JsonObject).values = [{ type: 'Error', value: 'x ignore me x' }]),
        'ip-address',
      ],
      ['release', () => undefined, 'release-version'],
      ['error message', (e) => delete e.release, 'error-message'],
      ['localhost', (e) => delete e.exception, 'localhost'],
      [
        'web crawler',
        (e) => {
          delete e.user;
          (e.request as JsonObject).url = 'https://example.com/';
        },
        'web-crawlers',
      ],
      ['nothing', (e) => delete e.request, undefined],
    ];
    for (const [name, mutate, expected] of steps) {
      mutate(event);
      const ctx = name === 'generic' || name === 'client ip' ? { clientIp: '10.1.2.3' } : {};
      const verdict = shouldFilter(event, everything, ctx);
      expect(verdict, name).toEqual(
        expected === undefined ? { filtered: false } : { filtered: true, statKey: expected },
      );
    }
  });

  it('filters browser extensions, legacy browsers, CSP reports and health checks', () => {
    const extension = {
      exception: {
        values: [
          {
            type: 'Error',
            value: 'x',
            stacktrace: { frames: [{ abs_path: 'chrome-extension://abc/x.js' }] },
          },
        ],
      },
    };
    expect(shouldFilter(extension, everything)).toEqual({ filtered: true, statKey: 'browser-extensions' });
    const oldChrome = { request: { url: 'https://example.com', headers: [['User-Agent', CHROME_UA]] } };
    expect(shouldFilter(oldChrome, everything)).toEqual({ filtered: true, statKey: 'legacy-browsers' });
    const csp = { type: 'csp', csp: { blocked_uri: 'http://foo.superfish.com/x.js' } };
    expect(shouldFilter(csp, everything)).toEqual({ filtered: true, statKey: 'invalid-csp' });
    const health = { type: 'transaction', transaction: 'GET /healthz' };
    expect(shouldFilter(health, everything)).toEqual({ filtered: true, statKey: 'filtered-transaction' });
  });

  it('does nothing with default settings', () => {
    const event = { type: 'transaction', transaction: '/health', user: { ip_address: '127.0.0.1' } };
    expect(shouldFilter(event, settings({}), { clientIp: '127.0.0.1' })).toEqual({ filtered: false });
  });
});

describe('other item types', () => {
  it('sessions: client IP, release, localhost IP, user agent', () => {
    expect(shouldFilterItem(sessionFilterable({ release: 'bad@2' }), everything)).toEqual({
      filtered: true,
      statKey: 'release-version',
    });
    expect(
      shouldFilterItem(sessionFilterable({ release: 'ok@1' }), everything, { clientIp: '2001:db8::1' }),
    ).toEqual({
      filtered: true,
      statKey: 'ip-address',
    });
    expect(
      shouldFilterItem(sessionFilterable({ release: 'ok@1', ip_address: '::1' }), everything).filtered,
    ).toBe(true);
    expect(
      shouldFilterItem(sessionFilterable({ release: 'ok@1', user_agent: 'Googlebot/2.1' }), everything),
    ).toEqual({
      filtered: true,
      statKey: 'web-crawlers',
    });
    expect(shouldFilterItem(sessionFilterable({ release: 'ok@1' }), everything)).toEqual({ filtered: false });
  });

  it('replays: request URL, headers and release', () => {
    const replay = {
      release: 'ok@1',
      request: { url: 'http://foo.localhost/app', headers: [['User-Agent', 'x']] },
    };
    expect(shouldFilterItem(replayFilterable(replay), everything)).toEqual({
      filtered: true,
      statKey: 'localhost',
    });
    expect(shouldFilterItem(replayFilterable({ release: 'bad@3' }), everything).filtered).toBe(true);
  });

  it('spans: segment name goes through the transaction filter', () => {
    const span = { data: { 'sentry.segment.name': '/ping', 'sentry.release': 'ok@1' } };
    expect(shouldFilterItem(spanFilterable(span), everything)).toEqual({
      filtered: true,
      statKey: 'filtered-transaction',
    });
  });

  it('logs and trace metrics: release, browser attributes and the log-message generic filter', () => {
    const attrs: Record<string, string> = { 'sentry.release': 'ok@1' };
    const lookup = (key: string) => attrs[key];
    expect(
      shouldFilterItem(attributesFilterable('log', lookup, { body: 'some debug noise here' }), everything),
    ).toEqual({
      filtered: true,
      statKey: 'log-message',
    });
    expect(shouldFilterItem(attributesFilterable('log', lookup, { body: 'fine' }), everything)).toEqual({
      filtered: false,
    });
    // Generic filters read attributes as `<kind>.attributes.<key>.value` (Relay's Getter).
    const integerAttribute = settings({
      generic: {
        version: 1,
        filters: [
          {
            id: 'gen_attr',
            isEnabled: true,
            condition: { op: 'gte', name: 'log.attributes.some_integer.value', value: 123 },
          },
        ],
      },
    });
    const numbers = (key: string) => (key === 'some_integer' ? 123 : undefined);
    expect(shouldFilterItem(attributesFilterable('log', numbers), integerAttribute)).toEqual({
      filtered: true,
      statKey: 'gen_attr',
    });
    const withoutSuffix = settings({
      generic: {
        version: 1,
        filters: [
          {
            id: 'gen_attr',
            isEnabled: true,
            condition: { op: 'gte', name: 'log.attributes.some_integer', value: 123 },
          },
        ],
      },
    });
    expect(shouldFilterItem(attributesFilterable('log', numbers), withoutSuffix).filtered).toBe(false);
    attrs['browser.name'] = 'IE';
    attrs['browser.version'] = '11.0';
    expect(shouldFilterItem(attributesFilterable('trace_metric', lookup, { name: 'm' }), everything)).toEqual(
      {
        filtered: true,
        statKey: 'legacy-browsers',
      },
    );
  });
});

describe('property: shouldFilter never throws', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, json);
  const headerName = fc.constantFrom('User-Agent', 'Host', 'X-Forwarded-For', 'X-Forwarded-Host', 'x');
  const text = fc.oneof(
    fc.string(),
    fc.constantFrom(
      CHROME_UA,
      'Googlebot',
      'file:///x',
      'http://[::1]:80/',
      'http://%zz',
      '127.0.0.1',
      '::1',
      '*',
    ),
  );
  const frame = maybe(fc.record({ abs_path: maybe(text) }, { requiredKeys: [] }));
  const exception = maybe(
    fc.record(
      {
        type: maybe(text),
        value: maybe(text),
        stacktrace: maybe(fc.record({ frames: maybe(fc.array(frame)) }, { requiredKeys: [] })),
      },
      { requiredKeys: [] },
    ),
  );
  const event = fc.record(
    {
      type: maybe(fc.constantFrom('error', 'default', 'transaction', 'csp')),
      transaction: maybe(text),
      release: maybe(text),
      start_timestamp: json,
      timestamp: json,
      user: maybe(fc.record({ ip_address: maybe(text), id: json, email: json }, { requiredKeys: [] })),
      request: maybe(
        fc.record(
          {
            url: maybe(text),
            headers: maybe(
              fc.oneof(fc.array(fc.tuple(headerName, maybe(text))), fc.dictionary(headerName, json)),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
      exception: maybe(fc.record({ values: maybe(fc.array(exception)) }, { requiredKeys: [] })),
      logentry: maybe(fc.record({ formatted: maybe(text), message: maybe(text) }, { requiredKeys: [] })),
      csp: maybe(fc.record({ blocked_uri: maybe(text), source_file: maybe(text) }, { requiredKeys: [] })),
      contexts: json,
      tags: json,
      extra: json,
      measurements: json,
    },
    { requiredKeys: [] },
  );
  const genericEverything = settings({
    generic: {
      version: 1,
      filters: [
        { id: 'a', isEnabled: true, condition: { op: 'gte', name: 'event.duration', value: 10 } },
        {
          id: 'b',
          isEnabled: true,
          condition: { op: 'cidr', name: 'event.user.ip_address', value: ['0.0.0.0/1'] },
        },
        {
          id: 'c',
          isEnabled: true,
          condition: { op: 'eq', name: 'event.tags.x', value: ['y'], options: { ignoreCase: true } },
        },
        { id: 'd', isEnabled: true, condition: { op: 'glob', name: 'event.extra.a.b', value: ['*z*'] } },
        { id: 'e', isEnabled: true, condition: { op: 'lt', name: 'event.measurements.lcp.value', value: 1 } },
        chunkLoadErrorFilter(),
      ],
    },
  });

  it('holds for every filter enabled', () => {
    fc.assert(
      fc.property(event, fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()), (e, clientIp) => {
        for (const s of [everything, genericEverything]) {
          const verdict = shouldFilter(e as JsonObject, s, { clientIp });
          expect(typeof verdict.filtered).toBe('boolean');
          if (verdict.filtered) expect(typeof verdict.statKey).toBe('string');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('holds for arbitrary JSON objects', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), (e) => {
        expect(() => shouldFilter(e, everything, {})).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
