import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyWildcard } from '../values.js';
import {
  compileDatasetQuery,
  datasetLookupNeeds,
  DATASETS,
  type CompiledDatasetQuery,
  type DatasetQueryRequest,
} from './index.js';
import type { Dataset } from './types.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const base: DatasetQueryRequest = {
  fields: ['id'],
  query: '',
  sort: [],
  projects: [
    { id: 1, slug: 'web' },
    { id: 2, slug: 'api' },
  ],
  environments: [],
  start: new Date('2024-04-30T12:00:00.000Z'),
  end: NOW,
  limit: 50,
  offset: 0,
  now: NOW,
};

function compile(dataset: Dataset, over: Partial<DatasetQueryRequest>): CompiledDatasetQuery {
  const result = compileDatasetQuery(dataset, { ...base, ...over });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function errorOf(dataset: Dataset, over: Partial<DatasetQueryRequest>): string {
  const result = compileDatasetQuery(dataset, { ...base, ...over });
  if (result.ok) throw new Error('expected an error');
  return result.error.message;
}

const { discover, errors, transactions, spans, logs, tracemetrics } = DATASETS as Record<string, Dataset>;

describe('compileDatasetQuery', () => {
  it('groups by the plain fields when functions are selected, with HAVING for aggregate filters', () => {
    const q = compile(errors!, {
      fields: ['title', 'count()'],
      query: 'count():>5 level:error',
      sort: ['-count()'],
    });
    expect(q.sql).toMatch(
      /^SELECT vigil_c0 AS vigil_r0, count\(\) AS vigil_r1 FROM \(SELECT title AS vigil_c0 FROM events WHERE /,
    );
    expect(q.sql).toContain('GROUP BY vigil_c0 HAVING count() > {p');
    expect(q.sql).toContain('ORDER BY vigil_r1 DESC, vigil_c0 DESC');
    expect(q.columns.map((c) => [c.field, c.type])).toEqual([
      ['title', 'string'],
      ['count()', 'integer'],
    ]);
    expect(Object.values(q.params)).toContainEqual(5);
    expect(Object.values(q.params)).toContainEqual('error');
  });

  it('sorts by a function by its text or its alias', () => {
    for (const sort of [
      '-p95(transaction.duration)',
      '-p95_transaction_duration',
      '-p95( transaction.duration )',
    ]) {
      const q = compile(transactions!, {
        fields: ['transaction', 'p95(transaction.duration)'],
        sort: [sort],
      });
      expect(q.sql).toContain('ORDER BY vigil_r1 DESC');
    }
  });

  it('adds the automatic id and project to plain queries, and orders by time then id', () => {
    const q = compile(errors!, { fields: ['title'] });
    expect(q.columns.map((c) => c.field)).toEqual(['title', 'id', 'project.name']);
    expect(q.sql).toMatch(/ORDER BY vigil_c\d DESC, vigil_c1 DESC LIMIT/);
    expect(compile(logs!, { fields: ['message'] }).columns.map((c) => c.field)).toEqual(['message']);
    expect(compile(logs!, { fields: ['timestamp'] }).columns.map((c) => c.field)).toEqual([
      'timestamp',
      'timestamp_precise',
    ]);
  });

  it('unions the errors and transactions sources for discover', () => {
    const q = compile(discover!, { fields: ['event.type', 'count()'] });
    expect(q.sql).toMatch(
      /FROM \(SELECT type AS vigil_c0 FROM events WHERE .* UNION ALL SELECT 'transaction' AS vigil_c0 FROM spans WHERE .*is_segment = 1/,
    );
  });

  it('compiles tags through the hash-map index and attributes through the typed maps', () => {
    const q = compile(errors!, { query: 'tags[browser]:Chrome !flags[beta]:true' });
    expect(q.sql).toContain('has(`_tags_hash_map`, cityHash64({p');
    expect(q.sql).toContain('NOT (has(`_flags_hash_map`, cityHash64({p');
    expect(Object.values(q.params)).toEqual(expect.arrayContaining(['browser=Chrome', 'beta=true']));
    const s = compile(spans!, { query: 'tags[db.rows,number]:>3 http.method:GET' });
    expect(s.sql).toContain('mapContains(attributes_int, {p');
    expect(s.sql).toContain('attributes_string[{p');
  });

  it('classifies wildcards like Sentry and keeps free text case-insensitive', () => {
    const q = compile(transactions!, { query: 'transaction:GET* release:*-beta user.email:a*@x.* Timeout' });
    expect(q.sql).toContain('startsWith(lowerUTF8(name), {p');
    expect(q.sql).toContain('endsWith(lowerUTF8(release), {p');
    expect(q.sql).toContain('ILIKE {p');
    expect(q.sql).toContain('positionCaseInsensitiveUTF8(name, {p');
    expect(Object.values(q.params)).toEqual(expect.arrayContaining(['get', '-beta', 'a%@x.%', 'Timeout']));
  });

  it('nests AND / OR with parentheses', () => {
    const q = compile(errors!, { query: 'level:error (user.id:a OR user.id:b) OR level:fatal' });
    expect(q.sql).toMatch(
      /\(\(level = \{p\d+:String\} AND \(user_id = \{p\d+:String\} OR user_id = \{p\d+:String\}\)\) OR level = \{p\d+:String\}\)/,
    );
  });

  it('binds dates, numbers with units, lists and the project slug', () => {
    const q = compile(transactions!, {
      query:
        'timestamp:>=2024-04-30T00:00:00 transaction.duration:>1.5s transaction.op:[db, http] project:api',
    });
    expect(q.sql).toContain('addMicroseconds(timestamp, toInt64(round(duration_ms * 1000))) >= {p');
    expect(q.sql).toContain('duration_ms > {p');
    expect(q.sql).toContain('op IN {p');
    expect(Object.values(q.params)).toEqual(
      expect.arrayContaining(['2024-04-30 00:00:00.000', 1500, ['db', 'http'], [2]]),
    );
  });

  it('types function results like Sentry', () => {
    const q = compile(transactions!, {
      fields: [
        'p95()',
        'failure_rate()',
        'epm()',
        'last_seen()',
        'count_unique(user)',
        'avg(measurements.lcp)',
      ],
    });
    expect(q.columns.map((c) => [c.field, c.type, c.unit])).toEqual([
      ['p95()', 'duration', 'millisecond'],
      ['failure_rate()', 'percentage', null],
      ['epm()', 'rate', '1/minute'],
      ['last_seen()', 'date', null],
      ['count_unique(user)', 'integer', null],
      ['avg(measurements.lcp)', 'duration', 'millisecond'],
    ]);
    expect(compile(tracemetrics!, { fields: ['p50()'] }).columns[0]?.type).toBe('number');
  });

  it.each([
    ['errors', { fields: [] }, 'No columns selected'],
    [
      'errors',
      { fields: Array.from({ length: 21 }, (_, i) => `f${i}`) },
      'You can view up to 20 fields at a time. Please delete some and try again.',
    ],
    ['errors', { fields: ['p95()'] }, 'p95 is not a valid function'],
    [
      'transactions',
      { fields: ['count_if(transaction.duration, foo, 3)'] },
      'count_if(transaction.duration, foo, 3): condition argument invalid: foo is not a valid condition, the only supported conditions are: equals,notEquals,lessOrEquals,greaterOrEquals,less,greater',
    ],
    [
      'transactions',
      { fields: ['count_at_least(transaction.duration)'] },
      'count_at_least(transaction.duration): expected 2 argument(s)',
    ],
    [
      'transactions',
      { fields: ['p50(transaction.duration, 1)'] },
      'p50(transaction.duration, 1): expected at most 1 argument(s)',
    ],
    [
      'transactions',
      { fields: ['percentile(transaction.duration, x)'] },
      'percentile(transaction.duration, x): percentile argument invalid: x is not a number',
    ],
    [
      'spans',
      { fields: ['span.op', 'count()'], sort: ['-timestamp'] },
      'Cannot sort by a field that is not selected.',
    ],
    [
      'errors',
      { fields: ['id'], query: 'id:xyz' },
      'Invalid value for the event.id condition. Value must be a hexadecimal UUID string.',
    ],
  ] as const)('rejects %s %j: %s', (name, over, message) => {
    expect(errorOf(DATASETS[name]!, over)).toBe(message);
  });
});

/**
 * The reference value of a wildcard class: compiling it must give the same SQL text as any
 * value of that class, since values only ever reach the SQL as parameters.
 */
function referenceOf(raw: string): string {
  if (raw === '') return '';
  switch (classifyWildcard(raw).kind) {
    case 'none':
      return 'x';
    case 'prefix':
      return 'x*';
    case 'suffix':
      return '*x';
    case 'infix':
      return '*x*';
    case 'general':
      return 'x*y';
  }
}

/** A quoted search value whose unescaped text is `raw`. */
const quoted = (raw: string): string => `"${raw.replace(/"/g, '\\"')}"`;

const userText = fc
  .string({ unit: 'binary', maxLength: 24 })
  .filter((s) => !s.endsWith('\\') && !s.includes('\\"'));

describe('user values never alter the SQL text', () => {
  const cases: Array<[string, Dataset, (v: string) => Partial<DatasetQueryRequest>]> = [
    ['errors: text', errors!, (v) => ({ query: `user.email:${quoted(v)}` })],
    ['errors: tag', errors!, (v) => ({ query: `tags[shard]:${quoted(v)} !browser:${quoted(v)}` })],
    ['errors: list', errors!, (v) => ({ query: `release:[${quoted(v)}, b]` })],
    ['errors: free text', errors!, (v) => ({ query: quoted(v) })],
    ['discover: text', discover!, (v) => ({ query: `transaction:${quoted(v)} OR title:${quoted(v)}` })],
    ['transactions: tag', transactions!, (v) => ({ query: `http.method:${quoted(v)}` })],
    ['spans: attribute', spans!, (v) => ({ query: `db.system:${quoted(v)}` })],
    ['logs: message', logs!, (v) => ({ query: `message:${quoted(v)} severity:${quoted(v)}` })],
    ['tracemetrics: name', tracemetrics!, (v) => ({ query: `metric.name:${quoted(v)}` })],
  ];

  it.each(cases)('%s', (_name, dataset, request) => {
    fc.assert(
      fc.property(userText, (v) => {
        const compiled = compileDatasetQuery(dataset, { ...base, ...request(v) });
        if (!compiled.ok) return;
        const reference = compileDatasetQuery(dataset, { ...base, ...request(referenceOf(v)) });
        expect(reference.ok && reference.value.sql).toBe(compiled.value.sql);
      }),
      { numRuns: 300 },
    );
  });

  // Field names may hold any text inside `tags[…]`; filter keys only the grammar's key characters.
  const fieldKey = fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }).filter((s) => !/[\],]/.test(s));
  const filterKey = fc.stringMatching(/^[a-zA-Z0-9_.-]{1,16}$/);
  it.each([
    ['errors', errors!],
    ['transactions', transactions!],
    ['spans', spans!],
    ['logs', logs!],
  ])('%s: tag and attribute keys in fields and filters', (_name, dataset) => {
    fc.assert(
      fc.property(fieldKey, filterKey, (field, key) => {
        const request = (f: string, k: string): Partial<DatasetQueryRequest> => ({
          fields: [`tags[${f}]`, 'count()'],
          query: `tags[${k}]:v`,
          sort: ['-count()'],
        });
        const compiled = compileDatasetQuery(dataset, { ...base, ...request(field, key) });
        if (!compiled.ok) return;
        const reference = compileDatasetQuery(dataset, { ...base, ...request('f', 'k') });
        expect(reference.ok && reference.value.sql).toBe(compiled.value.sql);
      }),
      { numRuns: 300 },
    );
  });

  it('count_if values', () => {
    fc.assert(
      fc.property(
        userText.filter((s) => !s.includes('"')),
        (v) => {
          const request = (value: string): Partial<DatasetQueryRequest> => ({
            fields: [`count_if(transaction.op, equals, "${value}")`],
          });
          const compiled = compileDatasetQuery(transactions!, { ...base, ...request(v) });
          if (!compiled.ok) return;
          const reference = compileDatasetQuery(transactions!, { ...base, ...request('x') });
          expect(reference.ok && reference.value.sql).toBe(compiled.value.sql);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('lookups: issue short ids and release versions', () => {
  const lookups = {
    issueIds: new Map([
      ['WEB-1', 11],
      ['web-2', 12],
    ]),
    releaseVersions: ['app@1.0.0', 'app@2.0.0', 'legacy'],
  };

  it('names the short ids and release keys a query needs', () => {
    const needs = datasetLookupNeeds(discover!, 'issue:[WEB-1, unknown] (release.build:5 OR x)', NOW);
    expect(needs).toEqual({ ok: true, value: { shortIds: ['WEB-1'], releases: true } });
    expect(datasetLookupNeeds(discover!, 'title:x', NOW)).toEqual({
      ok: true,
      value: { shortIds: [], releases: false },
    });
  });

  it('filters issue short ids as issue ids, unknown as 0, on errors and transactions', () => {
    const q = compile(discover!, { query: 'issue:[WEB-1, web-2, unknown]', lookups });
    expect(q.sql).toContain('group_id IN {p');
    expect(q.sql).toContain('toUInt64(0) IN {p');
    expect(Object.values(q.params)).toContainEqual([0, 11, 12]);
    const negated = compile(errors!, { query: '!issue:WEB-1', lookups });
    expect(negated.sql).toMatch(/group_id != \{p\d+:UInt64\}/);
    expect(Object.values(negated.params)).toContainEqual(11);
  });

  it("answers Sentry's error for short ids that do not exist", () => {
    expect(errorOf(errors!, { query: 'issue:[WEB-1, WEB-9]', lookups })).toBe(
      "Issue IDs do not exist: ['WEB-1', 'WEB-9']",
    );
  });

  it('filters release.version as the matching release versions, none as no match', () => {
    const q = compile(transactions!, { query: 'release.version:>1.0.0', lookups });
    expect(Object.values(q.params)).toContainEqual(['app@2.0.0']);
    const none = compile(errors!, { query: 'release.version:>3.0.0', lookups });
    expect(none.sql).toMatch(/ AND 0\b/);
    expect(errorOf(errors!, { query: 'release.version:[1, 2]', lookups })).toBe(
      "Invalid operation 'IN' for semantic version filter.",
    );
  });

  it('checks release.stage as Sentry does, then refuses it (no adoption data)', () => {
    expect(errorOf(errors!, { query: 'release.stage:adopted' })).toBe(
      'Choose a single environment to filter by release stage.',
    );
    expect(errorOf(errors!, { query: 'release.stage:nope', environments: ['prod'] })).toBe(
      'Unsupported release.stage value.',
    );
    expect(errorOf(errors!, { query: 'release.stage:adopted', environments: ['prod'] })).toBe(
      'Invalid key for this search: release.stage',
    );
  });
});

describe('equations', () => {
  it('computes equations over the selected functions, not grouped, dividing by zero as NULL', () => {
    const q = compile(transactions!, {
      fields: ['transaction', 'count()', 'p50()', 'equation|count() / (count() - 3)', 'equation|p50() * 2'],
      sort: ['-equation[1]'],
    });
    expect(q.sql).toContain(
      'divide(toFloat64(count()), nullIf(minus(toFloat64(count()), {p0:Float64}), 0)) AS vigil_r3',
    );
    expect(q.sql).toMatch(
      /multiply\(toFloat64\(quantile\(0\.5\)\(vigil_c\d\)\), \{p\d:Float64\}\) AS vigil_r4/,
    );
    expect(q.sql).toContain('GROUP BY vigil_c0 ');
    expect(q.sql).toContain('ORDER BY vigil_r4 DESC, vigil_c0 DESC');
    expect(q.columns.map((c) => [c.field, c.type, c.unit])).toEqual([
      ['transaction', 'string', null],
      ['count()', 'integer', null],
      ['p50()', 'duration', 'millisecond'],
      ['equation|count() / (count() - 3)', 'number', null],
      ['equation|p50() * 2', 'number', null],
    ]);
    const byText = compile(transactions!, {
      fields: ['count()', 'p95(transaction.duration)', 'equation|p95(transaction.duration) - 100'],
      sort: ['equation|p95(transaction.duration) - 100'],
    });
    expect(byText.sql).toContain('ORDER BY vigil_r2 ASC');
    expect(byText.columns[2]).toMatchObject({ type: 'duration', unit: 'millisecond' });
  });

  it('computes equations over plain fields per row, with the automatic fields', () => {
    const q = compile(transactions!, {
      fields: ['transaction.duration', 'equation|transaction.duration / 1000'],
    });
    expect(q.sql).toMatch(/divide\(toFloat64\(vigil_c0\), nullIf\(\{p\d+:Float64\}, 0\)\) AS vigil_r1/);
    expect(q.sql).not.toContain('GROUP BY');
    expect(q.columns.map((c) => c.field)).toEqual([
      'transaction.duration',
      'equation|transaction.duration / 1000',
      'id',
      'project.name',
    ]);
  });

  it.each([
    [['equation|count() / 2'], 'count() used in an equation but is not a selected function'],
    [
      ['equation|transaction.duration * 2'],
      'transaction.duration used in an equation but is not a selected field',
    ],
    [['count()', 'equation|count() / 0'], 'division by 0 is not allowed'],
    [
      ['count()', 'equation|count() +'],
      'Unable to parse your equation, make sure it is well formed arithmetic',
    ],
    [
      ['count()', 'transaction.duration', 'equation|count() + transaction.duration'],
      'Cannot mix functions and fields in arithmetic',
    ],
    [['count()', 'equation|count()'], 'Arithmetic expression must contain at least 2 terms'],
  ])('%j → %s', (fields, message) => {
    expect(errorOf(transactions!, { fields })).toBe(message);
  });

  it('sorts only by selected equations', () => {
    const fields = ['count()', 'equation|count() * 2'];
    expect(errorOf(transactions!, { fields, sort: ['-equation[1]'] })).toBe(
      'Cannot sort by a field that is not selected.',
    );
    expect(errorOf(transactions!, { fields, sort: ['equation|count() * 3'] })).toBe(
      'Cannot sort by a field that is not selected.',
    );
    expect(errorOf(transactions!, { fields, sort: ['equation|'] })).toBe('Cannot sort by an empty equation');
  });
});

describe('transaction thresholds', () => {
  const thresholds = {
    projects: [
      { projectId: 1, metric: 'lcp' as const, threshold: 600 },
      { projectId: 2, metric: 'duration' as const, threshold: 300 },
    ],
    transactions: [{ projectId: 2, transaction: 'GET /slow', metric: 'duration' as const, threshold: 1000 }],
  };

  it("adds project_threshold_config for apdex() and reads each row's threshold", () => {
    const q = compile(transactions!, { fields: ['transaction', 'apdex()'], thresholds });
    expect(q.columns.map((c) => c.field)).toEqual(['transaction', 'apdex()', 'project_threshold_config']);
    expect(q.sql).toContain("tupleElement(vigil_c1, 1) = 'lcp'");
    expect(q.sql).toMatch(/GROUP BY vigil_c0, vigil_c1 /);
    // Project 2's threshold is the default and is left out; the override is kept.
    expect(Object.values(q.params)).toContainEqual([1]);
    expect(Object.values(q.params)).toContainEqual(['lcp']);
    expect(Object.values(q.params)).toContainEqual(['GET /slow']);
    expect(Object.values(q.params)).toContainEqual([1000]);
    expect(Object.values(q.params)).toContainEqual([600]);
    expect(Object.values(q.params)).not.toContainEqual([600, 300]);
  });

  it('uses the default without configured thresholds, and explicit thresholds on the duration', () => {
    const q = compile(discover!, { fields: ['user_misery()', 'apdex(100)'] });
    expect(q.sql).toContain("tuple('duration', toUInt32(300))");
    expect(q.columns.map((c) => c.field)).toEqual([
      'user_misery()',
      'apdex(100)',
      'project_threshold_config',
    ]);
    const explicit = compile(transactions!, { fields: ['apdex(100)'], thresholds });
    expect(explicit.columns.map((c) => c.field)).toEqual(['apdex(100)']);
    expect(explicit.sql).not.toContain('tuple(');
  });

  it("answers Sentry's error beyond 500 configured thresholds", () => {
    const many = {
      projects: Array.from({ length: 501 }, (_, i) => ({
        projectId: i,
        metric: 'lcp' as const,
        threshold: 400,
      })),
      transactions: [],
    };
    expect(errorOf(transactions!, { fields: ['apdex()'], thresholds: many })).toBe(
      'Exceeded 500 configured transaction thresholds limit, try with fewer Projects.',
    );
  });
});
