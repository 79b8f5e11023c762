import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../protocol/json.js';
import { normalizeFrame } from './stacktrace.js';
import { normalizeOk } from './test-helpers.js';

describe('frames (stacktrace.rs)', () => {
  it.each([
    [{ filename: 'http://foo.com/foo.js' }, { filename: '/foo.js', abs_path: 'http://foo.com/foo.js' }],
    [
      { filename: 'foo.js', abs_path: 'http://foo.com/foo.js' },
      { filename: 'foo.js', abs_path: 'http://foo.com/foo.js' },
    ],
    [{ abs_path: 'http://foo.com' }, { filename: 'http://foo.com', abs_path: 'http://foo.com' }],
    [{ abs_path: 'http://foo.com/' }, { filename: 'http://foo.com/', abs_path: 'http://foo.com/' }],
    [
      { filename: '', abs_path: 'http://foo.com/foo.js' },
      { filename: '/foo.js', abs_path: 'http://foo.com/foo.js' },
    ],
    [
      { filename: 'app:///index.bundle' },
      { filename: 'app:///index.bundle', abs_path: 'app:///index.bundle' },
    ],
  ])('derives paths of %j', (input, expected) => {
    const frame: JsonObject = { lineno: 1, ...input };
    normalizeFrame(frame);
    expect(frame).toEqual({ lineno: 1, ...expected });
  });

  it('fills null context lines and a default context_line', () => {
    const frame: JsonObject = { pre_context: [null, ''], post_context: ['', null] };
    normalizeFrame(frame);
    expect(frame).toEqual({ pre_context: ['', ''], post_context: ['', ''], context_line: '' });
    const kept: JsonObject = { pre_context: [''], context_line: 'some line' };
    normalizeFrame(kept);
    expect(kept.context_line).toBe('some line');
  });

  it('turns array vars into an object', () => {
    const frame: JsonObject = { vars: ['a', 'b'] };
    normalizeFrame(frame);
    expect(frame.vars).toEqual({ 0: 'a', 1: 'b' });
  });
});

describe('exceptions', () => {
  it('absorbs the top-level stacktrace into a single exception (backfilling abs_path)', () => {
    const out = normalizeOk({
      exception: { values: [{ type: 'FooDivisionError', value: 'hi' }] },
      stacktrace: { frames: [{ module: 'MyModule', filename: 'MyFilename', function: 'Void FooBar()' }] },
    });
    expect(out.stacktrace).toBeUndefined();
    expect(out.exception?.values?.[0]?.stacktrace).toEqual({
      frames: [
        { module: 'MyModule', filename: 'MyFilename', abs_path: 'MyFilename', function: 'Void FooBar()' },
      ],
    });
  });

  it('keeps the top-level stacktrace with several exceptions', () => {
    const out = normalizeOk({
      exception: { values: [{ type: 'A' }, { type: 'B' }] },
      stacktrace: { frames: [{ function: 'f' }] },
    });
    expect(out.stacktrace).toEqual({ frames: [{ function: 'f' }] });
  });

  it.each([
    ['ValueError: bad things', { type: 'ValueError', value: 'bad things' }],
    ['Error:no space', { type: 'Error', value: 'no space' }],
    ['no colon here', { value: 'no colon here' }],
    ['multi: line\nvalue', { value: 'multi: line\nvalue' }],
  ])('splits %j when the type is missing', (value, expected) => {
    expect(normalizeOk({ exception: { values: [{ value }] } }).exception?.values?.[0]).toEqual(expected);
  });

  it('does not split when a type is given', () => {
    expect(
      normalizeOk({ exception: { values: [{ type: 'X', value: 'A: b' }] } }).exception?.values?.[0],
    ).toEqual({
      type: 'X',
      value: 'A: b',
    });
  });

  it('turns non-string values into strings', () => {
    expect(
      normalizeOk({ exception: { values: [{ type: 'E', value: 42 }] } }).exception?.values?.[0]?.value,
    ).toBe('42');
    expect(
      normalizeOk({ exception: { values: [{ type: 'E', value: { a: 1 } }] } }).exception?.values?.[0]?.value,
    ).toBe('{"a":1}');
  });

  it('drops exceptions without type and value', () => {
    const out = normalizeOk({ exception: { values: [{ stacktrace: { frames: [] } }, { type: 'Kept' }] } });
    expect(out.exception?.values).toEqual([{ type: 'Kept' }]);
    expect(out.errors?.[0]).toMatchObject({
      type: 'missing_attribute',
      name: 'exception.values.0',
      attribute: 'type or value',
    });
    expect(out.type).toBe('error');
  });

  it('accepts the legacy list form', () => {
    expect(normalizeOk({ exception: [{ type: 'E', value: 'v' }] }).exception).toEqual({
      values: [{ type: 'E', value: 'v' }],
    });
  });
});

describe('frame limits (trimming.rs)', () => {
  const frames = (n: number, inApp = false) =>
    Array.from({ length: n }, (_, i) => ({
      function: `f${i}`,
      in_app: inApp,
      vars: { i },
      pre_context: ['x'],
    }));

  it('keeps the newest 250 frames', () => {
    const out = normalizeOk({ exception: { values: [{ type: 'E', stacktrace: { frames: frames(300) } }] } });
    const kept = out.exception?.values?.[0]?.stacktrace?.frames ?? [];
    expect(kept).toHaveLength(250);
    expect(kept[0]?.function).toBe('f50');
    expect(kept[249]?.function).toBe('f299');
    expect(out._meta).toMatchObject({
      exception: { values: { 0: { stacktrace: { frames: { '': { len: 300 } } } } } },
    });
  });

  it('strips vars and context from middle frames beyond 50', () => {
    const out = normalizeOk({ stacktrace: { frames: frames(60) } });
    const kept = out.stacktrace?.frames ?? [];
    const withVars = kept.map((f, i) => (f.vars ? i : -1)).filter((i) => i >= 0);
    expect(withVars).toEqual([
      ...Array.from({ length: 25 }, (_, i) => i),
      ...Array.from({ length: 25 }, (_, i) => 35 + i),
    ]);
    expect(kept[30]?.pre_context).toBeUndefined();
    expect(kept[0]?.pre_context).toEqual(['x']);
  });
});
