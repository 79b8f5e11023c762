import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { AuthResult } from './auth.js';
import {
  hasBasicAuthPrefix,
  hasSentryAuthPrefix,
  parseBasicAuth,
  parsePublicKey,
  parseQueryAuth,
  parseSentryAuth,
  PROTOCOL_VERSION,
} from './auth.js';

const KEY = 'e12d836b15bb49d7bbf99e64295d995b';

function basic(credentials: string): string {
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

function errorOf(result: AuthResult | null): { kind: string; message: string; cause?: string } {
  if (result === null || result.ok) throw new Error(`expected an auth error, got ${JSON.stringify(result)}`);
  return result.error;
}

describe('parseSentryAuth', () => {
  it('parses a typical SDK header', () => {
    expect(
      parseSentryAuth(
        `Sentry sentry_version=7, sentry_client=sentry.javascript.browser/8.0.0, sentry_key=${KEY}, sentry_secret=shh`,
      ),
    ).toEqual({
      ok: true,
      auth: { publicKey: KEY, version: 7, client: 'sentry.javascript.browser/8.0.0', secret: 'shh' },
    });
  });

  it('defaults the version to the current protocol', () => {
    expect(parseSentryAuth(`Sentry sentry_key=${KEY}`)).toEqual({
      ok: true,
      auth: { publicKey: KEY, version: PROTOCOL_VERSION },
    });
  });

  it('accepts the prefix in any ASCII case', () => {
    for (const prefix of ['sentry ', 'SENTRY ', 'SeNtRy ']) {
      expect(parseSentryAuth(`${prefix}sentry_key=${KEY}`).ok).toBe(true);
    }
  });

  it('trims keys and values, skips pairs without `=`, ignores unknown keys and sentry_timestamp', () => {
    const result = parseSentryAuth(
      `Sentry  \tsentry_key =\t${KEY} ,garbage, sentry_timestamp=not-a-number, other=1,sentry_client= a/1 `,
    );
    expect(result).toEqual({ ok: true, auth: { publicKey: KEY, version: 7, client: 'a/1' } });
  });

  it('keeps the last value of a repeated key', () => {
    const other = 'f'.repeat(32);
    expect(parseSentryAuth(`Sentry sentry_key=${other}, sentry_key=${KEY}`)).toMatchObject({
      ok: true,
      auth: { publicKey: KEY },
    });
  });

  it('cuts a value at a second `=` (sentry-types takes the first two `=` parts)', () => {
    expect(parseSentryAuth(`Sentry sentry_key=${KEY}, sentry_client=a=b`)).toMatchObject({
      ok: true,
      auth: { client: 'a' },
    });
  });

  it('keeps an empty client and secret', () => {
    expect(parseSentryAuth(`Sentry sentry_key=${KEY}, sentry_client=, sentry_secret=`)).toEqual({
      ok: true,
      auth: { publicKey: KEY, version: 7, client: '', secret: '' },
    });
  });

  it('parses the version as the part before the first dot, u16', () => {
    const version = (text: string): number | string => {
      const result = parseSentryAuth(`Sentry sentry_key=${KEY}, sentry_version=${text}`);
      return result.ok ? result.auth.version : result.error.kind;
    };
    expect(version('7.0')).toBe(7);
    expect(version('6')).toBe(6);
    expect(version('+7')).toBe(7);
    expect(version('007')).toBe(7);
    expect(version('0')).toBe(0);
    expect(version('5.x.y')).toBe(5);
    expect(version('')).toBe('bad_auth');
    expect(version('abc')).toBe('bad_auth');
    expect(version('-1')).toBe('bad_auth');
    expect(version('.7')).toBe('bad_auth');
    expect(version('65536')).toBe('bad_auth');
    expect(version('8')).toBe('unsupported_protocol_version');
    expect(version('65535')).toBe('unsupported_protocol_version');
  });

  it('reports Relay texts for each error', () => {
    expect(errorOf(parseSentryAuth(`Sentry sentry_key=${KEY}, sentry_version=x`))).toEqual({
      kind: 'bad_auth',
      message: 'bad x-sentry-auth header',
      cause: 'invalid value for version',
    });
    expect(errorOf(parseSentryAuth('Sentry sentry_version=7'))).toEqual({
      kind: 'bad_auth',
      message: 'bad x-sentry-auth header',
      cause: 'missing public key in auth header',
    });
    expect(errorOf(parseSentryAuth('Sentry sentry_key=, sentry_version=7')).cause).toBe(
      'missing public key in auth header',
    );
    expect(errorOf(parseSentryAuth('Sentry sentry_key=abc'))).toEqual({
      kind: 'bad_public_key',
      message: 'bad sentry DSN public key',
      cause: 'invalid project key',
    });
    expect(errorOf(parseSentryAuth(`Sentry sentry_key=${KEY}, sentry_version=8`))).toEqual({
      kind: 'unsupported_protocol_version',
      message: 'unsupported protocol version (8)',
    });
  });

  it('checks the key before the version (Relay order)', () => {
    expect(errorOf(parseSentryAuth('Sentry sentry_key=short, sentry_version=9')).kind).toBe('bad_public_key');
    expect(errorOf(parseSentryAuth('Sentry sentry_key=short, sentry_version=x')).kind).toBe('bad_auth');
  });

  it('rejects values without the `Sentry ` prefix', () => {
    for (const value of ['', 'Sentry', `Sentrysentry_key=${KEY}`, `sentry_key=${KEY}`, `Bearer ${KEY}`]) {
      expect(errorOf(parseSentryAuth(value))).toEqual({
        kind: 'bad_auth',
        message: 'bad x-sentry-auth header',
        cause: 'non sentry auth',
      });
    }
  });

  it('strips key flags into keyFlags', () => {
    expect(parseSentryAuth(`Sentry sentry_key=${KEY}.no-cache`)).toEqual({
      ok: true,
      auth: { publicKey: KEY, version: 7, keyFlags: ['no-cache'] },
    });
    expect(parseSentryAuth(`Sentry sentry_key=${KEY}.a.b`)).toMatchObject({
      ok: true,
      auth: { keyFlags: ['a', 'b'] },
    });
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (tail) => {
        const result = parseSentryAuth(`Sentry ${tail}`);
        if (!result.ok)
          expect(['bad_auth', 'unsupported_protocol_version', 'bad_public_key']).toContain(result.error.kind);
      }),
    );
  });
});

describe('prefix tests', () => {
  it('hasSentryAuthPrefix needs `sentry` plus one space, ASCII case-insensitive', () => {
    expect(hasSentryAuthPrefix('Sentry x')).toBe(true);
    expect(hasSentryAuthPrefix('sentry ')).toBe(true);
    expect(hasSentryAuthPrefix('Sentry')).toBe(false);
    expect(hasSentryAuthPrefix('Sentry\tx')).toBe(false);
    expect(hasSentryAuthPrefix(' Sentry x')).toBe(false);
    expect(hasSentryAuthPrefix('')).toBe(false);
  });

  it('hasBasicAuthPrefix needs `basic` plus one space', () => {
    expect(hasBasicAuthPrefix('Basic abc')).toBe(true);
    expect(hasBasicAuthPrefix('BASIC ')).toBe(true);
    expect(hasBasicAuthPrefix('Basicabc')).toBe(false);
    expect(hasBasicAuthPrefix('Sentry x')).toBe(false);
  });
});

describe('parseBasicAuth', () => {
  it('takes the user part as the key', () => {
    expect(parseBasicAuth(basic(`${KEY}:`))).toEqual({ ok: true, auth: { publicKey: KEY, version: 7 } });
    expect(parseBasicAuth(basic(`${KEY}:anything:else`))).toEqual({
      ok: true,
      auth: { publicKey: KEY, version: 7 },
    });
    expect(parseBasicAuth(`basic ${Buffer.from(`${KEY}:x`).toString('base64')}`).ok).toBe(true);
  });

  it('keeps key flags', () => {
    expect(parseBasicAuth(basic(`${KEY}.no-cache:`))).toMatchObject({
      ok: true,
      auth: { keyFlags: ['no-cache'] },
    });
  });

  it('treats undecodable credentials as missing authorization (401)', () => {
    const cases = [
      'Bearer abc',
      `Basic ${Buffer.from(`${KEY}:x`).toString('base64').replace(/=+$/, '')}`, // unpadded
      'Basic YR==', // non-canonical trailing bits
      'Basic Zm9v YmFy', // whitespace
      'Basic Zm9v-_', // URL-safe alphabet
      basic(KEY), // no colon
      basic(':secret'), // empty user
      `Basic ${Buffer.from([0xff, 0x3a]).toString('base64')}`, // not UTF-8
    ];
    for (const value of cases) {
      const error = errorOf(parseBasicAuth(value));
      expect(error.kind).toBe('bad_auth');
      expect(error.message).toBe('missing authorization information');
    }
  });

  it('reports a bad key as bad_public_key (400)', () => {
    expect(errorOf(parseBasicAuth(basic('short:'))).kind).toBe('bad_public_key');
    expect(errorOf(parseBasicAuth(basic(` ${KEY}:`))).kind).toBe('bad_public_key');
  });
});

describe('parseQueryAuth', () => {
  it('returns null when the query has no sentry_ anywhere', () => {
    expect(parseQueryAuth(new URLSearchParams('a=1&b=2'))).toBeNull();
    expect(parseQueryAuth(new URLSearchParams(''))).toBeNull();
    expect(parseQueryAuth('key=abc')).toBeNull();
  });

  it('parses sentry_ parameters', () => {
    const params = new URLSearchParams(
      `sentry_key=${KEY}&sentry_version=7&sentry_client=sentry.javascript.browser%2F8.0.0&other=1`,
    );
    expect(parseQueryAuth(params)).toEqual({
      ok: true,
      auth: { publicKey: KEY, version: 7, client: 'sentry.javascript.browser/8.0.0' },
    });
    expect(parseQueryAuth(`sentry_key=${KEY}&sentry_version=7.0`)).toEqual({
      ok: true,
      auth: { publicKey: KEY, version: 7 },
    });
  });

  it('does not trim query values', () => {
    expect(errorOf(parseQueryAuth(`sentry_key=+${KEY}`)).kind).toBe('bad_public_key');
  });

  it('is consulted when sentry_ appears only in a value, as in Relay', () => {
    expect(errorOf(parseQueryAuth('q=sentry_x'))).toMatchObject({
      kind: 'bad_auth',
      cause: 'missing public key in auth header',
    });
  });

  it('tests the raw string, not the decoded one, when given a string', () => {
    expect(parseQueryAuth(`sentry%5Fkey=${KEY}`)).toBeNull();
  });

  it('maps version and key errors like the header', () => {
    expect(errorOf(parseQueryAuth(`sentry_key=${KEY}&sentry_version=8`)).kind).toBe(
      'unsupported_protocol_version',
    );
    expect(errorOf(parseQueryAuth(`sentry_key=${KEY}&sentry_version=`)).kind).toBe('bad_auth');
    expect(errorOf(parseQueryAuth('sentry_key=abc')).kind).toBe('bad_public_key');
  });
});

describe('parsePublicKey', () => {
  it('accepts exactly 32 ASCII characters', () => {
    expect(parsePublicKey(KEY)).toEqual({ ok: true, publicKey: KEY, flags: [] });
    expect(parsePublicKey('not-hex but 32 ascii characters!').ok).toBe(true);
    expect(parsePublicKey(KEY.slice(1)).ok).toBe(false);
    expect(parsePublicKey(`${KEY}0`).ok).toBe(false);
    expect(parsePublicKey(`é${KEY.slice(1)}`).ok).toBe(false);
    expect(parsePublicKey('').ok).toBe(false);
  });

  it('splits flags unless they are disallowed (DSN keys)', () => {
    expect(parsePublicKey(`${KEY}.no-cache`)).toEqual({ ok: true, publicKey: KEY, flags: ['no-cache'] });
    expect(parsePublicKey(`${KEY}.no-cache`, false).ok).toBe(false);
    expect(parsePublicKey(KEY, false)).toEqual({ ok: true, publicKey: KEY, flags: [] });
  });
});
