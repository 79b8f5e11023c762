import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveSearchConfig, type SearchConfig } from './config.js';
import { parseSearchQuery, type SearchTerm } from './filters.js';
import { ISSUE_SEARCH_CONFIG } from './issue-search.js';
import { toQueryString } from './query-string.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const defaults = resolveSearchConfig({ now: NOW, sizeKeys: ['file.size'], allowRegex: true });
const issues = resolveSearchConfig({ now: NOW }, ISSUE_SEARCH_CONFIG);

function withoutLocations(terms: readonly SearchTerm[]): unknown {
  return JSON.parse(JSON.stringify(terms, (k, v: unknown) => (k === 'location' ? undefined : v)));
}

function terms(query: string, config: SearchConfig): SearchTerm[] {
  const result = parseSearchQuery(query, config);
  if (!result.ok) throw new Error(`${query}: ${result.error.message}`);
  return result.value;
}

function roundTrip(query: string, config: SearchConfig): { text: string; before: unknown; after: unknown } {
  const first = terms(query, config);
  const text = toQueryString(first);
  return { text, before: withoutLocations(first), after: withoutLocations(terms(text, config)) };
}

describe('toQueryString', () => {
  it.each([
    'hello world',
    '"quoted \\"free\\" text" level:error',
    'user.email:foo@example.com !release:1.2.1',
    'release:["a release", b, "c,d"] !level:[error, fatal]',
    'has:release !has:"hi:there" has:tags[foo]',
    'title:a\\*b url:"x y" message:*foo*',
    'random:>500 random:"<x"',
    'issue.id:>5 !issue.id:<=5 project_id:[1, 2k] !project_id:-3',
    'timestamp:>2024-01-01 timestamp:2024-01-02 timestamp:-24h timestamp:+7d timestamp:2024-01-01T10:00:00',
    'transaction.duration:>1.5s file.size:<2kib',
    'error.handled:true !stack.in_app:1',
    'count():>10 failure_rate():>=7% p95(transaction.duration):<1s last_seen():-1h !count():5',
    'a:1 OR (b:2 AND c:3)',
    'tags[fruit]:apple flags[beta,number]:>=2 tags[n,number]:[1, 2] flags[x]:y',
    'message://^a.*b// !browser.name://fire fox//',
    'a:\uF00DContains\uF00Dfi*re b:\uF00DStartsWith\uF00D"x y"',
    'release.version:>1.2.3',
    '"hi:there":value foo[*]:bar',
  ])('round-trips %s', (query) => {
    const { before, after } = roundTrip(query, defaults);
    expect(after).toEqual(before);
  });

  it.each([
    'is:unresolved !is:assigned assigned:me bookmarks:#team firstSeen:-2w lastSeen:2024-01-01 timesSeen:>100',
    'dist:abc (a b) c',
    'first-release:latest event.timestamp:>=2024-01-01T00:00:00Z',
  ])('round-trips issue query %s', (query) => {
    const { before, after } = roundTrip(query, issues);
    expect(after).toEqual(before);
  });

  it('serialises to the canonical forms', () => {
    expect(roundTrip('hello !level:error assigned:me is:resolved !has:x timesSeen:>1k', issues).text).toBe(
      'message:*hello* !level:error assigned_to:me is:resolved !has:x times_seen:>1000',
    );
  });

  it('round-trips generated text filters', () => {
    const value = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((v) => !v.endsWith('\\') && !/[\n\r]/.test(v));
    fc.assert(
      fc.property(value, fc.boolean(), (v, negated) => {
        const filter: SearchTerm = {
          type: 'filter',
          key: 'url',
          operator: negated ? '!=' : '=',
          value: { kind: 'text', value: v },
        };
        const back = parseSearchQuery(toQueryString([filter]), defaults);
        expect(back.ok).toBe(true);
        if (back.ok) expect(withoutLocations(back.value)).toEqual([filter]);
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * Query text built from the grammar's pieces: text and list filters with arbitrary quoted
 * values, numbers with multipliers, durations, sizes, dates (absolute, whole-day, relative),
 * booleans, `has:`, aggregate filters (numbers, durations, percentages, dates), free text,
 * negations, parentheses and `AND` / `OR`.
 */
const quotedText = fc
  .string({ maxLength: 10 })
  .filter((v) => !v.endsWith('\\') && !/[\n\r]/.test(v))
  .map((v) => `"${v.replace(/"/g, '\\"')}"`);
const bareText = fc.stringMatching(/^[a-z0-9][a-z0-9*._@-]{0,8}$/);
const textValue = fc.oneof(quotedText, bareText);
const neg = fc.constantFrom('', '!');
const op = fc.constantFrom('', '>', '>=', '<', '<=', '!=');
const number = fc.stringMatching(/^[0-9]{1,6}(\.[0-9]{1,3})?$/);
const textKey = fc.constantFrom('url', 'browser.name', 'tags[fruit]', 'flags[beta]', 'user.email');
const isoDate = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const pieces = {
  text: fc.tuple(neg, textKey, textValue).map(([n, k, v]) => `${n}${k}:${v}`),
  list: fc
    .tuple(
      neg,
      textKey,
      fc.array(
        fc.oneof(
          quotedText.filter((q) => q !== '""'),
          bareText,
        ),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([n, k, items]) => `${n}${k}:[${items.join(', ')}]`),
  numeric: fc
    .tuple(
      neg,
      fc.constantFrom('project.id', 'issue.id', 'stack.lineno'),
      op,
      fc.constantFrom('', '-'),
      number,
      fc.constantFrom('', 'k', 'm', 'b'),
    )
    .map(([n, k, o, sign, v, unit]) => `${n}${k}:${o}${sign}${v}${unit}`),
  numericList: fc
    .tuple(neg, fc.array(fc.tuple(number, fc.constantFrom('', 'k')), { minLength: 1, maxLength: 3 }))
    .map(([n, items]) => `${n}project.id:[${items.map(([v, u]) => `${v}${u}`).join(', ')}]`),
  duration: fc
    .tuple(
      neg,
      fc.constantFrom('transaction.duration', 'measurements.lcp', 'spans.db'),
      op,
      number,
      fc.constantFrom('ms', 's', 'min', 'm', 'hr', 'h', 'day', 'd', 'wk', 'w'),
    )
    .map(([n, k, o, v, unit]) => `${n}${k}:${o}${v}${unit}`),
  size: fc
    .tuple(neg, op, number, fc.constantFrom('bytes', 'kb', 'mib', 'gb'))
    .map(([n, o, v, unit]) => `${n}file.size:${o}${v}${unit}`),
  // Date filters take no negation in Sentry's grammar (`!timestamp:>…` is an invalid date).
  date: fc.tuple(fc.constantFrom('>', '>=', '<', '<='), isoDate).map(([o, d]) => `timestamp:${o}${d}`),
  wholeDay: isoDate.map((d) => `timestamp:${d.slice(0, 10)}`),
  relative: fc
    .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 1, max: 500 }), fc.constantFrom('w', 'd', 'h', 'm'))
    .map(([s, v, u]) => `timestamp:${s}${v}${u}`),
  boolean: fc
    .tuple(neg, fc.constantFrom('error.handled', 'stack.in_app'), fc.constantFrom('true', 'false', '1', '0'))
    .map(([n, k, v]) => `${n}${k}:${v}`),
  has: fc.tuple(neg, fc.constantFrom('release', 'tags[fruit]', 'user.email')).map(([n, k]) => `${n}has:${k}`),
  aggregate: fc.oneof(
    fc.tuple(neg, op, number).map(([n, o, v]) => `${n}count():${o}${v}`),
    fc
      .tuple(neg, op, number, fc.constantFrom('ms', 's'))
      .map(([n, o, v, u]) => `${n}p95(transaction.duration):${o}${v}${u}`),
    fc.tuple(neg, op, fc.integer({ min: 0, max: 100 })).map(([n, o, v]) => `${n}failure_rate():${o}${v}%`),
    fc.tuple(neg, fc.constantFrom('>', '<'), isoDate).map(([n, o, d]) => `${n}last_seen():${o}${d}`),
    fc
      .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 1, max: 48 }))
      .map(([s, v]) => `last_seen():${s}${v}h`),
  ),
  freeText: fc.stringMatching(/^[a-z]{1,8}$/),
};
const term = fc.oneof(...Object.values(pieces));
const termList = (inner: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .tuple(inner, fc.array(fc.tuple(fc.constantFrom(' ', ' AND ', ' OR '), inner), { maxLength: 3 }))
    .map(([first, rest]) => first + rest.map(([sep, t]) => sep + t).join(''));
const query = termList(
  fc.oneof({ weight: 4, arbitrary: term }, { weight: 1, arbitrary: termList(term).map((q) => `(${q})`) }),
);

describe('toQueryString round trip (query → AST → string → same AST)', () => {
  it('keeps every generated query', () => {
    fc.assert(
      fc.property(query, (text) => {
        const first = parseSearchQuery(text, defaults);
        if (!first.ok) throw new Error(`${text}: ${first.error.message}`);
        const back = parseSearchQuery(toQueryString(first.value), defaults);
        expect(back.ok).toBe(true);
        if (back.ok) expect(withoutLocations(back.value)).toEqual(withoutLocations(first.value));
      }),
      { numRuns: 1000 },
    );
  });
});
