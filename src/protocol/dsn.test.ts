import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Dsn } from './dsn.js';
import { formatDsn, parseDsn } from './dsn.js';

const KEY = 'e12d836b15bb49d7bbf99e64295d995b';

function parsed(text: string): Dsn {
  const result = parseDsn(text);
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.dsn;
}

describe('parseDsn', () => {
  it('parses a SaaS-style DSN', () => {
    expect(parsed(`https://${KEY}@o0.ingest.sentry.io/42`)).toEqual({
      protocol: 'https',
      publicKey: KEY,
      host: 'o0.ingest.sentry.io',
      path: '',
      projectId: 42,
    });
  });

  it('keeps the secret, an explicit port and a path prefix', () => {
    expect(parsed('http://public:secret@localhost:9000/sub/path/7')).toEqual({
      protocol: 'http',
      publicKey: 'public',
      secretKey: 'secret',
      host: 'localhost',
      port: 9000,
      path: '/sub/path',
      projectId: 7,
    });
  });

  it('treats an empty secret as absent and drops default ports', () => {
    expect(parsed(`https://${KEY}:@host:443/1`)).toEqual({
      protocol: 'https',
      publicKey: KEY,
      host: 'host',
      path: '',
      projectId: 1,
    });
    expect(parsed('http://k@host:80/1').port).toBeUndefined();
    expect(parsed('http://k@host:443/1').port).toBe(443);
  });

  it('ignores a trailing slash, query and fragment; normalises the host', () => {
    expect(parsed('https://k@Example.COM/42/?x=1#y')).toMatchObject({
      host: 'example.com',
      path: '',
      projectId: 42,
    });
    expect(parsed('https://k@[::1]:8000/3')).toMatchObject({ host: '[::1]', port: 8000, projectId: 3 });
  });

  it('accepts what Rust u64 parsing accepts for the project id', () => {
    expect(parsed('https://k@h/007').projectId).toBe(7);
    expect(parsed('https://k@h/0').projectId).toBe(0);
  });

  const errors: Array<[string, string, string]> = [
    ['random string', 'invalid_url', 'no valid url provided'],
    ['', 'invalid_url', 'no valid url provided'],
    ['ftp://k@host/1', 'invalid_scheme', 'no valid scheme'],
    ['https://:password@domain:8888/23', 'no_username', 'username is empty'],
    ['https://k@host/', 'no_project_id', 'empty path'],
    ['https://k@host', 'no_project_id', 'empty path'],
    ['https://k@host/abc', 'invalid_project_id', 'invalid project id'],
    ['https://k@host/23%21', 'invalid_project_id', 'invalid project id'],
    ['https://k@host/-1', 'invalid_project_id', 'invalid project id'],
    ['https://k@host/1.5', 'invalid_project_id', 'invalid project id'],
    ['https://k@host/99999999999999999999', 'invalid_project_id', 'invalid project id'],
    ['https://username:password@:8888/42', 'invalid_url', 'no valid url provided'],
  ];
  for (const [input, kind, message] of errors) {
    it(`rejects ${JSON.stringify(input)} as ${kind}`, () => {
      expect(parseDsn(input)).toEqual({ ok: false, error: { kind, message } });
    });
  }
});

describe('formatDsn', () => {
  it('formats every part', () => {
    expect(
      formatDsn({
        protocol: 'http',
        publicKey: 'pub',
        secretKey: 'sec',
        host: 'h',
        port: 9000,
        path: '/a/b',
        projectId: 5,
      }),
    ).toBe('http://pub:sec@h:9000/a/b/5');
    expect(formatDsn({ protocol: 'https', publicKey: KEY, host: 'h', path: '', projectId: 1 })).toBe(
      `https://${KEY}@h/1`,
    );
  });

  it('round-trips with parseDsn', () => {
    // Labels start with a letter: a numeric last label would make the URL parser read an IPv4 address.
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);
    const dsn: fc.Arbitrary<Dsn> = fc
      .record(
        {
          protocol: fc.constantFrom('http' as const, 'https' as const),
          publicKey: fc.stringMatching(/^[a-f0-9]{32}$/),
          secretKey: fc.stringMatching(/^[a-z0-9]{1,8}$/),
          host: fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.')),
          port: fc.integer({ min: 1, max: 65535 }),
          path: fc.array(label, { maxLength: 3 }).map((segments) => segments.map((s) => `/${s}`).join('')),
          projectId: fc.nat(),
        },
        { requiredKeys: ['protocol', 'publicKey', 'host', 'path', 'projectId'] },
      )
      .map((value) => {
        // The URL parser elides the scheme's default port.
        const defaultPort = value.protocol === 'https' ? 443 : 80;
        if (value.port === defaultPort) delete value.port;
        return value;
      });
    fc.assert(
      fc.property(dsn, (value) => {
        expect(parseDsn(formatDsn(value))).toEqual({ ok: true, dsn: value });
      }),
    );
  });
});
