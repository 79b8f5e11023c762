import { describe, expect, it } from 'vitest';
import { parseProjectConfig } from './config.js';
import {
  INBOUND_FILTER_SPECS,
  cleanNewlineInputs,
  drfBoolean,
  inboundFilterSpec,
  inboundFilterState,
  newProjectConfigJson,
  parseInboundFilterUpdate,
  prefixProjectPiiConfig,
  safeFieldsProblem,
  sentryFilterOptions,
  sentryScrubbingFields,
  unprefixProjectPiiConfig,
  withInboundFilterState,
  withSentrySettings,
} from './sentry-settings.js';
import { HEALTH_CHECK_GLOBS } from '../filters/config.js';
import type { JsonObject } from '../../protocol/json.js';

const spec = (id: string) => inboundFilterSpec(id)!;
const states = (json: JsonObject) =>
  Object.fromEntries(INBOUND_FILTER_SPECS.map((s) => [s.id, inboundFilterState(json, s)]));

describe('inbound filter states', () => {
  it('are all off for an empty config and follow Relay keys', () => {
    expect(states({})).toEqual({
      localhost: false,
      'browser-extensions': false,
      'legacy-browsers': false,
      'web-crawlers': false,
      'filtered-transaction': false,
    });
    expect(
      states({
        filterSettings: {
          localhost: { isEnabled: true },
          legacyBrowsers: { isEnabled: true, options: ['default'] },
          ignoreTransactions: { isEnabled: true, patterns: ['*/up'] },
        },
      }),
    ).toMatchObject({ localhost: true, 'legacy-browsers': true, 'filtered-transaction': true });
    // Enabled without options or patterns filters nothing in Relay: shown as off.
    expect(
      states({
        filterSettings: {
          legacyBrowsers: { isEnabled: true, options: [] },
          ignoreTransactions: { isEnabled: true, patterns: [] },
        },
      }),
    ).toMatchObject({ 'legacy-browsers': false, 'filtered-transaction': false });
  });

  it('set as Sentry stores them: on adds the Relay setting, off removes it', () => {
    let json = withInboundFilterState({}, spec('web-crawlers'), { active: true });
    expect(json).toEqual({ filterSettings: { webCrawlers: { isEnabled: true } } });
    json = withInboundFilterState(json, spec('filtered-transaction'), { active: true });
    expect(json.filterSettings).toMatchObject({
      ignoreTransactions: { patterns: [...HEALTH_CHECK_GLOBS], isEnabled: true },
    });
    // Sentry's set_filter_state: a body without `active` turns a boolean filter off.
    json = withInboundFilterState(json, spec('web-crawlers'), {});
    json = withInboundFilterState(json, spec('filtered-transaction'), { active: false });
    expect(json).toEqual({});
  });

  it('legacy browsers take `active` (the default set) or sorted, unique subfilters', () => {
    const lb = spec('legacy-browsers');
    let json = withInboundFilterState({}, lb, { subfilters: ['safari', 'ie', 'safari'] });
    expect(json).toEqual({
      filterSettings: { legacyBrowsers: { isEnabled: true, options: ['ie', 'safari'] } },
    });
    expect(inboundFilterState(json, lb)).toEqual(['ie', 'safari']);
    json = withInboundFilterState(json, lb, { active: true });
    expect(json.filterSettings).toEqual({ legacyBrowsers: { isEnabled: true, options: ['default'] } });
    expect(inboundFilterState(json, lb)).toBe(true);
    expect(withInboundFilterState(json, lb, { subfilters: [] })).toEqual({});
    expect(withInboundFilterState(json, lb, { active: false, subfilters: ['ie'] })).toEqual({});
  });

  it('validates PUT bodies with DRF messages', () => {
    expect(parseInboundFilterUpdate(spec('localhost'), { active: 'yes' })).toEqual({
      ok: true,
      update: { active: true },
    });
    expect(parseInboundFilterUpdate(spec('localhost'), { active: 'maybe' })).toEqual({
      ok: false,
      errors: { active: ['Must be a valid boolean.'] },
    });
    // Subfilters belong to the legacy browser filter only (ignored elsewhere, like unknown fields).
    expect(parseInboundFilterUpdate(spec('localhost'), { subfilters: 'x' })).toEqual({
      ok: true,
      update: {},
    });
    expect(parseInboundFilterUpdate(spec('legacy-browsers'), { subfilters: 'ie' })).toEqual({
      ok: false,
      errors: { subfilters: ['Expected a list of items but got type "str".'] },
    });
    expect(parseInboundFilterUpdate(spec('legacy-browsers'), { subfilters: ['ie', 'netscape'] })).toEqual({
      ok: false,
      errors: { subfilters: ['"netscape" is not a valid choice.'] },
    });
    expect(drfBoolean(0)).toBe(false);
    expect(drfBoolean('TRUE')).toBe(true);
    expect(drfBoolean(null)).toBeUndefined();
  });
});

describe('newProjectConfigJson', () => {
  it("turns on Sentry's default inbound filters and parses", () => {
    const json = newProjectConfigJson();
    expect(states(json)).toEqual({
      localhost: false,
      'browser-extensions': true,
      'legacy-browsers': ['android', 'chrome', 'edge', 'firefox', 'ie', 'opera', 'opera_mini', 'safari'],
      'web-crawlers': true,
      'filtered-transaction': true,
    });
    const parsed = parseProjectConfig(json);
    expect(parsed.ok && parsed.warnings).toEqual([]);
  });
});

describe('Sentry data scrubbing settings and options', () => {
  it("read Sentry's defaults from an empty config", () => {
    expect(sentryScrubbingFields({})).toEqual({
      dataScrubber: true,
      dataScrubberDefaults: true,
      sensitiveFields: [],
      safeFields: [],
      scrubIPAddresses: false,
      relayPiiConfig: null,
    });
    expect(sentryFilterOptions({})).toEqual({
      'filters:blacklisted_ips': '',
      'filters:releases': '',
      'filters:error_messages': '',
    });
  });

  it('map onto datascrubbingSettings with all five keys, as get_datascrubbing_settings emits them', () => {
    const json = withSentrySettings({ quotas: [] }, { scrubIPAddresses: true, sensitiveFields: ['pin'] });
    expect(json).toEqual({
      quotas: [],
      datascrubbingSettings: {
        excludeFields: [],
        scrubData: true,
        scrubIpAddresses: true,
        sensitiveFields: ['pin'],
        scrubDefaults: true,
      },
    });
    const next = withSentrySettings(json, { dataScrubber: false, safeFields: ['$http.headers.x-id'] });
    expect(sentryScrubbingFields(next)).toMatchObject({
      dataScrubber: false,
      scrubIPAddresses: true,
      sensitiveFields: ['pin'],
      safeFields: ['$http.headers.x-id'],
    });
    expect(parseProjectConfig(next).ok).toBe(true);
  });

  it('map filter options onto clientIps, releases and errorMessages; an empty list removes them', () => {
    const json = withSentrySettings(
      { filterSettings: { localhost: { isEnabled: true } } },
      {
        blacklistedIps: cleanNewlineInputs('10.0.0.0/8\n\n  192.168.1.1 '),
        releases: cleanNewlineInputs('1.0-BETA*'),
        errorMessages: cleanNewlineInputs('TypeError: *\nChunkLoadError*', false),
      },
    );
    expect(json.filterSettings).toEqual({
      localhost: { isEnabled: true },
      clientIps: { blacklistedIps: ['10.0.0.0/8', '192.168.1.1'] },
      releases: { releases: ['1.0-beta*'] },
      errorMessages: { patterns: ['TypeError: *', 'ChunkLoadError*'] },
    });
    expect(sentryFilterOptions(json)).toEqual({
      'filters:blacklisted_ips': '10.0.0.0/8\n192.168.1.1',
      'filters:releases': '1.0-beta*',
      'filters:error_messages': 'TypeError: *\nChunkLoadError*',
    });
    expect(withSentrySettings(json, { blacklistedIps: [], releases: [], errorMessages: [] })).toEqual({
      filterSettings: { localhost: { isEnabled: true } },
    });
  });

  it('merges relayPiiConfig under the project: prefix, shows it without, and removes it for blank text', () => {
    const rules = {
      rules: {
        ssn: {
          type: 'pattern',
          pattern: '\\d{3}-\\d{2}-\\d{4}',
          redaction: { method: 'replace', text: 'X' },
        },
        both: { type: 'multiple', rules: ['ssn', '@email'] },
      },
      vars: { hashKey: 'k' },
      applications: { $string: ['both', '@ip:replace'], 'extra.ssn': ['ssn'] },
    };
    const json = withSentrySettings({}, { relayPiiConfig: JSON.stringify(rules) });
    expect(json.piiConfig).toEqual({
      rules: {
        'project:ssn': rules.rules.ssn,
        'project:both': { type: 'multiple', rules: ['project:ssn', '@email'] },
      },
      applications: { $string: ['project:both', '@ip:replace'], 'extra.ssn': ['project:ssn'] },
    });
    expect(parseProjectConfig(json).ok).toBe(true);
    const { vars: _vars, ...withoutVars } = rules;
    expect(JSON.parse(sentryScrubbingFields(json).relayPiiConfig!)).toEqual(withoutVars);
    expect(withSentrySettings(json, { relayPiiConfig: '  ' })).toEqual({});
    expect(prefixProjectPiiConfig('nope')).toEqual({});
    // A config set through Vigil's own API (no prefixed rules) is shown as it is.
    const plain = { applications: { $string: ['@email:replace'] } };
    expect(unprefixProjectPiiConfig(plain)).toBe(plain);
    expect(sentryScrubbingFields({ piiConfig: '{"applications":{}}' }).relayPiiConfig).toBe(
      '{"applications":{}}',
    );
  });

  it('cleans newline inputs and checks safe fields as selectors', () => {
    expect(cleanNewlineInputs(' A \r\nB\n\n')).toEqual(['a', 'b']);
    expect(safeFieldsProblem(['password', '$http.headers.*'])).toBeUndefined();
    expect(safeFieldsProblem(['ok', '$frame.(('])).toMatch(/\(line 2\)$/);
  });
});
