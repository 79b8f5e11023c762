import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isJsonObject } from '../../protocol/json.js';
import { parameterize } from './parameterization.js';

// Conformance cases from getsentry/sentry tests/sentry/grouping/test_parameterization.py,
// kept outside the project (see ../shared/fixtures/sentry-parameterization/SOURCE.md).
const casesUrl = new URL('../../../../shared/fixtures/sentry-parameterization/cases.json', import.meta.url);
const haveFixtures = existsSync(casesUrl);

interface Case {
  name: string;
  input: string;
  expected: string;
  actual?: string;
}

function loadCases(): { standard: Case[]; knownIncorrect: Case[] } {
  const raw: unknown = JSON.parse(readFileSync(casesUrl, 'utf8'));
  if (!isJsonObject(raw)) throw new Error('cases.json is not an object');
  const read = (key: string): Case[] => {
    const list = raw[key];
    if (!Array.isArray(list)) throw new Error(`cases.json: ${key} is not a list`);
    return list.map((item) => {
      if (!isJsonObject(item)) throw new Error(`cases.json: bad ${key} entry`);
      const { name, input, expected, actual } = item;
      if (typeof name !== 'string' || typeof input !== 'string' || typeof expected !== 'string') {
        throw new Error(`cases.json: bad ${key} entry`);
      }
      return { name, input, expected, ...(typeof actual === 'string' ? { actual } : {}) };
    });
  };
  return { standard: read('standard'), knownIncorrect: read('known_incorrect') };
}

describe.skipIf(!haveFixtures)('parameterize: Sentry conformance cases', () => {
  const { standard, knownIncorrect } = haveFixtures ? loadCases() : { standard: [], knownIncorrect: [] };

  it('has the expected number of cases', () => {
    expect(standard).toHaveLength(172);
    expect(knownIncorrect).toHaveLength(8);
  });

  it.each(standard.map((c, i) => [`${i} ${c.name}`, c] as const))('%s', (_label, c) => {
    expect(parameterize(c.input)).toBe(c.expected);
    expect(parameterize(`prefix ${c.input}`)).toBe(`prefix ${c.expected}`);
    expect(parameterize(`${c.input} suffix`)).toBe(`${c.expected} suffix`);
    expect(parameterize(`prefix ${c.input} suffix`)).toBe(`prefix ${c.expected} suffix`);
  });

  it.each(knownIncorrect.map((c) => [c.name, c] as const))('reproduces known-incorrect: %s', (_label, c) => {
    const out = parameterize(c.input);
    expect(out).not.toBe(c.expected);
    expect(out).toBe(c.actual);
  });
});

describe.runIf(!haveFixtures)('parameterize: conformance', () => {
  it.skip('skipped: ../shared/fixtures/sentry-parameterization is absent', () => {});
});

describe('parameterize: unit', () => {
  it('replaces numbers, uuids and urls', () => {
    expect(parameterize('Error with order #1231')).toBe('Error with order #<int>');
    expect(parameterize('user 7c1811ed-e98f-4c9c-a9f9-58c757ff494f at https://x.io/a?b=1')).toBe(
      'user <uuid> at <url>',
    );
  });

  it('uses Python (Unicode) word boundaries', () => {
    // Python's \b sees no boundary between a letter and a digit, in any script.
    expect(parameterize('é123')).toBe('é123');
    expect(parameterize('Ошибка 42')).toBe('Ошибка <int>');
  });

  it('falls back to pattern-by-pattern matching when an ip candidate is declined', () => {
    // Sentry's test_replacement_callback_false_positive_triggers_individual_regex_fallback
    expect(parameterize('1a2b3c4d5e6f 12:31:99')).toBe('<hex> <int>:<int>:<int>');
    expect(parameterize('at 12:31:12 from fe80::1%eth0')).toBe('at <date> from <ip>');
  });

  it('leaves text without parameters alone', () => {
    expect(parameterize('A quick brown fox')).toBe('A quick brown fox');
    expect(parameterize('')).toBe('');
  });
});
