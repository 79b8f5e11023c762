import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { attributePii } from './attribute-pii.js';
import { ATTRIBUTE_PII_TABLE } from './attribute-pii-table.js';

describe('attributePii (sentry-conventions pii marks, relay-conventions attribute_info)', () => {
  it.each([
    // Relay's eap.rs tests: sentry.release false, user.name true, sentry.description maybe.
    ['sentry.release', false],
    ['user.name', 'true'],
    ['sentry.description', 'maybe'],
    ['sentry.environment', false],
    ['sentry.observed_timestamp_nanos', false],
    ['browser.name', 'maybe'],
    ['sentry.browser.name', 'maybe'],
    ['client.address', 'true'],
    ['user.email', 'true'],
  ])('%s is %s', (key, pii) => {
    expect(attributePii(key)).toBe(pii);
  });

  it('treats attributes the conventions do not know as pii (attribute_pii_from_conventions)', () => {
    for (const key of [
      'custom_field',
      'password',
      'sentry.not_a_convention',
      '',
      'user',
      'user.name.first',
    ]) {
      expect(attributePii(key)).toBe('true');
    }
  });

  it('matches a <key> placeholder segment, preferring a known name', () => {
    expect(ATTRIBUTE_PII_TABLE['http.request.header.<key>']).toBe('auto');
    expect(attributePii('http.request.header.x-api-key')).toBe('true');
    expect(ATTRIBUTE_PII_TABLE['url.path.parameter.<key>']).toBeDefined();
    expect(attributePii("url.path.parameter.'id=123'")).toBe(
      { auto: 'true', manual: 'maybe', never: false }[ATTRIBUTE_PII_TABLE['url.path.parameter.<key>']!],
    );
    // `url.path` itself is a known name with children.
    expect(attributePii('url.path')).toBe('true');
  });

  it('holds what the installed @sentry/conventions says (regenerate: node scripts/gen-attribute-pii.mjs)', () => {
    const require = createRequire(import.meta.url);
    const { ATTRIBUTE_METADATA } = require('@sentry/conventions/attributes') as {
      ATTRIBUTE_METADATA: Record<string, { applyScrubbing: { key: string } }>;
    };
    const installed = Object.fromEntries(
      Object.entries(ATTRIBUTE_METADATA).map(([key, meta]) => [key, meta.applyScrubbing.key]),
    );
    expect(ATTRIBUTE_PII_TABLE).toEqual(installed);
  });
});
