import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PROJECT_CONFIG,
  parseProjectConfig,
  projectConfigFromSource,
  projectConfigJson,
  projectRetentionDays,
} from './config.js';

describe('parseProjectConfig', () => {
  it('gives the defaults for an empty config', () => {
    const parsed = parseProjectConfig({});
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.quotas).toEqual([]);
    expect(parsed.config.filterSettings.localhost.isEnabled).toBe(false);
    expect(parsed.config.scrubbing).toMatchObject({
      scrubData: true,
      scrubDefaults: true,
      scrubIpAddresses: false,
    });
    expect(parsed.config.sampling).toEqual({ version: 2, rules: [] });
    expect(parsed.config.allowedDomains).toEqual(['*']);
    expect(parsed.config.eventRetention).toBeUndefined();
    expect(parsed.config.source).toBe('{}');
  });

  it('reads allowedDomains and eventRetention as Relay does (null = the default)', () => {
    const parsed = parseProjectConfig({
      allowedDomains: ['*.example.com', 'http://valid.com'],
      eventRetention: 17,
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.allowedDomains).toEqual(['*.example.com', 'http://valid.com']);
    expect(parsed.config.eventRetention).toBe(17);
    expect(projectConfigJson(parsed.config)).toEqual({
      allowedDomains: ['*.example.com', 'http://valid.com'],
      eventRetention: 17,
    });
    // An empty list is kept: it refuses every request with an origin.
    const none = parseProjectConfig({ allowedDomains: [] });
    expect(none.ok && none.config.allowedDomains).toEqual([]);
    const nulls = parseProjectConfig({ allowedDomains: null, eventRetention: null });
    expect(
      nulls.ok && [nulls.config.allowedDomains, nulls.config.eventRetention, nulls.config.source],
    ).toEqual([['*'], undefined, '{}']);
  });

  it('refuses allowedDomains that are not strings and retentions that are not u16 days', () => {
    for (const eventRetention of [-1, 1.5, 65_536, '30', true]) {
      expect(parseProjectConfig({ eventRetention })).toEqual({
        ok: false,
        errors: ['eventRetention: expected an integer from 0 to 65535 (days)'],
      });
    }
    expect(parseProjectConfig({ allowedDomains: 'valid.com' })).toEqual({
      ok: false,
      errors: ['allowedDomains: expected a list of strings'],
    });
    expect(parseProjectConfig({ allowedDomains: ['a.com', 3] })).toEqual({
      ok: false,
      errors: ['allowedDomains: expected a list of strings'],
    });
  });

  it('accepts global quotas (relay-quotas QuotaScope::Global)', () => {
    const parsed = parseProjectConfig({
      quotas: [{ id: 'g', scope: 'global', categories: ['metric_bucket'], limit: 10, window: 60 }],
    });
    expect(parsed.ok && parsed.warnings).toEqual([]);
    expect(parsed.ok && parsed.config.quotas[0]).toMatchObject({ id: 'g', scope: 'global', limit: 10 });
  });

  it('parses quotas, filters, scrubbing and piiConfig in Relay shape', () => {
    const raw = {
      quotas: [
        { id: 'q1', categories: ['error'], scope: 'project', limit: 10, window: 60, reasonCode: 'too_many' },
      ],
      filterSettings: { localhost: { isEnabled: true }, releases: { releases: ['1.*'] } },
      datascrubbingSettings: { scrubIpAddresses: true, sensitiveFields: ['pin'] },
      piiConfig: { applications: { $string: ['@email:replace'] } },
      sampling: {
        version: 2,
        rules: [
          {
            id: 1,
            type: 'transaction',
            condition: { op: 'eq', name: 'event.transaction', value: 'GET /health' },
            samplingValue: { type: 'sampleRate', value: 0 },
          },
        ],
      },
    };
    const parsed = parseProjectConfig(raw);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.quotas[0]).toMatchObject({ id: 'q1', categories: ['error'], limit: 10, window: 60 });
    expect(parsed.config.filterSettings.localhost.isEnabled).toBe(true);
    expect(parsed.config.filterSettings.releases.releases).toEqual(['1.*']);
    expect(parsed.config.scrubbing.scrubIpAddresses).toBe(true);
    expect(parsed.config.scrubbing.sensitiveFields).toEqual(['pin']);
    expect(parsed.config.scrubbing.piiConfig).toEqual(raw.piiConfig);
    expect(parsed.config.sampling.rules).toMatchObject([
      { id: 1, type: 'transaction', samplingValue: { type: 'sampleRate', value: 0 } },
    ]);
    expect(projectConfigJson(parsed.config)).toEqual(raw);
  });

  it('names the path of every error', () => {
    const parsed = parseProjectConfig({
      quotas: [{ categories: ['error'], limit: -1 }],
      filterSettings: { localhost: { isEnabled: 'yes' } },
      datascrubbingSettings: { scrubData: 1, sensitiveFields: 'pin' },
      piiConfig: { rules: { r: { type: 'pattern' } } },
      sampling: {
        version: 2,
        rules: [
          {
            id: 1,
            type: 'trace',
            condition: { op: 'and', inner: [] },
            samplingValue: { type: 'sampleRate', value: 'half' },
          },
        ],
      },
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual(
      expect.arrayContaining([
        'quotas[0]: limit must be a non-negative integer',
        'datascrubbingSettings.scrubData: expected boolean',
        'datascrubbingSettings.sensitiveFields: expected a list of strings',
        'sampling.rules[0].samplingValue.value: expected a non-negative number',
      ]),
    );
    expect(parsed.errors.some((e) => e.startsWith('filterSettings.localhost'))).toBe(true);
    expect(parsed.errors.some((e) => e.startsWith('piiConfig'))).toBe(true);
  });

  it('warns about unknown keys and rejects a non-object', () => {
    const parsed = parseProjectConfig({
      trustedRelays: [],
      sampling: { version: 2, rules: [], mode: 'total' },
    });
    expect(parsed.ok && parsed.warnings).toEqual([
      'trustedRelays: unknown key (ignored)',
      'sampling.mode: unknown key (ignored)',
    ]);
    expect(parseProjectConfig([])).toEqual({ ok: false, errors: ['project config: expected an object'] });
  });

  it('parses a source text once and falls back to the defaults for a broken one', () => {
    const parsed = parseProjectConfig({ quotas: [{ categories: ['error'], limit: 0 }] });
    if (!parsed.ok) throw new Error('must parse');
    const a = projectConfigFromSource(parsed.config.source);
    expect(projectConfigFromSource(parsed.config.source)).toBe(a);
    expect(a.quotas).toEqual(parsed.config.quotas);
    const sampled = parseProjectConfig({
      sampling: {
        version: 2,
        rules: [
          {
            id: 4,
            type: 'trace',
            condition: { op: 'and', inner: [] },
            samplingValue: { type: 'sampleRate', value: 0.5 },
          },
        ],
      },
    });
    if (!sampled.ok) throw new Error('must parse');
    expect(projectConfigFromSource(sampled.config.source).sampling.rules).toHaveLength(1);
    expect(projectConfigFromSource('{not json')).toBe(DEFAULT_PROJECT_CONFIG);
  });
});

describe('projectRetentionDays', () => {
  it("is the project's eventRetention, else the server's value", () => {
    const custom = parseProjectConfig({ eventRetention: 17 });
    if (!custom.ok) throw new Error('must parse');
    expect(projectRetentionDays(custom.config, 90)).toBe(17);
    expect(projectRetentionDays(DEFAULT_PROJECT_CONFIG, 90)).toBe(90);
    expect(projectRetentionDays(DEFAULT_PROJECT_CONFIG, undefined)).toBeUndefined();
    expect(projectRetentionDays(projectConfigFromSource(custom.config.source), undefined)).toBe(17);
  });
});
