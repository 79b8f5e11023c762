// Function naming of resolved frames: the scope extraction cases of getsentry/js-source-scopes
// (`tests/extract.rs`, same byte ranges), Symbolicator's `get_function_for_token` /
// `fold_function_name` cases, and scope names resolved through a real esbuild source map.
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { foldFunctionName, functionForToken, scopeFunctionName } from './function-names.js';
import { extractScopes, GLOBAL_SCOPE, ScopeIndex, type ScopeRange } from './scopes.js';
import { SourceMapView } from './source-map-view.js';
import { getContextLines, splitLines, trimContextLine } from './source-context.js';

function scopeStrings(src: string): Array<[number, number, string | undefined]> {
  return extractScopes(src)
    .map((s): [number, number, string | undefined] => [
      s.start,
      s.end,
      s.name?.map((c) => c.text).join('') || undefined,
    ])
    .sort((a, b) => a[0] - b[0]);
}

describe('scope extraction (js-source-scopes tests/extract.rs)', () => {
  it('extracts named functions', () => {
    const src =
      '\n        function fn_decl() {\n            return function fn_expr() {};\n        }\n        ';
    expect(scopeStrings(src)).toEqual([
      [9, 81, 'fn_decl'],
      [49, 70, 'fn_expr'],
    ]);
  });

  it('extracts named classes, not constructors', () => {
    const src =
      '\n        class class_decl {\n            constructor() {\n                return class class_expr {};\n            }\n        }\n        ';
    expect(scopeStrings(src)).toEqual([
      [9, 123, 'new class_decl'],
      [79, 98, 'new class_expr'],
    ]);
  });

  it('infers names from declarations', () => {
    const src =
      '\n        var anon_fn = function () {};\n        let anon_class = class {};\n        const arrow = () => {};\n        ';
    expect(scopeStrings(src)).toEqual([
      [23, 37, 'anon_fn'],
      [64, 72, 'new anon_class'],
      [96, 104, 'arrow'],
    ]);
  });

  it('infers names from assignments', () => {
    const src = '\n        assigned_fn = function () {};\n        deep.assigned.klass = class {};\n        ';
    expect(scopeStrings(src)).toEqual([
      [23, 37, 'assigned_fn'],
      [69, 77, 'new deep.assigned.klass'],
    ]);
  });

  it('names object literal members', () => {
    const src =
      '\n        const obj_literal = {\n            named_prop: function named_prop() {},\n            anon_prop: function () {},\n            arrow_prop: () => {},\n            method_prop() {},\n        };\n        ';
    expect(scopeStrings(src)).toEqual([
      [55, 79, 'named_prop'],
      [104, 118, 'obj_literal.anon_prop'],
      [144, 152, 'obj_literal.arrow_prop'],
      [166, 182, 'obj_literal.method_prop'],
    ]);
  });

  it('names class methods', () => {
    const src =
      '\n        class class_decl {\n            static static_method() {}\n            class_method() {}\n            #private_method() {}\n        }\n        ';
    expect(scopeStrings(src)).toEqual([
      [9, 138, 'new class_decl'],
      [40, 65, 'class_decl.static_method'],
      [78, 95, 'class_decl.class_method'],
      [108, 128, 'class_decl.#private_method'],
    ]);
  });

  it('names getters and setters', () => {
    expect(
      scopeStrings('\n      class A {\n        get foo() {}\n        set foo(x) {}\n      }\n    '),
    ).toEqual([
      [7, 67, 'new A'],
      [25, 37, 'get A.foo'],
      [46, 59, 'set A.foo'],
    ]);
    expect(
      scopeStrings('\n      a = {\n        get foo() {},\n        set foo(x) {}\n      }  \n    '),
    ).toEqual([
      [21, 33, 'get a.foo'],
      [43, 56, 'set a.foo'],
    ]);
  });

  it('names odd property keys', () => {
    const src =
      '\n      a = {\n        ["foo" + 123]() {},\n        1.7() {},\n        "bar"() {},\n        1n() {}\n      }\n    ';
    expect(scopeStrings(src)).toEqual([
      [21, 39, 'a.<computed property name>'],
      [49, 57, 'a.<1.7>'],
      [67, 77, 'a.<"bar">'],
      [87, 94, 'a.<1n>'],
    ]);
  });

  it('names the methods of a named class expression after it', () => {
    expect(
      scopeStrings('\n      a = class B {\n         foo() {}\n         get bar() {}\n      }  \n    '),
    ).toEqual([
      [11, 68, 'new B'],
      [30, 38, 'B.foo'],
      [48, 60, 'get B.bar'],
    ]);
  });

  it('leaves callbacks anonymous and has no scopes for what does not parse', () => {
    expect(scopeStrings('foo(function () {}); [1].map((x) => x);')).toEqual([
      [4, 18, undefined],
      [29, 37, undefined],
    ]);
    expect(extractScopes('function (')).toEqual([]);
    // Sloppy scripts (`with`) parse as scripts.
    expect(scopeStrings('with (o) { f = () => 1 }')).toEqual([[15, 22, 'f']]);
  });
});

it('ScopeIndex finds the innermost scope (js-source-scopes scope_index tests)', () => {
  const scope = (start: number, end: number, name?: string): ScopeRange => ({
    start,
    end,
    name: name === undefined ? undefined : [{ text: name }],
  });
  const scopes = [scope(5, 25, 'parent'), scope(10, 15, 'child'), scope(20, 25, 'child2'), scope(30, 50)];
  const index = new ScopeIndex(scopes);
  const at = (offset: number): string => {
    const id = index.lookup(offset);
    return id === GLOBAL_SCOPE ? 'unknown' : (scopes[id]!.name?.[0]!.text ?? 'anonymous');
  };
  expect([3, 7, 12, 17, 22, 25, 30, 50].map(at)).toEqual([
    'unknown',
    'parent',
    'child',
    'parent',
    'child2',
    'unknown',
    'anonymous',
    'unknown',
  ]);
});

describe('function names (symbolicator utils.rs)', () => {
  it('functionForToken', () => {
    expect(functionForToken('original', 'lookedup', undefined)).toBe('lookedup');
    expect(functionForToken(undefined, '__webpack_require__', 'previous_name')).toBe('previous_name');
    expect(functionForToken(undefined, '__webpack_require__', undefined)).toBe('__webpack_require__');
    expect(functionForToken('original', '__webpack_require__', undefined)).toBe('original');
    expect(functionForToken('original', '<anonymous>', '')).toBe('original');
  });

  it('foldFunctionName', () => {
    expect(foldFunctionName('foo')).toBe('foo');
    expect(foldFunctionName('foo.foo')).toBe('foo.foo');
    expect(foldFunctionName('foo.foo.foo')).toBe('{foo#2}.foo');
    expect(foldFunctionName('bar.foo.foo')).toBe('bar.foo.foo');
    expect(foldFunctionName('bar.foo.foo.foo')).toBe('bar.{foo#2}.foo');
    expect(foldFunctionName('bar.foo.foo.onError')).toBe('bar.{foo#2}.onError');
    expect(foldFunctionName('bar.bar.bar.foo.foo.onError')).toBe('{bar#3}.{foo#2}.onError');
    expect(foldFunctionName('bar.foo.foo.bar.bar.onError')).toBe('bar.{foo#2}.{bar#2}.onError');
  });

  it('scopeFunctionName', () => {
    expect(scopeFunctionName({ kind: 'named', name: 'Foo.bar' }, 'x', 'a')).toBe('Foo.bar');
    expect(scopeFunctionName({ kind: 'named', name: '$async$load' }, 'load', 'a')).toBe('load');
    expect(scopeFunctionName({ kind: 'anonymous' }, 'x', 'a')).toBe('<anonymous>');
    expect(scopeFunctionName({ kind: 'unknown' }, 'x', 'a')).toBe('a');
    expect(scopeFunctionName({ kind: 'unknown' }, 'x', undefined)).toBe('<unknown>');
  });
});

it('SourceMapView names scopes with the original identifiers of an esbuild map', async () => {
  const source = [
    'class Checkout {',
    '  submitOrder(items) {',
    '    return items.map((item) => validateItem(item));',
    '  }',
    '}',
    'function validateItem(item) {',
    "  if (!item.sku) throw new Error('no sku');",
    '  return item;',
    '}',
    'globalThis.checkout = new Checkout();',
    '',
  ].join('\n');
  const out = await build({
    stdin: { contents: source, sourcefile: 'checkout.js' },
    bundle: false,
    minify: true,
    sourcemap: 'external',
    write: false,
    outfile: 'out.js',
  });
  const minified = out.outputFiles.find((f) => f.path.endsWith('out.js'))!.text;
  const map = out.outputFiles.find((f) => f.path.endsWith('.map'))!.text;
  const view = new SourceMapView(minified, map);
  const at = (needle: string): ReturnType<SourceMapView['lookup']> =>
    view.lookup(0, minified.indexOf(needle));
  const throwSite = at('throw new Error');
  expect(throwSite).toMatchObject({ line: 6, scope: { kind: 'named', name: 'validateItem' } });
  expect(view.sourceName(throwSite!.source)).toBe('checkout.js');
  expect(view.sourceLines(throwSite!.source)?.[6]).toBe("  if (!item.sku) throw new Error('no sku');");
  expect(at('.map(')?.scope).toEqual({ kind: 'named', name: 'Checkout.submitOrder' });
  expect(at('=>')?.scope).toEqual({ kind: 'anonymous' });
  expect(view.lookup(0, 0)?.scope).toEqual({ kind: 'named', name: 'new Checkout' });
  expect(() => new SourceMapView(minified, '{"version":3}')).toThrow('no mappings');
  expect(
    () => new SourceMapView(minified, '{"version":3,"sources":[],"names":[],"mappings":"AAAA"}'),
  ).toThrow('invalid mapping');
});

describe('source context (symbolicator source_context.rs)', () => {
  const longLine =
    'The public is more familiar with bad design than good design. It is, in effect, conditioned to prefer bad design, because that is what it lives with. The new becomes threatening, the old reassuring.';

  it('trims long lines around the column', () => {
    expect(trimContextLine('foo', 0)).toBe('foo');
    expect(trimContextLine(longLine, 0)).toBe(
      'The public is more familiar with bad design than good design. It is, in effect, conditioned to prefer bad design, because that is what it li {snip}',
    );
    expect(trimContextLine(longLine, 10)).toBe(trimContextLine(longLine, 0));
    expect(trimContextLine(longLine, 66)).toBe(
      '{snip} blic is more familiar with bad design than good design. It is, in effect, conditioned to prefer bad design, because that is what it lives wi {snip}',
    );
    expect(trimContextLine(longLine, 190)).toBe(
      '{snip} gn. It is, in effect, conditioned to prefer bad design, because that is what it lives with. The new becomes threatening, the old reassuring.',
    );
    expect(trimContextLine(longLine, 9999)).toBe(trimContextLine(longLine, 190));
    expect(trimContextLine('.❤️🧡💛💚💙💜'.repeat(10), 70)).toBe(
      '{snip} 🧡💛💚💙💜.❤️🧡💛💚💙💜.❤️🧡💛💚💙💜.❤️🧡💛💚💙💜.❤️🧡💛💚💙💜.❤️🧡💛 {snip}',
    );
  });

  it('takes five lines on each side', () => {
    const lines = splitLines(Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\r\n') + '\r\n');
    expect(lines).toHaveLength(20);
    expect(getContextLines(lines, 10, 0)).toEqual({
      pre: ['line 5', 'line 6', 'line 7', 'line 8', 'line 9'],
      line: 'line 10',
      post: ['line 11', 'line 12', 'line 13', 'line 14', 'line 15'],
    });
    expect(getContextLines(lines, 2, 0)).toEqual({
      pre: ['line 1'],
      line: 'line 2',
      post: lines.slice(2, 7),
    });
    expect(getContextLines(lines, 21, 0)).toBeUndefined();
    expect(splitLines('')).toEqual([]);
  });
});
