/**
 * Comparison helpers for Sentry's shared search-syntax fixtures (`fixtures/search-syntax/*.json`,
 * reference/sentry-semantics.md §1.6), used by the conformance test.
 *
 * `stripLikeSentry` does exactly what Sentry's `parser.spec.tsx` does before its deep compare:
 * drop `location`, `text`, `config`, `warning`, and a filter's `invalid` when it is null.
 *
 * `projectToFixture` additionally reshapes Vigil's tokens into the *vintage* of one expected
 * token, because the fixture files were copied from different upstream commits
 * (fixtures/search-syntax/SOURCE.md, "Mixed vintages"): text values marked their wildcards as
 * `contains`/`startsWith`/`endsWith` booleans before the `wildcard` enum; durations were parsed
 * as `{value, unit}` before milliseconds; numbers had `rawValue`; older files carry no `parsed`,
 * no `invalid` on free text and no `type` in `invalid`. Every mapping derives the old field from
 * Vigil's own token — nothing is copied from the expectation except which keys it has.
 */
import { isJsonObject } from '../protocol/json.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => isJsonObject(v);

/** A deep copy of `value` with the fields Sentry's parser spec strips removed. */
export function stripLikeSentry(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripLikeSentry);
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'location' || k === 'text' || k === 'config' || k === 'warning') continue;
    if (v === undefined) continue;
    out[k] = stripLikeSentry(v);
  }
  if (out.type === 'filter' && out.invalid === null) delete out.invalid;
  return out;
}

/** `actual` (already stripped) reshaped to the vintage of `expected` (see the module comment). */
export function projectToFixture(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(actual) && Array.isArray(expected)) {
    return actual.map((item: unknown, i: number) => projectToFixture(item, expected[i]));
  }
  if (!isObj(actual) || !isObj(expected)) return actual;
  const out: Obj = { ...actual };
  const has = (k: string): boolean => Object.hasOwn(expected, k);

  if (out.type === 'valueText') {
    const wildcard = out.wildcard;
    if (has('contains')) out.contains = wildcard === 'surrounded';
    if (has('startsWith')) out.startsWith = wildcard === 'trailing';
    if (has('endsWith')) out.endsWith = wildcard === 'leading';
    if (!has('wildcard')) delete out.wildcard;
  }
  if (out.type === 'filter' && has('wildcard') && !Object.hasOwn(out, 'wildcard')) {
    const value = out.value;
    out.wildcard = isObj(value) && value.type === 'valueText' ? value.wildcard : false;
  }
  if (out.type === 'valueNumber' && has('rawValue') && isObj(out.parsed)) out.rawValue = out.parsed.value;
  if (typeof out.type === 'string' && out.type.startsWith('value') && !has('parsed')) delete out.parsed;
  if (out.type === 'valueDuration' && isObj(expected.parsed) && Object.hasOwn(expected.parsed, 'unit')) {
    out.parsed = { value: Number(out.value), unit: out.unit };
  }
  if (out.type === 'freeText' && !has('invalid')) delete out.invalid;
  if (isObj(out.invalid) && isObj(expected.invalid)) {
    const invalid = { ...out.invalid };
    if (!Object.hasOwn(expected.invalid, 'type')) delete invalid.type;
    if (!Object.hasOwn(expected.invalid, 'expectedType')) delete invalid.expectedType;
    out.invalid = invalid;
  }
  for (const [k, v] of Object.entries(out)) {
    if (k !== 'invalid' && has(k)) out[k] = projectToFixture(v, expected[k]);
  }
  return out;
}
