import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../protocol/json.js';
import { scrubEvent } from './scrub-event.js';
import { DEFAULT_DATA_SCRUBBING } from './settings.js';
import { scrubWithConfig } from './test-helpers.js';

// Ported from relay-pii/src/processor.rs tests and their snapshots: test_basic_stripping,
// test_redact_containers, test_redact_custom_pattern, test_no_field_upsert,
// test_anything_hash_on_string, test_anything_hash_on_container, test_remove_debugmeta_path,
// test_replace_debugmeta_path, test_hash_debugmeta_path,
// test_debugmeta_path_not_addressible_with_wildcard_selector, test_quoted_keys,
// test_logentry_value_types, test_ip_address_hashing,
// test_ip_address_hashing_does_not_overwrite_id, test_logentry_params_scrubbed,
// test_tuple_array_scrubbed_with_path_selector,
// test_tuple_array_scrubbed_with_string_selector_and_password_matcher; and
// tests/integration/test_store.py (`extra.msg` with `@email`).

const rem = (rule: string, type: string, start: number, end: number, len: number) => ({
  '': { rem: [[rule, type, start, end]], len },
});
const removed = (rule: string) => ({ '': { rem: [[rule, 'x']] } });

const debugMeta = () => ({
  debug_meta: {
    images: [
      {
        type: 'symbolic',
        code_id: '59b0d8f3183000',
        code_file: 'C:\\Windows\\System32\\ntdll.dll',
        debug_id: '971f98e5-ce60-41ff-b2d7-235bbeb34578-1',
        debug_file: 'wntdll.pdb',
        arch: 'arm64',
        other: 'value',
      },
    ],
  },
});

const onImagePaths = (rule: string) => ({
  applications: { 'debug_meta.images.*.code_file': [rule], 'debug_meta.images.*.debug_file': [rule] },
});

describe('advanced PII config (processor.rs)', () => {
  it('applies @ip to strings and a redact_pair rule below objects (test_basic_stripping)', () => {
    const out = scrubWithConfig(
      {
        logentry: { formatted: 'Hello world!' },
        request: {
          env: { SECRET_KEY: '134141231231231231231312' },
          headers: [
            ['Cookie', 'super secret'],
            ['X-Forwarded-For', '127.0.0.1'],
          ],
        },
        tags: [['forwarded_for', '127.0.0.1']],
      },
      {
        rules: { remove_bad_headers: { type: 'redact_pair', keyPattern: '(?i)cookie|secret[-_]?key' } },
        applications: { $string: ['@ip'], '$object.**': ['remove_bad_headers'] },
      },
    );
    expect(out).toEqual({
      logentry: { formatted: 'Hello world!' },
      request: {
        env: { SECRET_KEY: null },
        headers: [
          ['Cookie', null],
          ['X-Forwarded-For', '[ip]'],
        ],
      },
      // Tags are `pii = "maybe"`: `$string` is not specific enough.
      tags: [['forwarded_for', '127.0.0.1']],
      _meta: {
        request: {
          env: { SECRET_KEY: removed('remove_bad_headers') },
          headers: { '0': { '1': removed('remove_bad_headers') }, '1': { '1': rem('@ip', 's', 0, 4, 9) } },
        },
      },
    });
  });

  it('removes containers with @anything (test_redact_containers)', () => {
    expect(scrubWithConfig({ extra: { foo: 'bar' } }, { applications: { $object: ['@anything'] } })).toEqual({
      extra: null,
      _meta: { extra: removed('@anything') },
    });
  });

  it('applies a custom pattern with a replace text (test_redact_custom_pattern)', () => {
    const out = scrubWithConfig(
      { extra: { myvalue: 'foobar' } },
      {
        applications: { $string: ['myrule'] },
        rules: { myrule: { type: 'pattern', pattern: 'foo', redaction: { method: 'replace', text: 'asd' } } },
      },
    );
    expect(out).toEqual({
      extra: { myvalue: 'asdbar' },
      _meta: { extra: { myvalue: rem('myrule', 's', 0, 3, 6) } },
    });
  });

  it('removes the top-level bag with ** (test_no_field_upsert)', () => {
    expect(
      scrubWithConfig({ extra: { myvalue: 'foobar' } }, { applications: { '**': ['@anything:remove'] } }),
    ).toEqual({ extra: null, _meta: { extra: removed('@anything:remove') } });
  });

  it('hashes strings and removes containers with @anything:hash', () => {
    expect(
      scrubWithConfig({ extra: { myvalue: 'foobar' } }, { applications: { $string: ['@anything:hash'] } }),
    ).toEqual({
      extra: { myvalue: '168197CA3A9D4FE60EDE05116B0A125DA1AB3BD0' },
      _meta: { extra: { myvalue: rem('@anything:hash', 'p', 0, 40, 6) } },
    });
    expect(
      scrubWithConfig({ extra: { myvalue: 'foobar' } }, { applications: { $object: ['@anything:hash'] } }),
    ).toEqual({
      extra: null,
      _meta: { extra: removed('@anything:hash') },
    });
  });

  it('keeps the basename of debug image paths (test_remove/replace/hash_debugmeta_path)', () => {
    const image = (code_file: string) => ({
      debug_meta: { images: [{ ...debugMeta().debug_meta.images[0], code_file }] },
    });
    const imageMeta = (node: object) => ({ debug_meta: { images: { '0': { code_file: node } } } });
    expect(scrubWithConfig(debugMeta(), onImagePaths('@anything:remove'))).toEqual({
      ...image('ntdll.dll'),
      _meta: imageMeta(removed('@anything:remove')),
    });
    expect(scrubWithConfig(debugMeta(), onImagePaths('@anything:replace'))).toEqual({
      ...image('[Filtered]\\ntdll.dll'),
      _meta: imageMeta(rem('@anything:replace', 's', 0, 10, 19)),
    });
    expect(scrubWithConfig(debugMeta(), onImagePaths('@anything:hash'))).toEqual({
      ...image('16941E20B31710B72716F91FE4F0F27DE81DD6F1\\ntdll.dll'),
      _meta: imageMeta(rem('@anything:hash', 'p', 0, 40, 19)),
    });
  });

  it('does not reach pii=maybe fields with unspecific selectors (test_debugmeta_path_not_addressible_with_wildcard_selector)', () => {
    const event = debugMeta();
    const config = {
      applications: {
        $string: ['@anything:remove'],
        '**': ['@anything:remove'],
        'debug_meta.**': ['@anything:remove'],
        '(debug_meta.images.**.code_file & $string)': ['@anything:remove'],
      },
    };
    expect(scrubWithConfig(event, config)).toBe(event);
  });

  it('matches quoted keys with escaped quotes (test_quoted_keys)', () => {
    const out = scrubWithConfig(
      { extra: { "do not ,./<>?!@#$%^&*())'ßtrip'": 'foo', "special ,./<>?!@#$%^&*())'gärbage'": 'bar' } },
      { applications: { "extra.'special ,./<>?!@#$%^&*())''gärbage'''": ['@anything:remove'] } },
    );
    expect(out).toEqual({
      extra: { "do not ,./<>?!@#$%^&*())'ßtrip'": 'foo', "special ,./<>?!@#$%^&*())'gärbage'": null },
      _meta: { extra: { "special ,./<>?!@#$%^&*())'gärbage'": removed('@anything:remove') } },
    });
  });

  it.each(['$logentry.formatted', '$message', '$logentry.formatted && $message', '$string'])(
    'addresses logentry.formatted as %s (test_logentry_value_types)',
    (selector) => {
      const out = scrubWithConfig(
        { logentry: { formatted: 'Hello world!' } },
        { applications: { [selector]: ['@anything:remove'] } },
      );
      expect(out.logentry).toEqual({ formatted: null });
    },
  );

  it('moves a hashed IP address into an empty user id (test_ip_address_hashing)', () => {
    const config = { applications: { '$user.ip_address': ['@ip:hash'] } };
    expect(scrubWithConfig({ user: { ip_address: '127.0.0.1' } }, config)).toEqual({
      user: { id: 'AE12FE3B5F129B5CC4CDD2B136B7B7947C4D2741' },
      _meta: { user: { id: rem('@ip:hash', 'p', 0, 40, 9) } },
    });
    expect(scrubWithConfig({ user: { id: '123', ip_address: '127.0.0.1' } }, config).user).toEqual({
      id: '123',
      ip_address: 'AE12FE3B5F129B5CC4CDD2B136B7B7947C4D2741',
    });
  });

  it('removes logentry params (test_logentry_params_scrubbed)', () => {
    const out = scrubWithConfig(
      {
        logentry: {
          message: 'failed to parse report id=%s',
          formatted: 'failed to parse report id=1',
          params: ['12345'],
        },
      },
      { applications: { $string: ['@anything:remove'] } },
    );
    expect(out.logentry).toEqual({ message: null, formatted: null, params: [null] });
    expect((out._meta?.logentry as JsonObject).params).toEqual({ '0': removed('@anything:remove') });
  });

  it.each([
    'exception.values.0.stacktrace.frames.0.vars.headers.0.authorization',
    'exception.values.0.stacktrace.frames.0.vars.headers.0.1',
  ])(
    'scrubs a [key, value] pair by key or by index: %s (test_tuple_array_scrubbed_with_path_selector)',
    (selector) => {
      const out = scrubWithConfig(
        {
          exception: {
            values: [
              {
                type: 'BrokenException',
                value: 'Something failed',
                stacktrace: { frames: [{ vars: { headers: [['authorization', 'Bearer abc123']] } }] },
              },
            ],
          },
        },
        { applications: { [selector]: ['@anything:replace'] } },
      );
      const frame = (out.exception as { values: { stacktrace: { frames: JsonObject[] } }[] }).values[0]
        ?.stacktrace.frames[0];
      expect(frame?.vars).toEqual({ headers: [['authorization', '[Filtered]']] });
      expect(out._meta).toEqual({
        exception: {
          values: {
            '0': {
              stacktrace: {
                frames: {
                  '0': { vars: { headers: { '0': { '1': rem('@anything:replace', 's', 0, 10, 13) } } } },
                },
              },
            },
          },
        },
      });
    },
  );

  it('removes a pair value by its password-like key (test_tuple_array_scrubbed_with_string_selector_and_password_matcher)', () => {
    const out = scrubWithConfig(
      { extra: { headers: [['authorization', 'abc123']] } },
      { applications: { $string: ['@password:remove'] } },
    );
    expect(out.extra).toEqual({ headers: [['authorization', null]] });
    expect(out._meta).toEqual({ extra: { headers: { '0': { '1': removed('@password:remove') } } } });
  });

  it('replaces an email in extra with @email (test_store.py)', () => {
    const out = scrubWithConfig(
      { extra: { msg: 'test@mail.org' } },
      { applications: { 'extra.msg': ['@email'] } },
    );
    expect(out.extra).toEqual({ msg: '[email]' });
  });
});

describe('pii=maybe fields and value types', () => {
  const frames = (frame: JsonObject) => ({ exception: { values: [{ stacktrace: { frames: [frame] } }] } });
  const frameOf = (out: JsonObject) =>
    (out.exception as { values: { stacktrace: { frames: JsonObject[] } }[] }).values[0]?.stacktrace.frames[0];

  it('reaches frame paths only with a specific selector, keeping the basename', () => {
    const event = frames({ abs_path: '/home/jane/app/main.py', module: 'app.main', function: 'run' });
    expect(scrubWithConfig(event, { applications: { $string: ['@userpath'] } })).toBe(event);
    const out = scrubWithConfig(event, {
      applications: { '$frame.abs_path': ['@userpath'], '$frame.module': ['@anything:mask'] },
    });
    expect(frameOf(out)).toEqual({
      abs_path: '/home/[user]/app/main.py',
      module: '********',
      function: 'run',
    });
  });

  it('does not touch fields without pii (function, request.url)', () => {
    const event = {
      ...frames({ function: 'jane@example.com' }),
      request: { url: 'https://jane@example.com/' },
    };
    expect(
      scrubWithConfig(event, {
        applications: { '**': ['@email'], '$frame.function': ['@email'], '$http.url': ['@email'] },
      }),
    ).toBe(event);
  });

  it('reaches tags and culprit by explicit path', () => {
    const out = scrubWithConfig(
      { tags: [['user_email', 'jane@example.com']], culprit: 'jane@example.com did it' },
      { applications: { 'tags.user_email': ['@email'], culprit: ['@email:mask'] } },
    );
    expect(out.tags).toEqual([['user_email', '[email]']]);
    expect(out.culprit).toBe('**************** did it');
    expect(out._meta).toEqual({
      tags: { '0': { '1': rem('@email', 's', 0, 7, 16) } },
      culprit: rem('@email:mask', 'm', 0, 16, 23),
    });
  });

  it('types structs by their own type, not $object', () => {
    const event = { user: { email: 'jane@example.com' }, request: { data: { email: 'jane@example.com' } } };
    const out = scrubWithConfig(event, { applications: { '$object.email': ['@anything:remove'] } });
    expect(out.user).toEqual({ email: 'jane@example.com' });
    expect(out.request).toEqual({ data: { email: null } });
  });

  it('runs applications in selector order and rules in id order, each id once', () => {
    // `$string` sorts before `extra.value`, so the email is gone before `b.io` is looked for;
    // within `$string`, `@email:replace` sorts before `@ip:replace` (reached twice, kept once).
    const out = scrubWithConfig(
      { extra: { value: 'a@b.io 1.2.3.4' } },
      {
        rules: {
          domain: { type: 'pattern', pattern: 'b\\.io', redaction: { method: 'replace', text: '[B]' } },
        },
        applications: { 'extra.value': ['domain'], $string: ['@ip', '@email', '@ip:replace'] },
      },
    );
    expect(out.extra).toEqual({ value: '[email] [ip]' });
    expect((out._meta?.extra as JsonObject).value).toEqual({
      '': {
        rem: [
          ['@email', 's', 0, 7],
          ['@ip', 's', 8, 12],
        ],
        len: 14,
      },
    });
  });

  it('swallows earlier redactions inside a later match, as Relay does', () => {
    const out = scrubWithConfig(
      { extra: { value: 'a@b.io 1.2.3.4' } },
      { applications: { 'extra.value': ['@anything:replace'], $string: ['@email'] } },
    );
    expect(out.extra).toEqual({ value: '[Filtered]' });
    expect((out._meta?.extra as JsonObject).value).toEqual(rem('@anything:replace', 's', 0, 10, 14));
  });

  it('applies piiConfig before the legacy settings (scrub_event order)', () => {
    // The advanced pass replaces the email; the legacy `@password:filter` then finds no text
    // left in the value (its redaction is a chunk), so the email remark stays.
    const out = scrubEvent({ extra: { password: 'a@b.io' } } as never, {
      ...DEFAULT_DATA_SCRUBBING,
      piiConfig: { applications: { $string: ['@email'] } },
    });
    expect(out.extra).toEqual({ password: '[email]' });
    expect(out._meta).toEqual({ extra: { password: rem('@email', 's', 0, 7, 6) } });
    // Without the advanced rule, the legacy filter applies.
    expect(scrubEvent({ extra: { password: 'a@b.io' } } as never, DEFAULT_DATA_SCRUBBING).extra).toEqual({
      password: '[Filtered]',
    });
  });

  it('applies piiConfig when scrubData is off, and accepts the JSON text Sentry stores', () => {
    const out = scrubEvent({ extra: { ip: '10.0.0.1' } } as never, {
      ...DEFAULT_DATA_SCRUBBING,
      scrubData: false,
      piiConfig: '{"applications": {"$string": ["@ip:remove"]}}',
    });
    expect(out.extra).toEqual({ ip: '' });
    expect(out._meta).toEqual({ extra: { ip: { '': { rem: [['@ip:remove', 'x', 0, 0]], len: 8 } } } });
  });

  it('skips invalid parts of a config and never throws', () => {
    const event = { extra: { a: 'x@y.io' } };
    const out = scrubWithConfig(event, {
      rules: { bad: { type: 'pattern', pattern: '(' }, worse: { type: 'nope' } },
      applications: { '$string &&': ['@email'], $string: ['bad', 'worse', 'missing', '@email'] },
    });
    expect(out.extra).toEqual({ a: '[email]' });
    expect(scrubWithConfig(event, 42)).toBe(event);
    expect(scrubWithConfig(event, 'not json')).toBe(event);
  });
});

describe('user keys named __proto__', () => {
  it('stay own properties of the event and its _meta in both passes (no prototype pollution)', () => {
    const event = JSON.parse(
      '{"extra": {"__proto__": {"password": "a@b.io"}}, "contexts": {"__proto__": {"mail": "a@b.io"}}}',
    ) as JsonObject;
    const out = scrubEvent(event as never, {
      ...DEFAULT_DATA_SCRUBBING,
      piiConfig: JSON.parse(
        '{"rules": {"__proto__": {"type": "email"}}, "applications": {"$string": ["__proto__"]}}',
      ),
    });
    expect(Object.hasOwn(Object.prototype, '')).toBe(false);
    expect(JSON.parse(JSON.stringify(out))).toEqual(
      JSON.parse(
        '{"extra": {"__proto__": {"password": ""}}, "contexts": {"__proto__": {"mail": ""}},' +
          ' "_meta": {"extra": {"__proto__": {"password": {"": {"rem": [["__proto__", "x", 0, 0]], "len": 6}}}},' +
          ' "contexts": {"__proto__": {"mail": {"": {"rem": [["__proto__", "x", 0, 0]], "len": 6}}}}}}',
      ),
    );
  });
});
