// Ports the tests of relay-filter/src/config.rs: test_empty_config, test_serialize_full (read
// back as input), test_regression_legacy_browser_missing_options,
// test_deserialize_generic_filters (duplicates keep the first). Adds Vigil's validation errors
// and Sentry's defaults (HEALTH_CHECK_GLOBS, DEFAULT_DISALLOWED_SOURCES).
import { describe, expect, it } from 'vitest';
import {
  CSP_DEFAULT_DISALLOWED_SOURCES,
  HEALTH_CHECK_GLOBS,
  cspDisallowedSources,
  defaultFilterSettings,
  healthCheckFilter,
  parseFilterSettings,
} from './config.js';

describe('filterSettings parsing', () => {
  it('parses {} (and null) to every filter off', () => {
    expect(parseFilterSettings({})).toEqual({ ok: true, settings: defaultFilterSettings(), warnings: [] });
    expect(parseFilterSettings(null)).toEqual({ ok: true, settings: defaultFilterSettings(), warnings: [] });
  });

  it("reads Relay's full serialized config", () => {
    const result = parseFilterSettings({
      browserExtensions: { isEnabled: true },
      clientIps: { blacklistedIps: ['127.0.0.1'] },
      webCrawlers: { isEnabled: true },
      csp: { disallowedSources: ['https://*'] },
      errorMessages: { patterns: ['Panic'] },
      legacyBrowsers: { isEnabled: false, options: ['ie9', 'edge_pre_79'] },
      localhost: { isEnabled: true },
      releases: { releases: ['1.2.3'] },
      ignoreTransactions: { patterns: ['*health*'], isEnabled: true },
      generic: {
        version: 1,
        filters: [
          {
            id: 'hydrationError',
            isEnabled: true,
            condition: { op: 'eq', name: 'event.exceptions', value: 'HydrationError' },
          },
        ],
      },
    });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.warnings).toEqual([]);
    const s = result.settings;
    expect(s.browserExtensions.isEnabled).toBe(true);
    expect(s.clientIps.blacklistedIps).toEqual(['127.0.0.1']);
    expect(s.csp.disallowedSources).toEqual(['https://*']);
    expect(s.legacyBrowsers).toEqual({ isEnabled: false, options: ['ie9', 'edge_pre_79'] });
    expect(s.ignoreTransactions).toEqual({ patterns: ['*health*'], isEnabled: true });
    expect(s.generic.version).toBe(1);
    expect(s.generic.filters.map((f) => [f.id, f.isEnabled, f.condition?.op])).toEqual([
      ['hydrationError', true, 'eq'],
    ]);
  });

  it('accepts legacyBrowsers without options (regression test)', () => {
    const result = parseFilterSettings({ legacyBrowsers: { isEnabled: false } });
    expect(result.ok && result.settings.legacyBrowsers).toEqual({ isEnabled: false, options: [] });
  });

  it('keeps the first of duplicate generic filters and accepts flag filters', () => {
    const result = parseFilterSettings({
      generic: {
        version: 1,
        filters: [
          { id: 'filter1', isEnabled: false, condition: null },
          {
            id: 'filter1',
            isEnabled: true,
            condition: { op: 'eq', name: 'event.exceptions', value: 'drop-error' },
          },
          { id: 'chunkLoadError', isEnabled: false },
        ],
      },
    });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.settings.generic.filters).toEqual([
      { id: 'filter1', isEnabled: false },
      { id: 'chunkLoadError', isEnabled: false },
    ]);
    expect(result.warnings).toEqual([
      'filterSettings.generic.filters[1].id: duplicate filter "filter1" (the first one wins)',
    ]);
  });

  it('defaults ignoreTransactions.isEnabled to false, as Relay does', () => {
    const result = parseFilterSettings({ ignoreTransactions: { patterns: ['*'] } });
    expect(result.ok && result.settings.ignoreTransactions).toEqual({ patterns: ['*'], isEnabled: false });
  });

  it('reports what Relay would reject, with paths', () => {
    const result = parseFilterSettings({
      localhost: {},
      webCrawlers: { isEnabled: 'yes' },
      errorMessages: { patterns: 'Panic' },
      releases: {},
      clientIps: [],
      generic: {
        version: -1,
        filters: [{ isEnabled: true }, { id: 'x', isEnabled: true, condition: { op: 'glob' } }],
      },
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      'filterSettings.localhost.isEnabled: required boolean',
      'filterSettings.webCrawlers.isEnabled: expected boolean',
      'filterSettings.errorMessages.patterns: expected list of strings',
      'filterSettings.releases.releases: required list of strings',
      'filterSettings.clientIps: expected an object',
      'filterSettings.generic.version: expected integer 0-65535',
      'filterSettings.generic.filters[0].id: required string',
      'filterSettings.generic.filters[1].condition.name: expected a string (the field path)',
      'filterSettings.generic.filters[1].condition.value: expected a list of glob patterns',
    ]);
    expect(parseFilterSettings('nope')).toEqual({
      ok: false,
      errors: ['filterSettings: expected an object'],
      warnings: [],
    });
  });

  it('warns about what Relay ignores silently', () => {
    const result = parseFilterSettings({
      errorMessages: { patterns: ['ok*', '[broken'] },
      clientIps: { blacklistedIps: ['10.0.0.0/8', 'lol/bar'] },
      legacyBrowsers: { isEnabled: true, options: ['ie', 'netscape'] },
      generic: { version: 2, filters: [{ id: 'f', isEnabled: true, condition: { op: 'regex', name: 'x' } }] },
      somethingNew: {},
    });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.warnings).toEqual([
      'filterSettings.somethingNew: unknown filter (ignored)',
      'filterSettings.legacyBrowsers.options: unknown browser option "netscape" (never matches)',
      "filterSettings.errorMessages.patterns[1]: Error parsing pattern '[broken': Unbalanced character class (never matches)",
      'filterSettings.clientIps.blacklistedIps[1]: "lol/bar" is not an IP address or CIDR range (ignored)',
      'filterSettings.generic.version: 2 is newer than the supported 1; generic filters are not applied',
      'filterSettings.generic.filters[0].condition.op: unsupported operator "regex" (the condition never matches)',
    ]);
  });

  it("ships Sentry's health-check globs", () => {
    expect(HEALTH_CHECK_GLOBS).toContain('*healthcheck*');
    expect(HEALTH_CHECK_GLOBS).toContain('*/ping');
    expect(healthCheckFilter()).toEqual({ patterns: [...HEALTH_CHECK_GLOBS], isEnabled: true });
  });

  it("builds Sentry's CSP source list from the project options", () => {
    expect(cspDisallowedSources(false, ' evil.example.com \n\n*.ads.test\n')).toEqual([
      'evil.example.com',
      '*.ads.test',
    ]);
    const both = cspDisallowedSources(true, 'x.test');
    expect(both.slice(0, 2)).toEqual(['about', 'ms-browser-extension']);
    expect(both).toHaveLength(CSP_DEFAULT_DISALLOWED_SOURCES.length + 1);
    expect(both.at(-1)).toBe('x.test');
  });
});
