import { describe, expect, it } from 'vitest';
import { multipartBoundary, parseMultipart } from './multipart.js';

const body = (text: string): Buffer => Buffer.from(text.replace(/\n/g, '\r\n'));

describe('multipartBoundary', () => {
  it('reads the boundary of multipart/form-data only', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc')).toBe('abc');
    expect(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b"')).toBe('a b');
    expect(multipartBoundary('application/json; boundary=abc')).toBeUndefined();
    expect(multipartBoundary('multipart/form-data')).toBeUndefined();
    expect(multipartBoundary(undefined)).toBeUndefined();
  });
});

describe('parseMultipart', () => {
  it('splits files and fields, keeping binary bodies byte for byte', () => {
    const binary = Buffer.from([0, 13, 10, 45, 45, 255]);
    const input = Buffer.concat([
      body(
        'preamble\n--XX\nContent-Disposition: form-data; name="file"; filename="a \\"b\\".bin"\nContent-Type: application/x-dmp\n\n',
      ),
      binary,
      body('\n--XX\ncontent-disposition: form-data; name="sentry[release]"\n\napp@1\n'),
      body('--XX\nContent-Disposition: form-data; name="u"; filename*=UTF-8\'\'%C3%BC.txt\n\n\n--XX--\n'),
    ]);
    const parsed = parseMultipart(input, 'XX');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.parts.map((p) => [p.name, p.filename, p.contentType, p.data.toString('hex')])).toEqual([
      ['file', 'a "b".bin', 'application/x-dmp', binary.toString('hex')],
      ['sentry[release]', undefined, undefined, Buffer.from('app@1').toString('hex')],
      ['u', 'ü.txt', undefined, ''],
    ]);
  });

  it('fails on a body that is cut off or has no form-data disposition', () => {
    expect(
      parseMultipart(body('--XX\nContent-Disposition: form-data; name="a"\n\nno end'), 'XX'),
    ).toMatchObject({
      ok: false,
    });
    expect(parseMultipart(body('--XX\nContent-Type: text/plain\n\nx\n--XX--\n'), 'XX')).toMatchObject({
      ok: false,
    });
    expect(parseMultipart(body('nothing here'), 'XX')).toMatchObject({ ok: false });
  });
});
