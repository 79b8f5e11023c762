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
