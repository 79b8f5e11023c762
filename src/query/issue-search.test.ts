import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileIssueSearch, type IssueSearchCompilation } from './issue-search.js';

const now = new Date('2024-05-01T12:00:00.000Z');

function compiled(query: string, latestRelease?: string): Extract<IssueSearchCompilation, { ok: true }> {
  const result = compileIssueSearch(query, latestRelease === undefined ? { now } : { now, latestRelease });
  if (!result.ok) throw new Error(`${query}: ${result.error.message}`);
  return result;
}

/** The event WHERE of a query. */
function where(query: string): { sql: string; params: Record<string, unknown> } | null {
  return compiled(query).eventWhere;
}

describe('compileIssueSearch: event keys', () => {
  it('searches free text case-insensitively in message, title and culprit with one parameter', () => {
    expect(where('TypeError undefined')).toEqual({
      sql:
        '(positionCaseInsensitiveUTF8(message, {p0:String}) > 0 OR positionCaseInsensitiveUTF8(title, {p0:String}) > 0' +
        ' OR positionCaseInsensitiveUTF8(culprit, {p0:String}) > 0)',
      params: { p0: 'TypeError undefined' },
    });
    expect(where('"Connection*refused"')?.sql).toBe(
      '(message ILIKE {p0:String} OR title ILIKE {p0:String} OR culprit ILIKE {p0:String})',
    );
    expect(where('"Connection*refused"')?.params).toEqual({ p0: '%Connection%refused%' });
  });

  it('compiles column equality, negation and lists', () => {
    expect(where('level:error !environment:prod release:[1.0, "2 0"] dist:abc')).toEqual({
      sql: 'level = {p0:String} AND NOT (environment = {p1:String}) AND release IN {p2:Array(String)} AND dist = {p3:String}',
      params: { p0: 'error', p1: 'prod', p2: ['1.0', '2 0'], p3: 'abc' },
    });
    expect(where('!platform:[python, node]')).toEqual({
      sql: 'platform NOT IN {p0:Array(String)}',
      params: { p0: ['python', 'node'] },
    });
  });

  it.each([
    ['logger:root', 'logger = {p0:String}', { p0: 'root' }],
    ['transaction:/api/users', 'transaction = {p0:String}', { p0: '/api/users' }],
    ['event.type:error', 'type = {p0:String}', { p0: 'error' }],
    ['title:Oops', 'title = {p0:String}', { p0: 'Oops' }],
    ['user.id:42', 'user_id = {p0:String}', { p0: '42' }],
    ['user.email:a@b.c', 'user_email = {p0:String}', { p0: 'a@b.c' }],
    ['user.username:ann', 'user_username = {p0:String}', { p0: 'ann' }],
    ['user.ip:127.0.0.1', 'user_ip = {p0:String}', { p0: '127.0.0.1' }],
    ['user:email:a@b.c', 'user = {p0:String}', { p0: 'email:a@b.c' }],
    ['sdk.name:sentry.javascript.node', 'sdk_name = {p0:String}', { p0: 'sentry.javascript.node' }],
    ['sdk.version:8.1.0', 'sdk_version = {p0:String}', { p0: '8.1.0' }],
    [
      'trace:0123456789ABCDEF0123456789ABCDEF',
      'trace_id = {p0:String}',
      { p0: '0123456789abcdef0123456789abcdef' },
    ],
    ['replayId:AB-cd', 'replay_id = {p0:String}', { p0: 'abcd' }],
    ['replay.id:abcd', 'replay_id = {p0:String}', { p0: 'abcd' }],
    [
      'id:0123456789ABCDEF0123456789abcdef',
      'event_id = {p0:UUID}',
      { p0: '01234567-89ab-cdef-0123-456789abcdef' },
    ],
    ['issue.id:[1, 2]', 'group_id IN {p0:Array(UInt64)}', { p0: [1, 2] }],
    ['project.id:3', 'project_id = {p0:UInt64}', { p0: 3 }],
  ])('%s', (query, sql, params) => {
    expect(where(query)).toEqual({ sql, params });
  });

  it('classifies wildcards like Sentry (prefix, suffix, infix, general)', () => {
    expect(where('transaction:/API/* user.email:*@Example.com platform:*Script* culprit:a*b')).toEqual({
      sql:
        'startsWith(lowerUTF8(transaction), {p0:String}) AND endsWith(lowerUTF8(user_email), {p1:String})' +
        ' AND positionCaseInsensitiveUTF8(platform, {p2:String}) > 0 AND culprit ILIKE {p3:String}',
      params: { p0: '/api/', p1: '@example.com', p2: 'Script', p3: 'a%b' },
    });
  });

  it('escapes LIKE metacharacters and keeps escaped stars literal', () => {
    expect(where('culprit:100%_*')).toEqual({
      sql: 'startsWith(lowerUTF8(culprit), {p0:String})',
      params: { p0: '100%_' },
    });
    expect(where('culprit:100%_*x\\*')).toEqual({
      sql: 'culprit ILIKE {p0:String}',
      params: { p0: '100\\%\\_%x*' },
    });
    expect(where('culprit:a%*b_c')).toEqual({
      sql: 'culprit ILIKE {p0:String}',
      params: { p0: 'a\\%%b\\_c' },
    });
    expect(where('culprit:a\\*b')).toEqual({ sql: 'culprit = {p0:String}', params: { p0: 'a*b' } });
  });

  it('matches exception arrays element-wise', () => {
    expect(where('error.type:TypeError !error.value:*undefined* error.type:[A, B*]')).toEqual({
      sql:
        'has(exception_types, {p0:String}) AND NOT (arrayExists(x -> positionCaseInsensitiveUTF8(x, {p1:String}) > 0, exception_values))' +
        ' AND (arrayExists(x -> x = {p2:String}, exception_types) OR arrayExists(x -> startsWith(lowerUTF8(x), {p3:String}), exception_types))',
      params: { p0: 'TypeError', p1: 'undefined', p2: 'A', p3: 'b' },
    });
    expect(where('error.type:[A, B] has:error.value')).toEqual({
      sql: 'hasAny(exception_types, {p0:Array(String)}) AND notEmpty(exception_values)',
      params: { p0: ['A', 'B'] },
    });
  });

  it('treats unknown mechanism info as handled', () => {
    expect(where('error.handled:false')?.sql).toBe('coalesce(handled, 1) = 0');
    expect(where('error.unhandled:true')?.sql).toBe('coalesce(handled, 1) = 0');
    expect(where('!error.unhandled:true')?.sql).toBe('coalesce(handled, 1) = 1');
    expect(where('has:error.handled')?.sql).toBe('isNotNull(handled)');
  });

  it('compiles dates: comparisons, relative, specific day ranges', () => {
    expect(where('timestamp:>2024-01-01T10:00:00.5Z event.timestamp:-24h timestamp:2024-02-01')).toEqual({
      sql:
        "timestamp > {p0:DateTime64(3, 'UTC')} AND timestamp >= {p1:DateTime64(3, 'UTC')}" +
        " AND timestamp >= {p2:DateTime64(3, 'UTC')} AND timestamp < {p3:DateTime64(3, 'UTC')}",
      params: {
        p0: '2024-01-01 10:00:00.500',
        p1: '2024-04-30 12:00:00.000',
        p2: '2024-02-01 00:00:00.000',
        p3: '2024-02-02 00:00:00.000',
      },
    });
  });

  it('looks tags up through the hash map for equality and by key otherwise', () => {
    expect(
      where('browser:Chrome !tags[os.name]:Windows tags[app.device]:"" has:browser !has:device'),
    ).toEqual({
      sql:
        'has(`_tags_hash_map`, cityHash64({p0:String})) AND NOT (has(`_tags_hash_map`, cityHash64({p1:String})))' +
        ' AND NOT (has(`tags.key`, {p2:String})) AND has(`tags.key`, {p3:String}) AND NOT (has(`tags.key`, {p4:String}))',
      params: { p0: 'browser=Chrome', p1: 'os.name=Windows', p2: 'app.device', p3: 'browser', p4: 'device' },
    });
    expect(where('browser:Chro*')).toEqual({
      sql: 'startsWith(lowerUTF8(arrayElement(`tags.value`, indexOf(`tags.key`, {p0:String}))), {p1:String})',
      params: { p0: 'browser', p1: 'chro' },
    });
    expect(where('!url:[a, b]')).toEqual({
      sql: 'NOT (hasAny(`_tags_hash_map`, arrayMap(x -> cityHash64(x), {p0:Array(String)})))',
      params: { p0: ['url=a', 'url=b'] },
    });
    expect(where('tags[n,number]:>=5k')).toEqual({
      sql: 'toFloat64OrNull(arrayElement(`tags.value`, indexOf(`tags.key`, {p0:String}))) >= {p1:Float64}',
      params: { p0: 'n', p1: 5000 },
    });
  });

  it('looks feature flags up the same way', () => {
    expect(where('flags[beta]:true !flags[x]:[a, b] flags[f]:on* has:flags[z]')).toEqual({
      sql:
        'has(`_flags_hash_map`, cityHash64({p0:String})) AND NOT (hasAny(`_flags_hash_map`, arrayMap(x -> cityHash64(x), {p1:Array(String)})))' +
        ' AND startsWith(lowerUTF8(arrayElement(`flags.value`, indexOf(`flags.key`, {p2:String}))), {p3:String})' +
        ' AND has(`flags.key`, {p4:String})',
      params: { p0: 'beta=true', p1: ['x=a', 'x=b'], p2: 'f', p3: 'on', p4: 'z' },
    });
  });

  it('substitutes the latest releases of several projects as a list', () => {
    const result = compileIssueSearch('release:latest !first-release:latest', {
      now,
      latestRelease: ['a@2', 'b@1'],
    });
    expect(result).toMatchObject({
      ok: true,
      eventWhere: { sql: 'release IN {p0:Array(String)}', params: { p0: ['a@2', 'b@1'] } },
      groupFilters: [{ kind: 'first_release', negated: true, values: ['a@2', 'b@1'] }],
    });
    expect(compileIssueSearch('release:latest', { now, latestRelease: [] })).toMatchObject({
      eventWhere: { params: { p0: 'latest' } },
    });
  });

  it('substitutes release:latest when the caller knows the latest release', () => {
    expect(compiled('release:latest first-release:latest', 'v9')).toMatchObject({
      eventWhere: { sql: 'release = {p0:String}', params: { p0: 'v9' } },
      groupFilters: [{ kind: 'first_release', negated: false, values: ['v9'] }],
    });
  });
});

describe('compileIssueSearch: issue keys and aggregates', () => {
  it('returns group filters for is:, assignment and bookmarks', () => {
    expect(
      compiled(
        'is:unresolved is:regressed !is:assigned assigned:[me, #backend, none] bookmarks:ann !issue.priority:low',
      ),
    ).toEqual({
      ok: true,
      eventWhere: null,
      having: null,
      groupFilters: [
        { kind: 'status', negated: false, values: ['unresolved'] },
        { kind: 'status', negated: false, values: ['unresolved'] },
        { kind: 'substatus', negated: false, values: ['regressed'] },
        { kind: 'unassigned', value: true },
        {
          kind: 'assigned_to',
          negated: false,
          values: [{ type: 'me' }, { type: 'team', slug: 'backend' }, { type: 'none' }],
        },
        { kind: 'bookmarked_by', negated: false, values: [{ type: 'user', value: 'ann' }] },
        { kind: 'issue.priority', negated: true, values: ['low'] },
      ],
    });
    expect(compiled('is:archived !is:resolved is:for_review is:unlinked').groupFilters).toEqual([
      { kind: 'status', negated: false, values: ['ignored'] },
      { kind: 'status', negated: true, values: ['resolved'] },
      { kind: 'for_review', value: true },
      { kind: 'linked', value: false },
    ]);
  });

  it('compiles first_seen / last_seen / times_seen into a condition on the per-issue values with its own parameter names', () => {
    expect(compiled('level:error firstSeen:-7d lastSeen:+1d timesSeen:>100')).toEqual({
      ok: true,
      eventWhere: { sql: 'level = {p0:String}', params: { p0: 'error' } },
      having: {
        sql:
          "first_seen >= {p1:DateTime64(3, 'UTC')} AND last_seen <= {p2:DateTime64(3, 'UTC')}" +
          ' AND times_seen > {p3:Float64}',
        params: { p1: '2024-04-24 12:00:00.000', p2: '2024-04-30 12:00:00.000', p3: 100 },
        fields: ['first_seen', 'last_seen', 'times_seen'],
      },
      groupFilters: [],
    });
    expect(compiled('age:-24h').having?.fields).toEqual(['first_seen']);
  });

  it('returns an empty compilation for an empty query', () => {
    expect(compiled('   ')).toEqual({ ok: true, eventWhere: null, having: null, groupFilters: [] });
  });
});

describe('compileIssueSearch: errors', () => {
  it.each([
    [
      'a OR b',
      'Boolean statements containing "OR" or "AND" are not supported in this search',
      { start: 2, end: 4 },
    ],
    ['count():>5', 'Aggregate filters are not supported in this search: count()', { start: 0, end: 10 }],
    ['release.version:>1.0', 'Invalid key for this search: release.version', { start: 0, end: 20 }],
    ['level:', "Empty string after 'level:'", { start: 0, end: 6 }],
    [
      'is:bogus',
      expect.stringMatching(/^Invalid value for "is" search, valid values are \[/),
      { start: 0, end: 8 },
    ],
    [
      'id:nope',
      'Invalid value for the event.id condition. Value must be a hexadecimal UUID string.',
      { start: 0, end: 7 },
    ],
    ['issue.id:1.5', 'issue.id: Invalid id: 1.5. Expected a non-negative integer.', { start: 0, end: 12 }],
    ['assigned:me*', 'Wildcards are not supported for assigned_to', { start: 0, end: 12 }],
    ['status:nope', 'Invalid status value: nope', { start: 0, end: 11 }],
    [
      'timestamp:yesterday',
      expect.stringMatching(/^timestamp: Invalid date: yesterday\. /),
      { start: 0, end: 19 },
    ],
    [
      'level:error )',
      "Parse error at 'ror )' (column 13). This is commonly caused by unmatched parentheses. Enclose any text in double quotes.",
      { start: 12, end: 13 },
    ],
  ])('%s', (query, message, position) => {
    const result = compileIssueSearch(query, { now });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toEqual({ type: expect.any(String), message, position });
  });
});

describe('compileIssueSearch: injection', () => {
  it.each([
    `level:"x' OR 1=1 --"`,
    `level:x'OR'1'='1`,
    `"') OR 1=1; DROP TABLE events; --"`,
    `tags[a]:"b' OR 1=1 --"`,
    `!release:["a') OR (1=1", b]`,
    `user.email:*'--*`,
    'transaction:`x`',
  ])('keeps %s in parameters', (query) => {
    const result = compiled(query);
    const sql = result.eventWhere?.sql ?? '';
    expect(sql).not.toMatch(/'|--|;|DROP|1=1|`x`/);
    expect(JSON.stringify(result.eventWhere?.params)).toMatch(/'|`/);
  });

  it('never puts user text in the SQL (property)', () => {
    const keys = fc.constantFrom(
      'level',
      'release',
      'message',
      'browser',
      'tags[x]',
      'flags[f]',
      'error.type',
      'user.email',
    );
    const value = fc.string({ minLength: 1, maxLength: 10 }).map((v) => `${v}ZQX`);
    fc.assert(
      fc.property(keys, value, fc.boolean(), (key, v, negate) => {
        const query = `${negate ? '!' : ''}${key}:"${v.replace(/\\/g, '').replace(/"/g, '\\"')}"`;
        const result = compileIssueSearch(query, { now });
        if (result.ok) expect(result.eventWhere?.sql ?? '').not.toContain('ZQX');
      }),
      { numRuns: 500 },
    );
  });
});
