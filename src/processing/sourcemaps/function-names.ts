/**
 * The function name of a resolved frame. Port of `symbolicator: crates/symbolicator-js/src/utils.rs`
 * (`get_function_for_token`, `fold_function_name`) and of the scope naming in
 * `src/symbolication.rs` (`ScopeLookupResult` → name); reference/sentry-semantics.md §9.2.
 */

/** The enclosing scope of a minified position, as the source-map cache knows it. */
export type ScopeLookup = { kind: 'named'; name: string } | { kind: 'anonymous' } | { kind: 'unknown' };

/**
 * Names that say nothing about the function (webpack's module wrapper, anonymous scopes): the
 * caller's name for the call is preferred to them.
 */
const USELESS_FN_NAMES: ReadonlySet<string> = new Set([
  '<anonymous>',
  '__webpack_require__',
  '__webpack_modules__',
]);

/**
 * The name a scope lookup gives a frame before caller naming: the original name of a named scope
 * (for Dart's `$async$` rewrites the mapping's own name, as Symbolicator does), `<anonymous>`,
 * or outside any function the minified name (`<unknown>` without one).
 */
export function scopeFunctionName(
  scope: ScopeLookup,
  tokenName: string | undefined,
  minifiedName: string | undefined,
): string {
  if (scope.kind === 'named') {
    return scope.name.startsWith('$async$') && tokenName !== undefined ? tokenName : scope.name;
  }
  if (scope.kind === 'anonymous') return '<anonymous>';
  return minifiedName ?? '<unknown>';
}

/**
 * Picks the frame's function name: the scope's name unless useless, else the original name at
 * the caller's call site (`callsiteName`, the mapping name of the previous frame's position),
 * else the useless name when the SDK sent none, else the SDK's minified name.
 */
export function functionForToken(
  minifiedName: string | undefined,
  tokenFunctionName: string,
  callsiteName: string | undefined,
): string {
  if (!USELESS_FN_NAMES.has(tokenFunctionName)) return tokenFunctionName;
  if (callsiteName !== undefined && callsiteName !== '') return callsiteName;
  if (minifiedName === undefined) return tokenFunctionName;
  return minifiedName;
}

/**
 * Folds runs of the same name component before the last one into `{name#count}`:
 * `bar.foo.foo.onError` → `bar.{foo#2}.onError` (deeply nested object literals otherwise
 * produce endless names).
 */
export function foldFunctionName(name: string): string {
  const parts = name.split('.');
  if (parts.length === 1) return name;
  const tail = parts.pop()!;
  const groups: Array<{ part: string; count: number }> = [];
  for (const part of parts) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last.part === part) last.count++;
    else groups.push({ part, count: 1 });
  }
  const folded = groups.map(({ part, count }) => (count === 1 ? part : `{${part}#${count}}`)).join('.');
  return `${folded}.${tail}`;
}
