import { describe, expect, it } from 'vitest';
import { normalizeEvent } from './normalize-event.js';
import { RECEIVED, normalizeOk } from './test-helpers.js';

describe('payload shape and event id', () => {
  it.each([[[]], ['text'], [null], [42]])('rejects a non-object payload %j as invalid_json', (payload) => {
    expect(normalizeEvent(payload, { receivedAt: RECEIVED, itemType: 'event' })).toEqual({
      ok: false,
      reason: 'invalid_json',
    });
  });

  it('takes the envelope event id over the payload', () => {
    const out = normalizeOk(
      { event_id: '52df9022835246eeb317dbd739ccd059' },
      { envelopeEventId: '9ec79c33ec9942ab8353589fcb2e04dc' },
    );
    expect(out.event_id).toBe('9ec79c33ec9942ab8353589fcb2e04dc');
  });

  it('normalizes hyphenated ids to 32 lowercase hex', () => {
    expect(normalizeOk({ event_id: 'FC6D8C0C-43FC-4630-AD85-0EE518F1B9D0' }).event_id).toBe(
      'fc6d8c0c43fc4630ad850ee518f1b9d0',
    );
  });

  it('generates an id when absent and reports an invalid one', () => {
    expect(normalizeOk({}).event_id).toMatch(/^[0-9a-f]{32}$/);
    const out = normalizeOk({ event_id: 'not-an-id' });
    expect(out.event_id).toMatch(/^[0-9a-f]{32}$/);
    expect(out.errors).toEqual([{ type: 'invalid_data', name: 'event_id', value: 'not-an-id' }]);
  });

  it('sets received to the server time', () => {
    expect(normalizeOk({ received: 696969696969 }).received).toBe(RECEIVED);
  });
});

describe('level, platform, type and logger defaults', () => {
  it.each([
    [undefined, 'error'],
    ['warn', 'warning'],
    ['WARNING', 'warning'],
    ['log', 'info'],
    ['critical', 'fatal'],
    [10, 'debug'],
    [40, 'error'],
    ['50', 'fatal'],
  ])('level %j → %s', (level, expected) => {
    expect(normalizeOk(level === undefined ? {} : { level }).level).toBe(expected);
  });

  it('replaces an invalid level with the default and reports it', () => {
    const out = normalizeOk({ level: 'bogus' });
    expect(out.level).toBe('error');
    expect(out.errors).toEqual([{ type: 'invalid_data', name: 'level', value: 'bogus' }]);
  });

  it.each([
    [undefined, 'other'],
    ['python', 'python'],
    ['javascript', 'javascript'],
    ['dart', 'other'],
    ['unknown', 'other'],
  ])('platform %j → %s', (platform, expected) => {
    expect(normalizeOk(platform === undefined ? {} : { platform }).platform).toBe(expected);
  });

  it.each([
    [{ exception: { values: [{ type: 'E', value: 'v' }] } }, 'error'],
    [{ exception: { values: [] } }, 'default'],
    [{ message: 'hello' }, 'default'],
    [{ type: 'error', message: 'hello' }, 'default'],
    [{ csp: { blocked_uri: 'x' } }, 'csp'],
    [{ expectct: { hostname: 'x' } }, 'expectct'],
  ])('infers type of %j as %s', (input, expected) => {
    expect(normalizeOk(input).type).toBe(expected);
  });

  it('uses the feedback item type', () => {
    expect(normalizeOk({}, { itemType: 'feedback' }).type).toBe('feedback');
  });

  // Snapshots relay_event_normalization__normalize__tests__normalize_logger_*.
  it.each([
    ['', '', undefined],
    ['my.short-logger.isnt_trimmed', 'my.short-logger.isnt_trimmed', undefined],
    [
      'this_is-exactly-the_max_len.012345678901234567890123456789012345',
      'this_is-exactly-the_max_len.012345678901234567890123456789012345',
      undefined,
    ],
    [
      'this_is-way_too_long-and_we_only_have_one_word-so_we_cant_smart_trim',
      '*is-way_too_long-and_we_only_have_one_word-so_we_cant_smart_trim',
      { rem: [['@logger:replace', 's', 0, 5]], len: 68 },
    ],
    [
      'already_out.out.in.this_part-is-kept.this_right_here-is_an-extremely_long_word',
      '*.in.this_part-is-kept.this_right_here-is_an-extremely_long_word',
      { rem: [['@logger:replace', 's', 0, 15]], len: 78 },
    ],
    [
      'super_out.this_is_already_out_too.this_part-is-kept.this_right_here-is_a-very_long_word',
      '*.this_part-is-kept.this_right_here-is_a-very_long_word',
      { rem: [['@logger:replace', 's', 0, 33]], len: 87 },
    ],
    [
      'io.this-tests-the-smart-trimming-and-word-removal-around-dot.words',
      '*this-tests-the-smart-trimming-and-word-removal-around-dot.words',
      { rem: [['@logger:replace', 's', 0, 3]], len: 66 },
    ],
    [' \t  \t   ', '', { rem: [['@logger:remove', 'x', 0, 8]], len: 8 }],
  ])('logger %j → %j', (logger, expected, meta) => {
    const out = normalizeOk({ platform: 'java', logger });
    expect(out.logger).toBe(expected);
    expect(out._meta?.logger).toEqual(meta === undefined ? undefined : { '': meta });
  });

  it('defaults the logger to an empty string', () => {
    expect(normalizeOk({}).logger).toBe('');
  });
});

describe('release, environment and dist (§8.5)', () => {
  it.each([['1.0.0'], ['my-app@1.2.3+build.4'], ['a'.repeat(200)]])('keeps valid release %s', (release) => {
    expect(normalizeOk({ release }).release).toBe(release);
  });

  it.each([['Latest'], ['latest'], ['.'], ['..'], ['a/b'], ['a\nb'], ['a\tb'], ['a'.repeat(201)]])(
    'removes invalid release %j with an error',
    (release) => {
      const out = normalizeOk({ release });
      expect(out.release).toBeUndefined();
      expect(out.errors).toEqual([{ type: 'invalid_data', name: 'release', value: release }]);
      expect(out._meta?.release).toEqual({ '': { err: ['invalid_data'], val: release } });
    },
  );

  it('trims releases and accepts numbers', () => {
    expect(normalizeOk({ release: ' 1.0 ' }).release).toBe('1.0');
    expect(normalizeOk({ release: 42 }).release).toBe('42');
    expect(normalizeOk({ release: '  ' }).release).toBeUndefined();
  });

  it.each([['None'], ['none'], ['..'], ['prod/eu'], ['a'.repeat(65)]])(
    'removes invalid environment %j',
    (environment) => {
      const out = normalizeOk({ environment });
      expect(out.environment).toBeUndefined();
      expect(out.errors?.[0]).toMatchObject({
        type: 'invalid_data',
        name: 'environment',
        value: environment,
      });
    },
  );

  it('keeps a valid environment', () => {
    expect(normalizeOk({ environment: 'production' }).environment).toBe('production');
  });

  it('normalizes dist', () => {
    expect(normalizeOk({ dist: ' foo  ' }).dist).toBe('foo');
    expect(normalizeOk({ dist: ' ' }).dist).toBeUndefined();
    const long =
      '52df9022835246eeb317dbd739ccd059-52df9022835246eeb317dbd739ccd059-52df9022835246eeb317dbd739ccd059';
    const out = normalizeOk({ dist: long });
    expect(out.dist).toBeUndefined();
    expect(out.errors).toEqual([{ type: 'value_too_long', name: 'dist', value: long }]);
  });
});

describe('tags', () => {
  it('turns the object form into sorted pairs', () => {
    expect(normalizeOk({ tags: { b: 'x', a: 1, c: true } }).tags).toEqual([
      ['a', '1'],
      ['b', 'x'],
      ['c', 'true'],
    ]);
  });

  it('keeps the pair form order and dedupes keys (first wins)', () => {
    const out = normalizeOk({
      tags: [
        ['foo', '1'],
        ['bar', '1'],
        ['foo', '2'],
        ['bar', '2'],
        ['foo', '3'],
      ],
    });
    expect(out.tags).toEqual([
      ['foo', '1'],
      ['bar', '1'],
    ]);
  });

  it('promotes the environment tag', () => {
    const out = normalizeOk({ tags: [['environment', 'despacito']] });
    expect(out.environment).toBe('despacito');
    expect(out.tags).toEqual([]);
    expect(normalizeOk({ environment: '', tags: [['environment', 'despacito']] }).environment).toBe(
      'despacito',
    );
    expect(normalizeOk({ environment: 'prod', tags: [['environment', 'other']] }).environment).toBe('prod');
  });

  it('drops reserved keys', () => {
    const out = normalizeOk({
      tags: [
        ['release', 'foo'],
        ['dist', 'foo'],
        ['user', 'foo'],
        ['filename', 'foo'],
        ['function', 'foo'],
        ['something', 'else'],
      ],
    });
    expect(out.tags).toEqual([['something', 'else']]);
  });

  it('drops empty, too long and multi-line parts with errors', () => {
    const out = normalizeOk({
      tags: [
        ['', 'foo'],
        ['foo', ''],
        ['foobar', '.'.repeat(201)],
        ['k'.repeat(201), 'bar'],
        ['nl', 'a\nb'],
        ['something', 'else'],
      ],
    });
    expect(out.tags).toEqual([['something', 'else']]);
    expect(out.errors?.map((e) => [e.type, e.name])).toEqual([
      ['invalid_data', 'tags.0.0'],
      ['invalid_data', 'tags.1.1'],
      ['value_too_long', 'tags.2.1'],
      ['value_too_long', 'tags.3.0'],
      ['invalid_data', 'tags.4.1'],
    ]);
  });

  it('moves server_name and site into the tags', () => {
    const out = normalizeOk({
      server_name: 'foo',
      site: 'foo',
      tags: [
        ['site', 'old'],
        ['server_name', 'old'],
      ],
    });
    expect(out.server_name).toBeUndefined();
    expect(out.site).toBeUndefined();
    expect(out.tags).toEqual([
      ['site', 'foo'],
      ['server_name', 'foo'],
    ]);
  });
});

describe('IP addresses (§8.4)', () => {
  it('resolves {{auto}} with the client IP', () => {
    const out = normalizeOk(
      { user: { ip_address: '{{auto}}' }, request: { env: { REMOTE_ADDR: '{{auto}}' } } },
      { clientIp: '2.125.160.216' },
    );
    expect(out.user?.ip_address).toBe('2.125.160.216');
    expect(out.request?.env).toEqual({ REMOTE_ADDR: '2.125.160.216' });
  });

  it('copies REMOTE_ADDR to the user', () => {
    const out = normalizeOk({ platform: 'javascript', request: { env: { REMOTE_ADDR: '2.125.160.216' } } });
    expect(out.user?.ip_address).toBe('2.125.160.216');
  });

  it('ignores an invalid REMOTE_ADDR', () => {
    expect(
      normalizeOk({ platform: 'javascript', request: { env: { REMOTE_ADDR: 'whoops' } } }).user,
    ).toBeUndefined();
  });

  it.each([
    ['javascript', '2.125.160.216'],
    ['cocoa', '2.125.160.216'],
    ['objc', '2.125.160.216'],
    ['python', undefined],
    [undefined, undefined],
  ])('legacy inference for platform %s', (platform, expected) => {
    const out = normalizeOk(platform ? { platform } : {}, { clientIp: '2.125.160.216' });
    expect(out.user?.ip_address).toBe(expected);
  });

  it('honours sdk.settings.infer_ip', () => {
    const auto = normalizeOk(
      { platform: 'python', sdk: { settings: { infer_ip: 'auto' } } },
      { clientIp: '10.0.0.1' },
    );
    expect(auto.user?.ip_address).toBe('10.0.0.1');
    const never = normalizeOk(
      {
        platform: 'javascript',
        user: { ip_address: '{{auto}}', id: '1' },
        sdk: { settings: { infer_ip: 'never' } },
      },
      { clientIp: '10.0.0.1' },
    );
    expect(never.user?.ip_address).toBeUndefined();
    const invalid = normalizeOk(
      { platform: 'javascript', sdk: { settings: { infer_ip: 'sometimes' } } },
      { clientIp: '10.0.0.1' },
    );
    expect(invalid.user).toBeUndefined();
  });

  it('removes invalid user IPs with an error', () => {
    const out = normalizeOk({ user: { ip_address: 'should be stripped', id: '1' } });
    expect(out.user).toEqual({ id: '1', sentry_user: 'id:1' });
    expect(out.errors).toEqual([
      {
        type: 'invalid_data',
        name: 'user.ip_address',
        value: 'should be stripped',
        reason: 'expected an ip address',
      },
    ]);
  });
});

describe('user', () => {
  it('moves unknown keys into data and computes sentry_user', () => {
    const out = normalizeOk({ user: { id: 42, username: 'jane', subscription: 'basic', data: { a: 1 } } });
    expect(out.user).toEqual({
      id: '42',
      username: 'jane',
      data: { a: 1, subscription: 'basic' },
      sentry_user: 'id:42',
    });
  });
});

describe('logentry (logentry.rs)', () => {
  it.each([
    [{ message: 'hello, %s!', params: ['world'] }, 'hello, world!'],
    [{ message: 'hello, %(name)s!', params: { name: 'world' } }, 'hello, world!'],
    [{ message: 'hello, {}!', params: ['world'] }, 'hello, world!'],
    [{ message: 'hello, {0}!', params: ['world'] }, 'hello, world!'],
    [{ message: '%d items at %.2f', params: [3, 1.5] }, '3 items at 1.50'],
    [{ message: 'hello, %s!' }, 'hello, %s!'],
    [{ message: 'hello, %s %s!', params: ['world'] }, 'hello, %s %s!'],
  ])('formats %j', (logentry, formatted) => {
    expect(normalizeOk({ logentry }).logentry?.formatted).toBe(formatted);
  });

  it('moves a lone message into formatted', () => {
    expect(normalizeOk({ logentry: { message: 'hello, world!' } }).logentry).toEqual({
      formatted: 'hello, world!',
    });
    expect(normalizeOk({ logentry: { message: 'a', formatted: 'a' } }).logentry).toEqual({ formatted: 'a' });
  });

  it('keeps message and params when formatting succeeded', () => {
    expect(normalizeOk({ logentry: { message: 'hi %s', params: ['you'] } }).logentry).toEqual({
      message: 'hi %s',
      params: ['you'],
      formatted: 'hi you',
    });
  });

  it('folds the legacy message field into logentry', () => {
    expect(normalizeOk({ message: 'Hello World!' }).logentry).toEqual({ formatted: 'Hello World!' });
    const both = normalizeOk({ message: 'legacy', logentry: { formatted: 'new' } });
    expect(both.logentry).toEqual({ formatted: 'new' });
    expect(both.message).toBeUndefined();
  });

  it('removes a logentry without any message (test_logentry_error)', () => {
    const out = normalizeOk({ logentry: { params: ['bogus'], formatted: 42 } });
    expect(out.logentry).toBeUndefined();
    expect(out.errors?.map((e) => [e.type, e.name, e.reason])).toEqual([
      ['invalid_data', 'logentry.formatted', 'expected a string'],
      ['invalid_data', 'logentry', 'no message present'],
    ]);
  });
});

describe('unknown attributes (remove_other.rs)', () => {
  it('drops unknown top-level keys with invalid_attribute errors and legacy ones silently', () => {
    const out = normalizeOk({ foo: 1, device: 'x', applecrashreport: {} });
    expect(out.foo).toBeUndefined();
    expect(out.device).toBeUndefined();
    expect(out.errors).toEqual([{ type: 'invalid_attribute', name: 'foo' }]);
  });

  it('maps legacy interface names', () => {
    const out = normalizeOk({
      'sentry.interfaces.User': { id: '1' },
      'sentry.interfaces.Exception': { values: [{ type: 'E' }] },
    });
    expect(out.user).toEqual({ id: '1', sentry_user: 'id:1' });
    expect(out.exception?.values?.[0]?.type).toBe('E');
    expect(out.errors).toBeUndefined();
  });
});

describe('string attributes', () => {
  it('removes a culprit, transaction or checksum that is not a string, with an error', () => {
    const out = normalizeOk({ culprit: [false, 'x'], transaction: { a: 1 }, checksum: 7 });
    expect(out.culprit).toBeUndefined();
    expect(out.transaction).toBeUndefined();
    expect(out.checksum).toBeUndefined();
    expect(out.errors?.map((e) => e.name)).toEqual(['culprit', 'transaction', 'checksum']);
  });
});

describe('scoping attributes (normalize_default_attributes)', () => {
  it('sets project and key_id from the context, overriding the payload', () => {
    const out = normalizeOk({ project: 99, key_id: 'forged' }, { projectId: 42, keyId: 123 });
    expect(out).toMatchObject({ project: 42, key_id: '123' });
  });

  it('leaves them alone when the context does not know them', () => {
    expect(normalizeOk({}).project).toBeUndefined();
  });
});

describe('measurements', () => {
  it('strips measurements from non-transactions', () => {
    expect(normalizeOk({ measurements: { lcp: { value: 1 } } }).measurements).toBeUndefined();
  });
});

describe('breadcrumbs', () => {
  it('accepts the list form, maps ty and warn, drops unknown attributes', () => {
    const out = normalizeOk({ breadcrumbs: [{ timestamp: 946684800, ty: 'http', level: 'warn', c: 'd' }] });
    expect(out.breadcrumbs).toEqual({ values: [{ timestamp: 946684800, type: 'http', level: 'warning' }] });
    expect(out.errors).toEqual([{ type: 'invalid_attribute', name: 'breadcrumbs.values.0.c' }]);
  });
});
