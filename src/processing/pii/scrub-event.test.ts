import { describe, expect, it } from 'vitest';
import type { SentryEvent } from '../../protocol/event.js';
import type { JsonObject } from '../../protocol/json.js';
import { scrubEvent } from './scrub-event.js';
import { DEFAULT_DATA_SCRUBBING, type DataScrubbingSettings } from './settings.js';

// Ported from relay-pii/src/convert.rs tests (which mirror Sentry's test_data_scrubber) and
// their snapshots; `simple` is Relay's `simple_enabled_config` (defaults + IP scrubbing).
const simple: DataScrubbingSettings = { ...DEFAULT_DATA_SCRUBBING, scrubIpAddresses: true };
const scrub = (event: JsonObject, settings: Partial<DataScrubbingSettings> = {}): SentryEvent =>
  scrubEvent(event as SentryEvent, { ...simple, ...settings });
const filtered = (rule: string, len: number) => ({ '': { rem: [[rule, 's', 0, 10]], len } });
const removed = (rule: string) => ({ '': { rem: [[rule, 'x']] } });

const sensitiveVars = () => ({
  foo: 'bar',
  password: 'hello',
  the_secret: 'hello',
  a_password_here: 'hello',
  api_key: 'secret_key',
  apiKey: 'secret_key',
  otp: 'otp_code',
  'two-factor': 'otp_code',
  two_factor: 'otp_code',
});

const scrubbedVars = {
  foo: 'bar',
  password: '[Filtered]',
  the_secret: '[Filtered]',
  a_password_here: '[Filtered]',
  api_key: '[Filtered]',
  apiKey: '[Filtered]',
  otp: '[Filtered]',
  'two-factor': '[Filtered]',
  two_factor: '[Filtered]',
};

describe('password-like keys (@password:filter)', () => {
  it('filters extra values and removes non-string ones (test_extra)', () => {
    const out = scrub({
      extra: {
        foo: 'bar',
        password: 'hello',
        the_secret: 'hello',
        a_password_here: 'hello',
        api_key: 'secret_key',
        apiKey: 'secret_key',
        a_password_number: 42,
        a_password_array: [42, 43],
      },
    });
    expect(out.extra).toEqual({
      foo: 'bar',
      password: '[Filtered]',
      the_secret: '[Filtered]',
      a_password_here: '[Filtered]',
      api_key: '[Filtered]',
      apiKey: '[Filtered]',
      a_password_number: null,
      a_password_array: null,
    });
    expect(out._meta).toEqual({
      extra: {
        password: filtered('@password:filter', 5),
        the_secret: filtered('@password:filter', 5),
        a_password_here: filtered('@password:filter', 5),
        api_key: filtered('@password:filter', 10),
        apiKey: filtered('@password:filter', 10),
        a_password_number: removed('@password:filter'),
        a_password_array: removed('@password:filter'),
      },
    });
  });

  it('filters nested keys anywhere in a data bag', () => {
    const out = scrub({ extra: { db: { host: 'x', password: 'hunter2' } } });
    expect(out.extra).toEqual({ db: { host: 'x', password: '[Filtered]' } });
    expect(out._meta).toEqual({ extra: { db: { password: filtered('@password:filter', 7) } } });
  });

  it('filters frame vars, request data/env/headers/cookies (test_stacktrace, test_http)', () => {
    const out = scrub({
      stacktrace: { frames: [{ function: 'f', vars: sensitiveVars() }] },
      request: {
        data: sensitiveVars(),
        env: sensitiveVars(),
        headers: Object.entries(sensitiveVars()),
        cookies: Object.entries(sensitiveVars()),
      },
    });
    expect(out.stacktrace?.frames?.[0]?.vars).toEqual(scrubbedVars);
    expect(out.request?.data).toEqual(scrubbedVars);
    expect(out.request?.env).toEqual(scrubbedVars);
    expect(out.request?.headers).toEqual(Object.entries(scrubbedVars));
    expect(out.request?.cookies).toEqual(Object.entries(scrubbedVars));
    // Pair lists record their remarks under the pair index, like Relay.
    expect((out._meta as JsonObject).request).toMatchObject({
      headers: { 1: { 1: filtered('@password:filter', 5) } },
    });
  });

  it('filters user data and a username containing a password word (test_user)', () => {
    const out = scrub({ user: { username: 'secret', ip_address: '73.133.27.120', data: sensitiveVars() } });
    expect(out.user).toEqual({ username: '[Filtered]', ip_address: null, data: scrubbedVars });
    expect((out._meta as JsonObject).user).toMatchObject({
      username: filtered('@password:filter', 6),
      ip_address: {
        '': {
          rem: [
            ['@ip:replace', 's', 0, 4],
            ['@anything:remove', 'x'],
          ],
          len: 13,
        },
      },
    });
  });

  it.each([
    ['authorization', '[Filtered]'],
    ['auth', '[Filtered]'],
    ['auXth', 'foobar'],
    ['x-api-key', '[Filtered]'],
    ['X-Api-Key', '[Filtered]'],
    ['MYSQL_PWD', '[Filtered]'],
    ['mysql_pwd', '[Filtered]'],
    ['not-a-two-factor', 'foobar'],
    ['footpath', 'foobar'],
    ['idiotproof', 'foobar'],
  ])('key %s → %s', (key, expected) => {
    expect(scrub({ extra: { [key]: 'foobar' } }).extra?.[key]).toBe(expected);
  });

  it('matches token only on keys', () => {
    const out = scrub({
      extra: { 'foo-token-bar': 'abc', llm: 'token count', url: 'https://x.test/?token=abc' },
      request: { headers: [['X-Token', 'secret-value']] },
    });
    expect(out.extra).toEqual({ 'foo-token-bar': '[Filtered]', llm: 'token count', url: '[Filtered]' });
    expect(out.request?.headers).toEqual([['X-Token', '[Filtered]']]);
  });

  it('does not touch literal true/false/null strings or booleans (test_doesnt_scrub_not_scrubbed)', () => {
    const event = {
      extra: {
        test1: { is_authenticated: 'foobar' },
        test2: { is_authenticated: 'null' },
        test3: { is_authenticated: true },
      },
    };
    expect(scrub(event).extra).toEqual({
      test1: { is_authenticated: '[Filtered]' },
      test2: { is_authenticated: 'null' },
      test3: { is_authenticated: true },
    });
  });

  it('treats two-element arrays as key/value pairs (pairlist snapshots)', () => {
    const out = scrub({
      threads: {
        values: [
          {
            stacktrace: {
              frames: [
                {
                  vars: {
                    request: {
                      headers: [
                        ['secret', 'A1BBC234QWERTY0987MNBV012765HJKL'],
                        ['some_random_value', 'my_password'],
                        ['some_random_value_2', 'abc'],
                      ],
                    },
                  },
                },
              ],
            },
          },
        ],
      },
    });
    const vars = out.threads?.values?.[0]?.stacktrace as JsonObject;
    expect(vars).toEqual({
      frames: [
        {
          vars: {
            request: {
              headers: [
                ['secret', '[Filtered]'],
                ['some_random_value', '[Filtered]'],
                ['some_random_value_2', 'abc'],
              ],
            },
          },
        },
      ],
    });
    expect(out._meta).toEqual({
      threads: {
        values: {
          0: {
            stacktrace: {
              frames: {
                0: {
                  vars: {
                    request: {
                      headers: {
                        0: { 1: filtered('@password:filter', 32) },
                        1: { 1: filtered('@password:filter', 11) },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    });
  });

  it('removes a whole unknown context whose key matches and leaves known contexts alone (test_contexts)', () => {
    const out = scrub({
      contexts: {
        secret: { ...sensitiveVars(), type: 'secret' },
        biz: { ...sensitiveVars(), type: 'biz' },
        os: { ...sensitiveVars(), type: 'os' },
        device: { ...sensitiveVars(), type: 'device' },
      },
    });
    expect(out.contexts).toEqual({
      secret: null,
      biz: { ...scrubbedVars, type: 'biz' },
      os: { ...sensitiveVars(), type: 'os' },
      device: { ...sensitiveVars(), type: 'device' },
    });
    expect((out._meta as JsonObject).contexts).toMatchObject({ secret: removed('@password:filter') });
  });
});

describe('value patterns of @common:filter', () => {
  it.each([
    ['4571234567890111', '[Filtered]', ['@creditcard:filter', 's', 0, 10]],
    ['4242424242424242', '[Filtered]', ['@creditcard:filter', 's', 0, 10]],
    ['378282246310005', '[Filtered]', ['@creditcard:filter', 's', 0, 10]],
    ['6011111111111117', '[Filtered]', ['@creditcard:filter', 's', 0, 10]],
    ['5555555555554444', '[Filtered]', ['@creditcard:filter', 's', 0, 10]],
    ["'4571234567890111'", "'[Filtered]'", ['@creditcard:filter', 's', 1, 11]],
    ['foo 4571234567890111', 'foo [Filtered]', ['@creditcard:filter', 's', 4, 14]],
    [
      'paid with 4242 4242 4242 4242 today',
      'paid with [Filtered] today',
      ['@creditcard:filter', 's', 10, 20],
    ],
    ['1453843029218310', '1453843029218310', undefined],
    ['123-45-6789', '[Filtered]', ['@usssn:filter', 's', 0, 10]],
    ['pg://matt:pass@localhost/1', 'pg://matt:[Filtered]@localhost/1', ['@urlauth:legacy', 's', 10, 20]],
    [
      "foo 'redis://redis:foo@localhost:6379/0' bar",
      "foo 'redis://redis:[Filtered]@localhost:6379/0' bar",
      ['@urlauth:legacy', 's', 19, 29],
    ],
    ['postgres:///path', 'postgres:///path', undefined],
    [
      '{"a":"https://localhost","b":"foo@localhost","c":"pg://matt:pass@localhost/1","d":"lol"}',
      '{"a":"https://localhost","b":"foo@localhost","c":"pg://matt:[Filtered]@localhost/1","d":"lol"}',
      ['@urlauth:legacy', 's', 60, 70],
    ],
    ['some iban: DE89370400440532013000!', 'some iban: [Filtered]!', ['@iban:filter', 's', 11, 21]],
    [
      'File in /Users/mitsuhiko/Development',
      'File in /Users/[Filtered]/Development',
      ['@userpath:filter', 's', 15, 25],
    ],
    ['C:\\Users\\mitsuhiko\\Desktop', 'C:\\Users\\[Filtered]\\Desktop', ['@userpath:filter', 's', 9, 19]],
    [
      'C:\\Windows\\Profiles\\Armin\\Temp',
      'C:\\Windows\\Profiles\\[Filtered]\\Temp',
      ['@userpath:filter', 's', 20, 30],
    ],
    // Relay's `Bearer\s+[^\s]+` also takes the closing quote.
    ["curl -H 'Bearer abc123'", "curl -H '[Filtered]", ['@password:filter', 's', 9, 19]],
    ['my email is a@b.com', 'my email is a@b.com', undefined],
  ])('%j → %j', (input, output, remark) => {
    const out = scrub({ extra: { foo: input } });
    expect(out.extra?.foo).toBe(output);
    expect(out._meta).toEqual(
      remark ? { extra: { foo: { '': { rem: [remark], len: input.length } } } } : undefined,
    );
  });

  it('filters PEM key bodies (test_does_sanitize_private_key)', () => {
    const key =
      '""-----BEGIN PRIVATE KEY-----\nMIIJRAIBADANBgkqhkiG9w0BAQEFAASCCS4wggkqAgEAAoICAQCoNFY4P+EeIXl0\nmLpO+i8uFqAaEFQ8ZX2VVpA13kNEHuiWXC3HPlQ+7G+O3XmAsO+Wf/xY6pCSeQ8h\nmLpO+i8uFqAaEFQ8ZX2VVpA13kNEHuiWXC3HPlQ+7G+O3XmAsO+Wf/xY6pCSeQ8h\n-----END PRIVATE KEY-----""';
    const out = scrub({ extra: { s: key } });
    expect(out.extra?.s).toBe('""-----BEGIN PRIVATE KEY-----\n[Filtered]\n-----END PRIVATE KEY-----""');
    expect(out._meta).toEqual({ extra: { s: { '': { rem: [['@pemkey:filter', 's', 30, 40]], len: 252 } } } });
  });

  it('does not fail on numbers (test_does_not_fail_on_non_string)', () => {
    expect(scrub({ extra: { foo: 1 } })).toEqual({ extra: { foo: 1 } });
  });
});

describe('fields the legacy scrubber leaves alone', () => {
  it('keeps logentry.formatted except for replace-only rules', () => {
    const out = scrub({
      logentry: { formatted: 'my password is hunter2, mail a@b.com, card 4242424242424242' },
    });
    expect(out.logentry?.formatted).toBe('my password is hunter2, mail [email], card [creditcard]');
    expect(out._meta).toEqual({
      logentry: {
        formatted: {
          '': {
            rem: [
              ['@email:replace', 's', 29, 36],
              ['@creditcard:replace', 's', 43, 55],
            ],
            len: 59,
          },
        },
      },
    });
  });

  it('replaces bearer tokens in logentry.formatted with "Bearer [token]"', () => {
    const out = scrub({
      logentry: { formatted: 'API request failed with Bearer abc123xyz789token456def and other data' },
    });
    expect(out.logentry?.formatted).toBe('API request failed with Bearer [token] and other data');
    expect(out._meta).toEqual({
      logentry: { formatted: { '': { rem: [['@bearer:replace', 's', 24, 38]], len: 69 } } },
    });
  });

  it('keeps exception values, frame paths, debug files and the user agent', () => {
    const event = {
      exception: { values: [{ type: 'E', value: 'password=hunter2 4242424242424242' }] },
      stacktrace: {
        frames: [{ filename: 'C:\\Users\\jane\\foo.txt', abs_path: 'C:\\Users\\jane\\foo.txt' }],
      },
      debug_meta: { images: [{ type: 'macho', code_file: '/Users/jane/bar', debug_file: 'foo/bar.txt' }] },
      request: { headers: [['User-Agent', 'secret agent 127.0.0.1']] },
    };
    expect(
      scrub(event, { sensitiveFields: ['filename', 'abs_path', 'debug_file', 'code_file', 'value'] }),
    ).toBe(event);
  });

  it('does not scrub tags, culprit or the request URL (pii "maybe")', () => {
    const event = {
      tags: [['password', 'x']],
      culprit: 'password',
      request: { url: 'https://www.example.com/fr/testing/authenticate' },
    };
    expect(scrub(event)).toBe(event);
  });
});

describe('sensitive cookies', () => {
  it('filters session and csrf cookies whatever their value (test_sensitive_cookies)', () => {
    const out = scrub({
      request: {
        cookies: [
          ['sessionid', 'abc'],
          ['csrftoken', 'u32t4o3tb3gg43'],
          ['_xsrf', 'x'],
          ['not_sensitive', 'keep this'],
        ],
      },
      contexts: { response: { type: 'response', cookies: [['PHPSESSID', 'abc']] } },
    });
    expect(out.request?.cookies).toEqual([
      ['sessionid', '[Filtered]'],
      ['csrftoken', '[Filtered]'],
      ['_xsrf', '[Filtered]'],
      ['not_sensitive', 'keep this'],
    ]);
    expect(out.contexts?.response).toEqual({ type: 'response', cookies: [['PHPSESSID', '[Filtered]']] });
    expect((out._meta as JsonObject).request).toEqual({
      cookies: {
        0: { 1: filtered('@anything:filter', 3) },
        1: { 1: filtered('@password:filter', 14) },
        2: { 1: filtered('@anything:filter', 1) },
      },
    });
  });

  it('filters cookie headers in span data (test_span_cookie)', () => {
    const out = scrub({
      spans: [
        {
          data: {
            'http.request.header.cookie': 'session=foobar',
            'http.request.header.cookie.sessionid': 'foobar',
            'http.request.header.cookie.dark-mode': 'foobar',
            'http.request.header.cookie.csrf-token': 'foobar',
          },
        },
      ],
    });
    expect(out.spans).toEqual([
      {
        data: {
          'http.request.header.cookie': '[Filtered]',
          'http.request.header.cookie.sessionid': '[Filtered]',
          'http.request.header.cookie.dark-mode': 'foobar',
          'http.request.header.cookie.csrf-token': '[Filtered]',
        },
      },
    ]);
    expect(out._meta).toMatchObject({
      spans: { 0: { data: { 'http.request.header.cookie.csrf-token': filtered('@password:filter', 6) } } },
    });
  });
});

describe('sensitiveFields and excludeFields', () => {
  it('filters additional sensitive fields (test_sanitize_additional_sensitive_fields)', () => {
    const out = scrub(
      { extra: { ...sensitiveVars(), fieldy_field: 'value', moar_other_field: 'another value' } },
      { sensitiveFields: ['fieldy_field', 'moar_other_field'] },
    );
    expect(out.extra).toEqual({
      ...scrubbedVars,
      fieldy_field: '[Filtered]',
      moar_other_field: '[Filtered]',
    });
    expect((out._meta as JsonObject).extra).toMatchObject({ fieldy_field: filtered('strip-fields', 5) });
  });

  it('matches sensitive fields case-insensitively and as substrings', () => {
    expect(
      scrub({ extra: { MYSTUFF: 'xxx', my_stuff_x: 'y' } }, { sensitiveFields: ['myStuff'] }).extra,
    ).toEqual({
      MYSTUFF: '[Filtered]',
      my_stuff_x: 'y',
    });
    expect(scrub({ extra: { 'x-mystuff-y': 'xxx' } }, { sensitiveFields: ['mystuff'] }).extra).toEqual({
      'x-mystuff-y': '[Filtered]',
    });
  });

  it('filters values that contain a sensitive field name too (test_breadcrumb_message)', () => {
    // `strip-fields` is a `redact_pair` rule, which matches keys and values (getsentry/relay#6267).
    const event = {
      breadcrumbs: {
        values: [{ message: "SELECT session_key FROM django_session WHERE session_key = 'abcdefg'" }],
      },
    };
    const out = scrub(event, { sensitiveFields: ['session_key'] });
    expect(out.breadcrumbs).toEqual({ values: [{ message: '[Filtered]' }] });
    expect(out._meta).toEqual({
      breadcrumbs: { values: { '0': { message: filtered('strip-fields', 68) } } },
    });
  });

  it('skips excluded fields (test_exclude_fields_on_field_value)', () => {
    expect(scrub({ extra: { foobar: '123-45-6789' } }, { excludeFields: ['foobar'] }).extra).toEqual({
      foobar: '123-45-6789',
    });
    expect(
      scrub({ extra: { foobar: 'xxx' } }, { sensitiveFields: ['', ' '], excludeFields: ['', ' '] }).extra,
    ).toEqual({
      foobar: 'xxx',
    });
  });

  it('honours safe fields for token keys (test_safe_fields_for_token)', () => {
    const out = scrub(
      {
        extra: {
          password: 'foo',
          github_token: 'bar',
          access_token: 'quz',
          stripetoken: 'baz',
          'my-token': 'secret',
          new_token: 'hidden',
          'secret-token-here': 'ops',
        },
      },
      { excludeFields: ['GITHUB_TOKEN', 'access_token', 'stripetoken'] },
    );
    expect(out.extra).toEqual({
      password: '[Filtered]',
      github_token: 'bar',
      access_token: 'quz',
      stripetoken: 'baz',
      'my-token': '[Filtered]',
      new_token: '[Filtered]',
      'secret-token-here': '[Filtered]',
    });
  });

  it('only protects the excluded object itself, not its children (test_no_scrub_object_with_safe_fields)', () => {
    const out = scrub(
      {
        request: {
          data: {
            password: 'test',
            credentials: { email: 'testing@example.com', password: 'test' },
            submit: 'Se connecter',
          },
        },
      },
      { excludeFields: ['credentials'] },
    );
    expect(out.request?.data).toEqual({
      password: '[Filtered]',
      credentials: { email: 'testing@example.com', password: '[Filtered]' },
      submit: 'Se connecter',
    });
  });

  it('removes a matching object without safe fields (test_scrub_object)', () => {
    const out = scrub({
      request: {
        data: { password: 'test', profile: { email: 'testing@example.com', password: { $eq: 'x' } } },
      },
    });
    expect(out.request?.data).toEqual({
      password: '[Filtered]',
      profile: { email: 'testing@example.com', password: null },
    });
  });

  it('supports selector expressions (test_exclude_expression)', () => {
    const event = {
      extra: { do_not_scrub_1: 'password', do_not_scrub_2: ['password'], 'do_not_scrub.dot': ['password'] },
      user: { id: '5355849125500546' },
    };
    const out = scrub(event, {
      excludeFields: ['do_not_scrub_1', 'do_not_scrub_2.**', "extra.'do_not_scrub.dot'.**", '$user.id'],
    });
    expect(out).toBe(event);
    expect(scrub(event).user).toEqual({ id: '[Filtered]' });
  });

  it('handles odd keys (test_odd_keys)', () => {
    const out = scrub(
      { extra: { "do not ,./<>?!@#$%^&*())'ßtrip'": 'foo', "special ,./<>?!@#$%^&*())'gärbage'": 'bar' } },
      {
        sensitiveFields: ["special ,./<>?!@#$%^&*())'gärbage'"],
        excludeFields: ["do not ,./<>?!@#$%^&*())'ßtrip'", '2abc'],
      },
    );
    expect(out.extra).toEqual({
      "do not ,./<>?!@#$%^&*())'ßtrip'": 'foo',
      "special ,./<>?!@#$%^&*())'gärbage'": '[Filtered]',
    });
  });
});

describe('scrubIpAddresses', () => {
  it('removes known IP fields and replaces IPs elsewhere (test_ip_stripped)', () => {
    const out = scrubEvent(
      {
        user: { username: '73.133.27.120', ip_address: '73.133.27.120', data: sensitiveVars() },
        breadcrumbs: { values: [{ message: '73.133.27.120', data: { test_data: '73.133.27.120' } }] },
        sdk: { client_ip: '73.133.27.120' },
        request: { env: { REMOTE_ADDR: '127.0.0.1' } },
        spans: [{ sentry_tags: { 'user.ip': '73.133.27.120' } }],
      } as SentryEvent,
      {
        scrubData: false,
        scrubDefaults: false,
        scrubIpAddresses: true,
        sensitiveFields: [],
        excludeFields: [],
      },
    );
    expect(out.user).toEqual({ username: '[ip]', ip_address: null, data: sensitiveVars() });
    expect(out.breadcrumbs).toEqual({ values: [{ message: '[ip]', data: { test_data: '[ip]' } }] });
    expect(out.sdk).toEqual({ client_ip: null });
    expect(out.request).toEqual({ env: { REMOTE_ADDR: null } });
    expect(out.spans).toEqual([{ sentry_tags: { 'user.ip': null } }]);
    expect((out._meta as JsonObject).spans).toEqual({
      0: {
        sentry_tags: {
          'user.ip': {
            '': {
              rem: [
                ['@ip:replace', 's', 0, 4],
                ['@anything:remove', 'x'],
              ],
              len: 13,
            },
          },
        },
      },
    });
  });

  it('replaces IPv6 addresses', () => {
    expect(
      scrub({ extra: { a: 'before ::1 after', b: '[2001:0db8:85a3:0000:0000:8a2e:0370:7334]' } }).extra,
    ).toEqual({
      a: 'before [ip] after',
      b: '[[ip]]',
    });
  });

  it('does not scrub IPs when off (default)', () => {
    const event = { extra: { a: '10.0.0.1' } };
    expect(scrubEvent(event as SentryEvent, DEFAULT_DATA_SCRUBBING)).toBe(event);
  });
});

describe('purity and meta handling', () => {
  it('does not modify the input and keeps SDK-sent _meta', () => {
    const event = {
      extra: { password: 'x', foo: 'a'.repeat(10) },
      _meta: { extra: { foo: { '': { len: 99 } } } },
    };
    const before = JSON.stringify(event);
    const out = scrub(event);
    expect(JSON.stringify(event)).toBe(before);
    expect(out._meta).toEqual({
      extra: { foo: { '': { len: 99 } }, password: filtered('@password:filter', 1) },
    });
  });

  it('never matches inside earlier redactions (the !limit remark of trimming)', () => {
    const event = {
      extra: { foo: 'my card 4242424242424242...' },
      _meta: { extra: { foo: { '': { rem: [['!limit', 's', 24, 27]], len: 40 } } } },
    };
    const out = scrub(event);
    expect(out.extra?.foo).toBe('my card [Filtered]...');
    expect(out._meta).toEqual({
      extra: {
        foo: {
          '': {
            rem: [
              ['@creditcard:filter', 's', 8, 18],
              ['!limit', 's', 18, 21],
            ],
            len: 40,
          },
        },
      },
    });
  });

  it('does nothing when scrubbing is off', () => {
    const event = { extra: { password: 'x' } };
    expect(scrubEvent(event as SentryEvent, { ...DEFAULT_DATA_SCRUBBING, scrubData: false })).toBe(event);
  });

  it('shares unchanged subtrees with the input', () => {
    const event = { extra: { password: 'x' }, breadcrumbs: { values: [{ message: 'hi' }] } };
    const out = scrub(event);
    expect(out).not.toBe(event);
    expect(out.breadcrumbs).toBe(event.breadcrumbs);
  });
});
