import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeMessageForGrouping } from './message.js';
import { parameterize } from './parameterization.js';

// The shortcuts (patterns left out when a message lacks their clues, ASCII-only regexes) must
// never change a result: compare with the exhaustive, Unicode-aware run.
const TOKENS = [
  ...'0123456789abcdefABCDEFxXgtzT:.-/@=\'" ,;()[]{}%#?_\n\t\r\u00a0\u2028é٣'.split(''),
  'datetime(',
  'datetime.datetime(2024, 1, 1)',
  'datetimeXdatetime(x)',
  'deadbeefcafe',
  'DEADBEEFCAFEBABE',
  'tx',
  '0x1F',
  'http://',
  'wss://',
  'example.com',
  'EXAMPLE.ORG',
  'foo@bar.io',
  '::',
  'fe80::1',
  '12:31:99',
  '10.0.0.1/24',
  'Jan',
  'Mon',
  'GMT+0100',
  'ms',
  's ',
  '=True',
  "='x'",
  '00-',
  '1-',
  ' PM',
];

const message = fc.array(fc.constantFrom(...TOKENS), { maxLength: 24 }).map((parts) => parts.join(''));

describe('parameterize shortcuts', () => {
  it('give the exhaustive result on random messages', () => {
    fc.assert(
      fc.property(message, (text) => {
        expect(parameterize(text)).toBe(parameterize(text, { exhaustive: true }));
      }),
      { numRuns: 3000 },
    );
  });

  it('catch patterns that need no digit (IPv6 without digits, all-letter hex, datetime reprs)', () => {
    expect(parameterize('between :: and fe:ab::')).toBe('between <ip> and <ip>');
    expect(parameterize('token deadbeefcafe')).toBe('token <hex>');
    expect(parameterize('at datetime_datetime(now)')).toBe('at <date>');
    expect(parameterize('no values here')).toBe('no values here');
  });

  const casesUrl = new URL('../../../../shared/fixtures/sentry-parameterization/cases.json', import.meta.url);
  it.runIf(existsSync(casesUrl))('give the exhaustive result on every Sentry conformance input', () => {
    const raw = JSON.parse(readFileSync(casesUrl, 'utf8')) as Record<string, { input: string }[]>;
    const inputs = [...(raw['standard'] ?? []), ...(raw['known_incorrect'] ?? [])].map((c) => c.input);
    expect(inputs.length).toBeGreaterThan(170);
    for (const input of inputs) expect(parameterize(input)).toBe(parameterize(input, { exhaustive: true }));
  });

  it('remembers normalised messages without changing them', () => {
    const text = 'Loading chunk 158 failed.\n(timeout: https://example.com/x)\nmore';
    const first = normalizeMessageForGrouping(text);
    // The cut marker `...` joins the URL, as in Sentry.
    expect(first).toBe('Loading chunk <int> failed.\n(timeout: <url>');
    expect(normalizeMessageForGrouping(text)).toBe(first);
    const long = `${'x'.repeat(600)} 42`;
    expect(normalizeMessageForGrouping(long)).toBe(`${'x'.repeat(600)} <int>`);
  });
});
