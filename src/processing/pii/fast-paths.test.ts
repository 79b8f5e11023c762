import { describe, expect, it } from 'vitest';
import type { SentryEvent } from '../../protocol/event.js';
import type { JsonObject } from '../../protocol/json.js';
import { scrubEvent } from './scrub-event.js';
import { DEFAULT_DATA_SCRUBBING, type DataScrubbingSettings } from './settings.js';

// The scrubber skips work (screened strings, memoized key verdicts, compiled schema, reused
// settings); these pin that the results stay those of running every rule.
const scrub = (event: JsonObject, settings: DataScrubbingSettings = DEFAULT_DATA_SCRUBBING): SentryEvent =>
  scrubEvent(event as SentryEvent, settings);
const rem = (rule: string, start: number, end: number, len: number) => ({
  '': { rem: [[rule, 's', start, end]], len },
});

describe('value pre-checks keep every match', () => {
  it('filters card numbers with separators, including Amex split right after its prefix', () => {
    const out = scrub({
      extra: {
        card: '371-1111-1111-1111',
        other: 'card 4111 1111 1111 1111 and 5105-1051-0510-5100 end',
      },
    });
    expect(out.extra).toEqual({ card: '[Filtered]', other: 'card [Filtered] and [Filtered] end' });
    expect(out._meta?.extra).toEqual({
      card: rem('@creditcard:filter', 0, 10, 18),
      other: {
        '': {
          rem: [
            ['@creditcard:filter', 's', 5, 15],
            ['@creditcard:filter', 's', 20, 30],
          ],
          len: 52,
        },
      },
    });
  });

  it('replaces an email inside a long formatted message', () => {
    const formatted = `${'x'.repeat(20)} contact bob@example.com ${'y'.repeat(20)}`;
    const out = scrub({ logentry: { formatted } });
    expect(out.logentry?.formatted).toBe(`${'x'.repeat(20)} contact [email] ${'y'.repeat(20)}`);
    expect(out._meta?.logentry).toEqual({ formatted: rem('@email:replace', 29, 36, 65) });
  });

  it('filters the body of a PEM key spread over lines', () => {
    const key =
      'config:\n-----BEGIN RSA PRIVATE KEY-----\nMIIBOg\nKUpR==\n-----END RSA PRIVATE KEY-----\nrest';
    const out = scrub({ extra: { key } });
    expect(out.extra?.key).toBe(
      'config:\n-----BEGIN RSA PRIVATE KEY-----\n[Filtered]\n-----END RSA PRIVATE KEY-----\nrest',
    );
    expect(out._meta?.extra).toEqual({ key: rem('@pemkey:filter', 40, 50, 88) });
  });

  it('matches value regexes on the text without NUL characters, as Relay does', () => {
    // `Bear\0er abc` is `Bearer abc` to the regexes; `pass\0word` only meets the key-value
    // regex, which tests the raw text.
    const out = scrub({ extra: { a: 'Bear\u0000er abc', b: 'pass\u0000word' } });
    expect(out.extra).toEqual({ a: '[Filtered]', b: 'pass\u0000word' });
    expect(out._meta?.extra).toEqual({ a: rem('@password:filter', 0, 10, 11) });
  });
});

describe('key verdicts and compiled paths', () => {
  it('judges keys case-insensitively for strings, numbers and containers', () => {
    const out = scrub({
      extra: { PASSWORD: 5, Secret: 'x', nested: { API_KEY: { a: 1 } }, list: [1, 'bearer zz'] },
    });
    expect(out.extra).toEqual({
      PASSWORD: null,
      Secret: '[Filtered]',
      nested: { API_KEY: null },
      list: [1, '[Filtered]'],
    });
    expect(out._meta?.extra).toEqual({
      PASSWORD: { '': { rem: [['@password:filter', 'x']] } },
      Secret: rem('@password:filter', 0, 10, 1),
      nested: { API_KEY: { '': { rem: [['@password:filter', 'x']] } } },
      list: { 1: rem('@password:filter', 0, 10, 9) },
    });
  });

  it('walks frame vars only, leaving ignored exception values and frame paths alone', () => {
    const event = {
      exception: {
        values: [
          {
            type: 'E',
            value: 'password=1',
            stacktrace: {
              frames: [
                { function: 'f', filename: '/Users/alice/x.js', vars: { password: 'p', ok: 'fine' } },
                { function: 'g' },
              ],
            },
          },
        ],
      },
    };
    const before = JSON.stringify(event);
    const out = scrub(event);
    expect(JSON.stringify(event)).toBe(before);
    const frames = out.exception?.values?.[0]?.stacktrace?.frames;
    expect(out.exception?.values?.[0]?.value).toBe('password=1');
    expect(frames?.[0]).toEqual({
      function: 'f',
      filename: '/Users/alice/x.js',
      vars: { password: '[Filtered]', ok: 'fine' },
    });
    expect(frames?.[1]).toBe(event.exception.values[0]?.stacktrace.frames[1]);
  });

  it('applies the cookie and header rules under their special paths', () => {
    const out = scrub({
      request: {
        cookies: [
          ['sessionid', 'abc'],
          ['theme', 'dark'],
        ],
        headers: [
          ['Cookie', 'a=b'],
          ['Authorization', 'Bearer x'],
        ],
      },
    });
    expect(out.request?.cookies).toEqual([
      ['sessionid', '[Filtered]'],
      ['theme', 'dark'],
    ]);
    expect(out.request?.headers).toEqual([
      ['Cookie', 'a=b'],
      ['Authorization', '[Filtered]'],
    ]);
  });

  it('keeps `_meta` keys in the order of the event keys', () => {
    const out = scrub({
      _meta: { breadcrumbs: { values: { 0: { data: { '': { len: 9 } } } } } },
      breadcrumbs: {
        values: [
          { data: { password: 'x' }, message: 'my secret' },
          { message: 'secret', data: { token: 1 } },
        ],
      },
    });
    const values = (out._meta?.breadcrumbs as JsonObject).values as JsonObject;
    expect(Object.keys(values[0] as JsonObject)).toEqual(['data', 'message']);
    expect(Object.keys(values[1] as JsonObject)).toEqual(['message', 'data']);
  });
});

describe('whole-bag pre-scan gives up where other rules or remarks apply', () => {
  it('filters sensitive cookies under a `cookies` key inside a data bag', () => {
    const out = scrub({ extra: { cookies: { sessionid: 'abc', theme: 'dark' }, plain: { a: 'b' } } });
    expect(out.extra).toEqual({ cookies: { sessionid: '[Filtered]', theme: 'dark' }, plain: { a: 'b' } });
    expect(out._meta?.extra).toEqual({ cookies: { sessionid: rem('@anything:filter', 0, 10, 3) } });
  });

  it('sees two-element arrays led by a string as key/value pairs', () => {
    const out = scrub({ extra: { list: ['password', 'hunter2'], other: ['x', 'y'], n: ['token', 5] } });
    expect(out.extra).toEqual({ list: ['password', '[Filtered]'], other: ['x', 'y'], n: ['token', null] });
    expect(out._meta?.extra).toEqual({
      list: { 1: rem('@password:filter', 0, 10, 7) },
      n: { 1: { '': { rem: [['@password:filter', 'x']] } } },
    });
  });

  it('keeps earlier remarks out of the regexes', () => {
    const meta = { extra: { note: { '': { rem: [['@password:filter', 's', 4, 14]], len: 9 } } } };
    const out = scrub({ extra: { note: 'abc [Filtered] def' }, _meta: meta });
    expect(out.extra).toEqual({ note: 'abc [Filtered] def' });
    expect(out._meta).toEqual(meta);
  });

  it('still applies the known-IP rule next to a plain data bag', () => {
    const out = scrub(
      { user: { ip_address: '10.0.0.1', data: { ip_address: '10.0.0.2' } } },
      { ...DEFAULT_DATA_SCRUBBING, scrubIpAddresses: true },
    );
    expect(out.user).toEqual({ ip_address: null, data: { ip_address: '[ip]' } });
  });
});

describe('settings objects reused across events', () => {
  it('notices changes made to a settings object after it was used', () => {
    const settings: DataScrubbingSettings = { ...DEFAULT_DATA_SCRUBBING, sensitiveFields: [] };
    const event = { extra: { mykey: 'v', password: 'p' } };
    expect(scrub(event, settings).extra).toEqual({ mykey: 'v', password: '[Filtered]' });
    settings.sensitiveFields.push('mykey');
    expect(scrub(event, settings).extra).toEqual({ mykey: '[Filtered]', password: '[Filtered]' });
    settings.excludeFields = ['password'];
    expect(scrub(event, settings).extra).toEqual({ mykey: '[Filtered]', password: 'p' });
    settings.scrubData = false;
    expect(scrub(event, settings)).toBe(event);
  });
});
