// Ports the tests of relay-filter/src/generic.rs: matching rules, FIFO order, no match, higher
// config version, filters from the global config, and the merge rules of project and global
// filters (unsupported versions, duplicates, empty configs, enabled/disabled flags). Adds the
// rule-condition operators of relay-protocol/src/condition.rs and Sentry's generic filters.
import { describe, expect, it } from 'vitest';
import { parseRuleCondition, matchesCondition, type RuleCondition } from './condition.js';
import type { GenericFilterConfig, GenericFiltersConfig } from './config.js';
import { eventGetter } from './event-getter.js';
import { genericFilter, mergeGenericFilters } from './generic.js';
import { chunkLoadErrorFilter, hydrationErrorFilter } from './sentry-generic-filters.js';
import type { JsonObject, JsonValue } from '../../protocol/json.js';

function condition(json: JsonValue): RuleCondition {
  const issues = { errors: [] as string[], warnings: [] as string[] };
  const parsed = parseRuleCondition(json, 'condition', issues);
  if (!parsed) throw new Error(issues.errors.join('\n'));
  return parsed;
}

const eq = (name: string, value: JsonValue): RuleCondition => condition({ op: 'eq', name, value });

function config(version: number, filters: GenericFilterConfig[]): GenericFiltersConfig {
  return { version, filters };
}

const mockFilters = (): GenericFilterConfig[] => [
  { id: 'firstReleases', isEnabled: true, condition: eq('event.release', '1.0') },
  { id: 'helloTransactions', isEnabled: true, condition: eq('event.transaction', '/hello') },
];

const enabled = (id: string) =>
  config(1, [{ id, isEnabled: true, condition: eq('event.exceptions', 'myError') }]);
const enabledFlag = (id: string) => config(1, [{ id, isEnabled: true }]);
const disabled = (id: string) =>
  config(1, [{ id, isEnabled: false, condition: eq('event.exceptions', 'myError') }]);
const disabledFlag = (id: string) => config(1, [{ id, isEnabled: false }]);
const empty = () => config(1, []);
const ids = (project: GenericFiltersConfig, global?: GenericFiltersConfig) =>
  mergeGenericFilters(project, global).map((f) => [f.id, f.isEnabled, f.condition !== undefined]);

describe('generic filters', () => {
  const getter = (event: JsonObject) => eventGetter(event);

  it('matches rules in order, first match wins', () => {
    const cfg = config(1, mockFilters());
    expect(genericFilter(getter({ release: '1.0' }), cfg, undefined)).toEqual({
      filtered: true,
      statKey: 'firstReleases',
    });
    expect(genericFilter(getter({ transaction: '/hello' }), cfg, undefined)).toEqual({
      filtered: true,
      statKey: 'helloTransactions',
    });
    expect(
      genericFilter(getter({ release: '1.0', transaction: '/hello' }), cfg, undefined).filtered &&
        'firstReleases',
    ).toBe('firstReleases');
    expect(genericFilter(getter({ transaction: '/world' }), cfg, undefined).filtered).toBe(false);
  });

  it('applies nothing with a newer config version', () => {
    expect(genericFilter(getter({ release: '1.0' }), config(2, mockFilters()), undefined).filtered).toBe(
      false,
    );
  });

  it('applies filters from the global config', () => {
    const project = config(1, [mockFilters()[0] as GenericFilterConfig]);
    const global = config(1, [mockFilters()[1] as GenericFilterConfig]);
    expect(genericFilter(getter({ transaction: '/hello' }), project, global)).toEqual({
      filtered: true,
      statKey: 'helloTransactions',
    });
  });

  it('merges project and global filters like Relay', () => {
    const unsupported = { ...enabled('unsupported-project'), version: 2 };
    expect(ids(unsupported, enabled('supported-global'))).toEqual([]);
    expect(ids(unsupported)).toEqual([]);
    expect(ids(enabled('supported-project'), { ...enabled('unsupported-global'), version: 2 })).toEqual([]);
    expect(ids(enabled('supported-project'), enabled('supported-global'))).toEqual([
      ['supported-project', true, true],
      ['supported-global', true, true],
    ]);
    expect(ids(enabled('filter'), enabled('filter'))).toEqual([['filter', true, true]]);
    expect(ids(empty(), empty())).toEqual([]);
    expect(ids(empty(), disabled('disabled-global'))).toEqual([['disabled-global', false, true]]);
    expect(ids(empty(), enabled('enabled-global'))).toEqual([['enabled-global', true, true]]);
    expect(ids(empty(), enabledFlag('skip'))).toEqual([['skip', true, false]]);
    expect(ids(disabled('disabled-project'), empty())).toEqual([['disabled-project', false, true]]);
    expect(ids(enabled('enabled-project'), empty())).toEqual([['enabled-project', true, true]]);
    expect(ids(enabledFlag('filter'), enabled('filter'))).toEqual([['filter', true, true]]);
    expect(ids(disabledFlag('filter'), enabled('filter'))).toEqual([['filter', false, true]]);
    expect(ids(enabled('filter'), disabledFlag('filter'))).toEqual([['filter', true, true]]);
    expect(ids(enabledFlag('filter'), enabledFlag('filter'))).toEqual([['filter', true, false]]);
  });

  it('a project flag switches a global filter off', () => {
    const global = config(1, [{ id: 'chunk', isEnabled: true, condition: eq('event.release', '1.0') }]);
    expect(genericFilter(getter({ release: '1.0' }), disabledFlag('chunk'), global).filtered).toBe(false);
    expect(genericFilter(getter({ release: '1.0' }), empty(), global).filtered).toBe(true);
  });

  it("evaluates Sentry's chunk-load and hydration filters", () => {
    const chunk = chunkLoadErrorFilter();
    const hydration = hydrationErrorFilter();
    const cfg = config(1, [
      { id: 'chunk-load-error', isEnabled: true, condition: condition(chunk.condition as JsonValue) },
      {
        id: 'react-hydration-errors',
        isEnabled: true,
        condition: condition(hydration.condition as JsonValue),
      },
    ]);
    const chunkEvent = {
      exception: { values: [{ type: 'ChunkLoadError', value: 'Loading chunk 3662 failed.' }] },
    };
    expect(genericFilter(getter(chunkEvent), cfg, undefined)).toEqual({
      filtered: true,
      statKey: 'chunk-load-error',
    });
    const hydrationEvent = {
      exception: {
        values: [{ type: 'Error', value: 'Minified React error #418; visit https://react.dev/errors/418' }],
      },
    };
    expect(genericFilter(getter(hydrationEvent), cfg, undefined)).toEqual({
      filtered: true,
      statKey: 'react-hydration-errors',
    });
    expect(
      genericFilter(getter({ exception: { values: [{ type: 'Error', value: 'boom' }] } }), cfg, undefined)
        .filtered,
    ).toBe(false);
  });
});

describe('rule conditions', () => {
  const event = eventGetter({
    type: 'transaction',
    release: 'my-app@1.2.3+abc',
    environment: 'prod',
    platform: 'javascript',
    user: { id: 42, email: '', ip_address: '10.1.2.3' },
    tags: [['region', 'eu']],
    contexts: { device: { model: 'Pixel 7', charging: true }, os: { name: 'Android' } },
    request: { url: 'https://example.com/a', headers: [['X-Custom', 'v']] },
    measurements: { lcp: { value: 1200 } },
    extra: { nested: { flag: 'on' } },
    start_timestamp: 100,
    timestamp: 101.5,
    logentry: { formatted: 'hello world' },
  });

  it('eq on strings, arrays, booleans, case options, and null for missing fields', () => {
    expect(matchesCondition(eq('event.environment', 'prod'), event)).toBe(true);
    expect(matchesCondition(eq('event.environment', 'PROD'), event)).toBe(false);
    expect(
      matchesCondition(
        condition({ op: 'eq', name: 'event.environment', value: 'PROD', options: { ignoreCase: true } }),
        event,
      ),
    ).toBe(true);
    expect(matchesCondition(eq('event.environment', ['dev', 'prod']), event)).toBe(true);
    expect(matchesCondition(eq('event.contexts.device.charging', true), event)).toBe(true);
    expect(matchesCondition(eq('event.dist', null), event)).toBe(true);
    expect(matchesCondition(eq('event.user.email', null), event)).toBe(true);
    expect(matchesCondition(eq('event.user.id', '42'), event)).toBe(true);
    expect(matchesCondition(eq('event.duration', 1500), event)).toBe(false);
  });

  it('comparisons, globs, cidr and combinators', () => {
    expect(matchesCondition(condition({ op: 'gte', name: 'event.duration', value: 1500 }), event)).toBe(true);
    expect(
      matchesCondition(condition({ op: 'gt', name: 'event.measurements.lcp.value', value: 2000 }), event),
    ).toBe(false);
    expect(
      matchesCondition(condition({ op: 'lt', name: 'event.release.version.short', value: '2' }), event),
    ).toBe(true);
    expect(
      matchesCondition(
        condition({ op: 'glob', name: 'event.request.url', value: ['https://EXAMPLE.com/*'] }),
        event,
      ),
    ).toBe(true);
    expect(
      matchesCondition(
        condition({ op: 'cidr', name: 'event.user.ip_address', value: ['10.0.0.0/8'] }),
        event,
      ),
    ).toBe(true);
    const and = condition({
      op: 'and',
      inner: [
        { op: 'eq', name: 'event.tags.region', value: 'eu' },
        { op: 'eq', name: 'event.platform', value: 'javascript' },
      ],
    });
    expect(matchesCondition(and, event)).toBe(true);
    expect(matchesCondition(condition({ op: 'and', inner: [] }), event)).toBe(true);
    expect(matchesCondition(condition({ op: 'or', inner: [] }), event)).toBe(false);
    expect(
      matchesCondition(
        condition({ op: 'not', inner: { op: 'eq', name: 'event.environment', value: 'prod' } }),
        event,
      ),
    ).toBe(false);
    expect(matchesCondition(condition({ op: 'whatever' }), event)).toBe(false);
  });

  it('reads the event getter paths', () => {
    expect(event.getValue('event.release.package')).toBe('my-app');
    expect(event.getValue('event.release.build')).toBe('abc');
    expect(event.getValue('event.contexts.device.model')).toBe('Pixel 7');
    expect(event.getValue('event.contexts.os.name')).toBe('Android');
    expect(event.getValue('event.contexts.os.unknown_field')).toBeUndefined();
    expect(event.getValue('event.extra.nested.flag')).toBe('on');
    expect(event.getValue('event.request.headers.x-custom')).toBe('v');
    expect(event.getValue('event.logentry.formatted')).toBe('hello world');
    expect(event.getValue('release')).toBeUndefined();
    expect(eventGetter({}).getValue('event.platform')).toBe('other');
  });

  it('any/all over exception values', () => {
    const errors = eventGetter({
      exception: {
        values: [
          { type: 'A', value: 'x' },
          { type: 'B', value: 'y' },
        ],
      },
    });
    const inner = { op: 'glob', name: 'ty', value: ['a'] };
    expect(matchesCondition(condition({ op: 'any', name: 'event.exception.values', inner }), errors)).toBe(
      true,
    );
    expect(matchesCondition(condition({ op: 'all', name: 'event.exception.values', inner }), errors)).toBe(
      false,
    );
    expect(
      matchesCondition(condition({ op: 'any', name: 'event.exception.values', inner }), eventGetter({})),
    ).toBe(false);
  });
});
