import { describe, expect, it } from 'vitest';
import { canonicalSize, parseAttributes, parseItemContainer, toAttributeMaps } from './index.js';

const TYPE = 'application/vnd.sentry.items.log+json';
const parse = (root: unknown, itemCount?: number, contentType = TYPE) =>
  parseItemContainer(
    Buffer.from(JSON.stringify(root)),
    { content_type: contentType, item_count: itemCount },
    TYPE,
  );

describe('parseItemContainer', () => {
  it('reads version and ingest settings, ignoring unknown setting values', () => {
    const result = parse(
      {
        version: 2,
        ingest_settings: { infer_ip: 'auto', infer_user_agent: 123 },
        items: [{ __header: { byte_size: 5 }, a: 1 }],
      },
      1,
      'Application/VND.sentry.items.log+json; charset=utf-8',
    );
    expect(result).toEqual({
      ok: true,
      value: { metadata: { version: 2, ingest_settings: { infer_ip: 'auto' } }, entries: [{ a: 1 }] },
    });
  });

  it('drops all metadata when the version is unreadable, as Relay does', () => {
    const result = parse({ version: {}, ingest_settings: { infer_ip: 'auto' }, items: [] }, 0);
    expect(result).toEqual({ ok: true, value: { metadata: {}, entries: [] } });
  });

  it('rejects wrong content types, missing items and count mismatches', () => {
    expect(parse({ items: [] }, 0, 'application/json')).toMatchObject({
      ok: false,
      error: { kind: 'content_type' },
    });
    expect(parse({ entries: [] }, 0)).toMatchObject({ ok: false, error: { kind: 'invalid_json' } });
    expect(parse({ items: [{}] })).toMatchObject({
      ok: false,
      error: { kind: 'item_count_mismatch', expected: undefined, actual: 1 },
    });
  });
});

describe('parseAttributes', () => {
  it('accepts homogeneous arrays (numbers mix, nulls allowed) and rejects nested or mixed ones', () => {
    const { values, errors } = parseAttributes({
      nums: { type: 'array', value: [1, 2.5, null] },
      empty: { type: 'array', value: [] },
      nested: { type: 'array', value: [[1]] },
      mixed: { type: 'array', value: [true, 'x'] },
      big: { type: 'integer', value: 2 ** 63 },
      notAnObject: 'x',
    });
    expect([...values.keys()]).toEqual(['nums', 'empty']);
    expect(Object.fromEntries([...errors].map(([k, e]) => [k, e.kind]))).toEqual({
      nested: 'invalid_data',
      mixed: 'invalid_data',
      big: 'invalid_data',
      notAnObject: 'invalid_data',
    });
    expect(toAttributeMaps(values).attributes_array).toEqual({ nums: '[1,2.5,null]', empty: '[]' });
  });

  it("sizes attributes like Relay's calculate_size", () => {
    // "7 bytes" body + foo/"ÄÖÜ" (3 + 6) + num (3 + 8) + flag (4 + 1); the mixed array is
    // invalid but counts the value it was sent with (3 + 8 + 1), as Relay's 377-byte log test shows.
    const attributes = parseAttributes({
      foo: { type: 'string', value: 'ÄÖÜ' },
      num: { type: 'double', value: 1.5 },
      flag: { type: 'boolean', value: false },
      arr: { type: 'array', value: [1, 'x'] },
    });
    expect(attributes.errors.size).toBe(1);
    expect(canonicalSize('7 bytes', attributes)).toBe(7 + 9 + 11 + 5 + 12);
    expect(canonicalSize('', parseAttributes(undefined))).toBe(1);
  });
});
