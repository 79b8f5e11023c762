import { describe, expect, it } from 'vitest';
import { normalizeHeaderName, parseCookies, parseQuery } from './request.js';
import { normalizeOk } from './test-helpers.js';

const request = (req: Record<string, unknown>) => normalizeOk({ request: req as never }).request;

describe('request (normalize/request.rs)', () => {
  it('splits query string and fragment off the URL', () => {
    expect(request({ url: 'http://example.com/path?some=thing#else' })).toEqual({
      url: 'http://example.com/path',
      query_string: [['some', 'thing']],
      fragment: 'else',
    });
  });

  it.each([
    ['http://example.com/path?foo#bar', 'http://example.com/path'],
    ['http://example.com/path#foo?bar', 'http://example.com/path'],
    ['http://example.com/path…', 'http://example.com/path...'],
    ['metamask/popup.html#', 'metamask/popup.html'],
    ['http://göögle.com/', 'http://xn--ggle-5qaa.com/'],
  ])('url %s → %s', (url, expected) => {
    expect(request({ url })?.url).toBe(expected);
  });

  it('lets explicit fields win over the URL', () => {
    expect(
      request({
        url: 'http://example.com/path?completely=different#stuff',
        query_string: [['some', 'thing']],
        fragment: 'else',
      }),
    ).toEqual({ url: 'http://example.com/path', query_string: [['some', 'thing']], fragment: 'else' });
  });

  it('keeps empty query values', () => {
    expect(request({ url: 'http://example.com/path?some' })?.query_string).toEqual([['some', '']]);
  });

  it.each([
    ['get', 'GET'],
    ['POST', 'POST'],
    ['!!!!', undefined],
  ])('method %s → %s', (method, expected) => {
    expect(request({ method })?.method).toBe(expected);
  });

  it('parses the Cookie header into cookies and removes it', () => {
    expect(request({ url: 'http://example.com', headers: [['Cookie', 'a=b;c=d']] })).toEqual({
      url: 'http://example.com/',
      headers: [],
      cookies: [
        ['a', 'b'],
        ['c', 'd'],
      ],
    });
  });

  it('keeps explicit cookies and still drops the Cookie header', () => {
    expect(request({ headers: [['Cookie', 'a=b;c=d']], cookies: [['foo', 'bar']] })).toEqual({
      headers: [],
      cookies: [['foo', 'bar']],
    });
  });

  it('normalizes headers: object form sorted, names capitalized, arrays joined', () => {
    expect(
      request({
        headers: {
          'x-sentry': 'version=8',
          accept: ['a', 'b'],
          '-other-': 'header',
          'WWW-Authenticate': 'basic',
        },
      })?.headers,
    ).toEqual([
      ['-Other-', 'header'],
      ['Accept', 'a,b'],
      ['WWW-Authenticate', 'basic'],
      ['X-Sentry', 'version=8'],
    ]);
  });

  it('infers JSON and form bodies', () => {
    expect(request({ data: '{"foo":"bar"}' })).toEqual({
      data: { foo: 'bar' },
      inferred_content_type: 'application/json',
    });
    expect(request({ data: 'foo=bar&x=1' })).toEqual({
      data: { foo: 'bar', x: '1' },
      inferred_content_type: 'application/x-www-form-urlencoded',
    });
    expect(request({ data: '{"foo":"b', headers: [['Content-Type', 'text/plain; encoding=utf-8']] })).toEqual(
      {
        data: '{"foo":"b',
        headers: [['Content-Type', 'text/plain; encoding=utf-8']],
        inferred_content_type: 'text/plain',
      },
    );
    expect(request({ data: 'dGU=' })).toEqual({ data: 'dGU=' });
  });

  it('parses a query string given as a string', () => {
    expect(request({ query_string: '?a=1&b=x+y&c=%41' })?.query_string).toEqual([
      ['a', '1'],
      ['b', 'x y'],
      ['c', 'A'],
    ]);
  });
});

describe('helpers', () => {
  it('normalizes header names like HeaderName::new', () => {
    expect(normalizeHeaderName('user-agent')).toBe('User-Agent');
    expect(normalizeHeaderName('x-forwarded-FOR')).toBe('X-Forwarded-FOR');
  });

  it('parses query strings and cookies', () => {
    expect(parseQuery('foo=bar&password&baz=bar')).toEqual([
      ['foo', 'bar'],
      ['password', ''],
      ['baz', 'bar'],
    ]);
    expect(parseCookies('PHPSESSID=298zf09hf012fh2; csrftoken=u32t4o3tb3gg43; _gat=1;')).toEqual([
      ['PHPSESSID', '298zf09hf012fh2'],
      ['csrftoken', 'u32t4o3tb3gg43'],
      ['_gat', '1'],
    ]);
    expect(parseCookies('novalue')).toBeUndefined();
  });
});
