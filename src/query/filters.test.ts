import { describe, expect, it } from 'vitest';
import { resolveBooleanConditions } from './boolean.js';
import type { SearchConfigInput } from './config.js';
import { parseSearchQuery, type SearchTerm } from './filters.js';
import { ISSUE_SEARCH_CONFIG } from './issue-search.js';
import { resolveSearchConfig } from './config.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');

function stripLocations(terms: readonly SearchTerm[]): unknown[] {
  return terms.map((t) => {
    const { location: _location, ...rest } = t;
    return rest.type === 'paren' ? { ...rest, children: stripLocations(rest.children) } : rest;
  });
}

function filters(query: string, config: SearchConfigInput = {}): unknown[] {
  const result = parseSearchQuery(query, { now: NOW, ...config });
  if (!result.ok) throw new Error(`unexpected error: ${result.error.message}`);
  return stripLocations(result.value);
}

function errorOf(query: string, config: SearchConfigInput = {}): string {
  const result = parseSearchQuery(query, { now: NOW, ...config });
  if (result.ok) throw new Error(`expected an error for ${query}`);
  return result.error.message;
}

const issueConfig = resolveSearchConfig({ now: NOW }, ISSUE_SEARCH_CONFIG);
const issue = (query: string): unknown[] => {
  const result = parseSearchQuery(query, issueConfig);
  if (!result.ok) throw new Error(`unexpected error: ${result.error.message}`);
  return stripLocations(result.value);
};
const issueError = (query: string): string => {
  const result = parseSearchQuery(query, issueConfig);
  if (result.ok) throw new Error(`expected an error for ${query}`);
  return result.error.message;
};

const text = (key: string, operator: string, value: string): unknown => ({
  type: 'filter',
  key,
  operator,
  value: { kind: 'text', value },
});

describe('free text', () => {
  it('becomes a wrapped substring match on message; separate runs stay separate', () => {
    expect(filters('hello   world')).toEqual([text('message', '=', '*hello   world*')]);
    expect(filters('"hello" user.email:a@b.c bye')).toEqual([
      text('message', '=', '*hello*'),
      text('user.email', '=', 'a@b.c'),
      text('message', '=', '*bye*'),
    ]);
  });

  it('is left alone when it starts or ends with *, and dropped when empty', () => {
    expect(filters('foo*')).toEqual([text('message', '=', 'foo*')]);
    expect(filters('"" ')).toEqual([]);
  });

  it('unescapes quotes in quoted free text', () => {
    expect(filters('" he\\"llo "')).toEqual([text('message', '=', '* he"llo *')]);
  });
});

describe('filters', () => {
  it('maps has / !has to != "" / = ""', () => {
    expect(filters('has:release !has:"hi:there"')).toEqual([
      text('release', '!=', ''),
      text('hi:there', '=', ''),
    ]);
  });

  it('negates operators through the negation map', () => {
    expect(filters('!issue.id:>5 !issue.id:<=5 !level:error')).toEqual([
      { type: 'filter', key: 'issue.id', operator: '<=', value: { kind: 'number', value: 5 } },
      { type: 'filter', key: 'issue.id', operator: '>', value: { kind: 'number', value: 5 } },
      text('level', '!=', 'error'),
    ]);
  });

  it('turns lists into IN / NOT IN', () => {
    expect(filters('release:[a, "b c"] !issue.id:[1,2k]')).toEqual([
      { type: 'filter', key: 'release', operator: 'IN', value: { kind: 'textList', values: ['a', 'b c'] } },
      {
        type: 'filter',
        key: 'issue.id',
        operator: 'NOT IN',
        value: { kind: 'numberList', values: [1, 2000] },
      },
    ]);
  });

  it('keeps operators inside the value for text keys (random:>500 means the text ">500")', () => {
    expect(filters('random:>500')).toEqual([text('random', '=', '>500')]);
  });

  it('keeps \\* as an escaped literal and unescapes quotes', () => {
    expect(filters('title:a\\*b url:"x\\"y"')).toEqual([
      text('title', '=', 'a\\*b'),
      text('url', '=', 'x"y'),
    ]);
  });

  it('applies units: durations in ms, sizes in bytes, numbers with k/m/b', () => {
    expect(
      filters('transaction.duration:>1.5s file.size:<2kib stack.colno:3m', { sizeKeys: ['file.size'] }),
    ).toEqual([
      {
        type: 'filter',
        key: 'transaction.duration',
        operator: '>',
        value: { kind: 'number', value: 1500, unit: 'ms' },
      },
      {
        type: 'filter',
        key: 'file.size',
        operator: '<',
        value: { kind: 'number', value: 2048, unit: 'bytes' },
      },
      { type: 'filter', key: 'stack.colno', operator: '=', value: { kind: 'number', value: 3e6 } },
    ]);
  });

  it('handles booleans, folding negation into the value', () => {
    expect(filters('!error.handled:false stack.in_app:1')).toEqual([
      { type: 'filter', key: 'error.handled', operator: '=', value: { kind: 'boolean', value: true } },
      { type: 'filter', key: 'stack.in_app', operator: '=', value: { kind: 'boolean', value: true } },
    ]);
  });

  it('turns hidden wildcard operators into wildcard values', () => {
    expect(
      filters('a:\uF00DContains\uF00Dfi*re b:\uF00DDoesNotStartWith\uF00Dx !c:\uF00DEndsWith\uF00D[y, z]'),
    ).toEqual([
      text('a', '=', '*fi\\*re*'),
      text('b', '!=', 'x*'),
      { type: 'filter', key: 'c', operator: 'NOT IN', value: { kind: 'textList', values: ['*y', '*z'] } },
    ]);
  });

  it('reads typed number tags and flags as numbers', () => {
    expect(filters('tags[n,number]:>=5k !flags[f,number]:2')).toEqual([
      { type: 'filter', key: 'tags[n,number]', operator: '>=', value: { kind: 'number', value: 5000 } },
      { type: 'filter', key: 'flags[f,number]', operator: '!=', value: { kind: 'number', value: 2 } },
    ]);
  });

  it('builds regex filters when allowed', () => {
    expect(filters('!message://^a.*b//', { allowRegex: true })).toEqual([
      { type: 'filter', key: 'message', operator: '!=', value: { kind: 'regex', value: '^a.*b' } },
    ]);
  });

  it('builds aggregate filters (percentages as fractions)', () => {
    expect(filters('count():>10 failure_rate():>=50% p95(transaction.duration):<1s')).toEqual([
      { type: 'aggregate', key: 'count()', operator: '>', value: { kind: 'number', value: 10 } },
      {
        type: 'aggregate',
        key: 'failure_rate()',
        operator: '>=',
        value: { kind: 'number', value: 0.5, unit: 'fraction' },
      },
      {
        type: 'aggregate',
        key: 'p95(transaction.duration)',
        operator: '<',
        value: { kind: 'number', value: 1000, unit: 'ms' },
      },
    ]);
  });
});

describe('dates', () => {
  it('compares dates with operators (naive = UTC)', () => {
    expect(filters('timestamp:>2024-01-01')).toEqual([
      {
        type: 'filter',
        key: 'timestamp',
        operator: '>',
        value: { kind: 'date', value: '2024-01-01T00:00:00.000Z' },
      },
    ]);
  });

  it('expands a specific date to the day and a date-time to [t-5min, t+6min)', () => {
    const range = (start: string, end: string): unknown[] => [
      { type: 'filter', key: 'timestamp', operator: '>=', value: { kind: 'date', value: start } },
      { type: 'filter', key: 'timestamp', operator: '<', value: { kind: 'date', value: end } },
    ];
    expect(filters('timestamp:2024-01-01')).toEqual(
      range('2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z'),
    );
    expect(filters('timestamp:2024-01-01T10:00:00Z')).toEqual(
      range('2024-01-01T09:55:00.000Z', '2024-01-01T10:06:00.000Z'),
    );
  });

  it('reads -24h as "within" and +7d as "older than"', () => {
    expect(filters('timestamp:-24h timestamp:+7d')).toEqual([
      {
        type: 'filter',
        key: 'timestamp',
        operator: '>=',
        value: { kind: 'date', value: '2024-04-30T12:00:00.000Z' },
      },
      {
        type: 'filter',
        key: 'timestamp',
        operator: '<=',
        value: { kind: 'date', value: '2024-04-24T12:00:00.000Z' },
      },
    ]);
  });

  it('makes relative aggregate dates absolute too', () => {
    expect(filters('last_seen():-1h')).toEqual([
      {
        type: 'aggregate',
        key: 'last_seen()',
        operator: '>=',
        value: { kind: 'date', value: '2024-05-01T11:00:00.000Z' },
      },
    ]);
  });
});

describe("Sentry's error messages", () => {
  it.each([
    ['device.family:', "Empty string after 'device.family:'"],
    ['url:te"st', `Invalid quote at 'te"st': quotes must enclose text or be escaped.`],
    ['url:"test', `Invalid quote at '"test': quotes must enclose text or be escaped.`],
    [
      'timestamp:hello',
      'timestamp: Invalid date: hello. Expected +/-duration (e.g. +1h) or ISO 8601-like (e.g. 2024-05-01T12:00:00.00).',
    ],
    ['stack.in_app:lol', 'stack.in_app: Invalid boolean: lol. Expected true, 1, false, or 0.'],
    [
      'project.id:one',
      'project.id: Invalid number: one. Expected number then optional k, m, or b suffix (e.g. 500k).',
    ],
    [
      'transaction.duration:>hotdog',
      'transaction.duration: Invalid number: >hotdog. Expected number then optional k, m, or b suffix (e.g. 500k).',
    ],
    [
      'project_id:[a, b]',
      "project_id: Invalid number: ['a', 'b']. Expected number then optional k, m, or b suffix (e.g. 500k).",
    ],
    ['project_id:[500,501,]', 'Lists should not have empty values'],
    ['has:"hi there"', 'Invalid format for "has" search: was expecting a field or tag instead'],
    ['is:unresolved', '"is:" queries are not supported in this search.'],
    ['timestamp:>2018-02-30', '2018-02-30 is not a valid ISO8601 date query'],
    ['avg(stack.colno):>500s', 'Invalid aggregate query condition: avg(stack.colno)'],
    [
      'foo(',
      "Parse error at 'foo(' (column 4). This is commonly caused by unmatched parentheses. Enclose any text in double quotes.",
    ],
  ])('%s → %s', (query, message) => {
    expect(errorOf(query)).toBe(message);
  });

  it('reports the offending span', () => {
    const result = parseSearchQuery('level:error device.family:', { now: NOW });
    expect(result.ok ? null : result.error).toEqual({
      type: 'invalid_filter',
      message: "Empty string after 'device.family:'",
      position: { start: 12, end: 26 },
    });
  });

  it('applies allowed and blocked keys', () => {
    expect(errorOf('secret:1', { blockedKeys: ['secret'] })).toBe('Invalid key for this search: secret');
    expect(errorOf('b:1', { allowedKeys: ['a'] })).toBe('Invalid key for this search: b');
  });
});

describe('issue search config', () => {
  it('maps key aliases', () => {
    expect(issue('assigned:me firstSeen:-2w dist:abc bookmarks:me')).toEqual([
      text('assigned_to', '=', 'me'),
      {
        type: 'filter',
        key: 'first_seen',
        operator: '>=',
        value: { kind: 'date', value: '2024-04-17T12:00:00.000Z' },
      },
      text('sentry:dist', '=', 'abc'),
      text('bookmarked_by', '=', 'me'),
    ]);
  });

  it('translates is: values', () => {
    expect(issue('is:unresolved !is:assigned is:archived is:regressed')).toEqual([
      { ...(text('status', '=', 'unresolved') as object), isAlias: 'unresolved' },
      {
        type: 'filter',
        key: 'unassigned',
        operator: '!=',
        value: { kind: 'boolean', value: false },
        isAlias: 'assigned',
      },
      { ...(text('status', '=', 'ignored') as object), isAlias: 'archived' },
      { ...(text('substatus', '=', 'regressed') as object), isAlias: 'regressed' },
    ]);
  });

  it('rejects booleans and aggregates, and degrades groups to free text', () => {
    expect(issueError('a OR b')).toBe(
      'Boolean statements containing "OR" or "AND" are not supported in this search',
    );
    expect(issueError('(a OR b)')).toBe(
      'Boolean statements containing "OR" or "AND" are not supported in this search',
    );
    expect(issueError('count():>1')).toBe('Aggregate filters are not supported in this search: count()');
    expect(issue('(a b) c')).toEqual([text('message', '=', '*(a b)*'), text('message', '=', '*c*')]);
  });

  it('reports unknown is: values with the sorted list', () => {
    expect(issueError('is:nope')).toMatch(
      /^Invalid value for "is" search, valid values are \['archived', 'archived_forever', .*'unresolved', 'until_condition_met', 'until_escalating'\]$/,
    );
    expect(issueError('is:[a,b]')).toBe('"in" syntax invalid for "is" search');
  });
});

describe('resolveBooleanConditions', () => {
  const tree = (query: string): unknown => {
    const terms = parseSearchQuery(query, { now: NOW });
    if (!terms.ok) throw new Error(terms.error.message);
    const resolved = resolveBooleanConditions(terms.value);
    if (!resolved.ok) throw new Error(resolved.error.message);
    return JSON.parse(JSON.stringify(resolved.value, (k, v: unknown) => (k === 'location' ? undefined : v)));
  };
  const boolError = (query: string): string => {
    const terms = parseSearchQuery(query, { now: NOW });
    if (!terms.ok) throw new Error(terms.error.message);
    const resolved = resolveBooleanConditions(terms.value);
    return resolved.ok ? '' : resolved.error.message;
  };
  const a = text('a', '=', '1');
  const b = text('b', '=', '1');
  const c = text('c', '=', '1');

  it('binds AND tighter than OR', () => {
    expect(tree('a:1 b:1 OR c:1')).toEqual({ type: 'or', children: [{ type: 'and', children: [a, b] }, c] });
    expect(tree('a:1 OR b:1 AND c:1')).toEqual({
      type: 'or',
      children: [a, { type: 'and', children: [b, c] }],
    });
    expect(tree('a:1 OR b:1 OR c:1')).toEqual({ type: 'or', children: [a, b, c] });
  });

  it('resolves parentheses as groups', () => {
    expect(tree('(a:1 OR b:1) c:1')).toEqual({
      type: 'and',
      children: [{ type: 'or', children: [a, b] }, c],
    });
    expect(tree('')).toBeNull();
  });

  it("reports Sentry's boolean errors", () => {
    expect(boolError('OR a:1')).toBe("Condition is missing on the left side of 'OR' operator");
    expect(boolError('a:1 AND')).toBe("Condition is missing on the right side of 'AND' operator");
    expect(boolError('a:1 OR AND b:1')).toBe(
      "Missing condition in between two condition operators: 'OR AND'",
    );
    expect(boolError('(a:1 OR) b:1')).toBe("Condition is missing on the right side of 'OR' operator");
    expect(boolError('a:1 OR count():>1')).toBe(
      'Having an OR between aggregate filters and normal filters is invalid.',
    );
  });
});
