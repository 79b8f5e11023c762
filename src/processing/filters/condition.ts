/**
 * Relay's rule-condition DSL (`relay-protocol/src/condition.rs`, `RuleCondition`), as used by
 * generic inbound filters: JSON objects tagged by `op`.
 *
 * - `eq` `{name, value, options?: {ignoreCase}}`: a string field equals `value` (or one of an
 *   array of strings), a boolean field equals a boolean, a missing field matches `null`.
 *   Numbers never match `eq` (Relay compares strings, booleans, ids and IPs only).
 * - `gt` / `gte` / `lt` / `lte` `{name, value}`: numbers numerically, strings lexically.
 * - `glob` `{name, value: [patterns]}`: case-insensitive Relay globs on a string field.
 * - `cidr` `{name, value: [ips or ranges]}`: an IP field inside any of the networks.
 * - `and` / `or` `{inner: [...]}` (empty `and` matches, empty `or` does not), `not` `{inner}`.
 * - `any` / `all` `{name, inner}`: over the elements of a collection field (e.g.
 *   `event.exception.values`, whose elements expose `ty` and `value`); a missing collection
 *   matches neither.
 * - any other `op` is kept as unsupported and never matches (Relay's `Unsupported`).
 */
import type { JsonValue } from '../../protocol/json.js';
import { isJsonObject } from '../../protocol/json.js';
import { GlobPatterns, globError } from './glob.js';
import { parseIpNetwork, ipInNetworks, type IpNetwork } from './ip-network.js';

/** A scalar read from an item by path (Relay's `Val`). */
export type GetterValue = string | number | boolean;

/**
 * Read access to an item for conditions (Relay's `Getter`): paths carry the item's namespace
 * (`event.release`, `log.body`, …); unknown paths yield `undefined`.
 */
export interface Getter {
  getValue(path: string): GetterValue | undefined;
  /** Elements of a collection field, each a getter of its own; `undefined` when absent. */
  getIter?(path: string): readonly Getter[] | undefined;
}

/** A parsed condition. Glob and CIDR lists are compiled once. */
export type RuleCondition =
  | { op: 'eq'; name: string; value: JsonValue; ignoreCase: boolean }
  | { op: 'gt' | 'gte' | 'lt' | 'lte'; name: string; value: JsonValue }
  | { op: 'glob'; name: string; patterns: GlobPatterns }
  | { op: 'cidr'; name: string; networks: IpNetwork[] }
  | { op: 'and' | 'or'; inner: RuleCondition[] }
  | { op: 'not'; inner: RuleCondition }
  | { op: 'any' | 'all'; name: string; inner: RuleCondition }
  | { op: 'unsupported'; raw: string };

/** Problems found while parsing a condition: `errors` reject it, `warnings` are notes. */
export interface ConditionIssues {
  errors: string[];
  warnings: string[];
}

function stringList(value: JsonValue | undefined): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

/**
 * Parses a condition from JSON, appending problems to `issues` with `path` as the location.
 * Returns `undefined` when the condition is malformed (an error was recorded).
 */
export function parseRuleCondition(
  raw: JsonValue | undefined,
  path: string,
  issues: ConditionIssues,
): RuleCondition | undefined {
  if (!isJsonObject(raw)) {
    issues.errors.push(`${path}: expected a condition object with an "op"`);
    return undefined;
  }
  const op = raw.op;
  if (typeof op !== 'string') {
    issues.errors.push(`${path}.op: expected a string`);
    return undefined;
  }
  const name = (): string | undefined => {
    if (typeof raw.name === 'string') return raw.name;
    issues.errors.push(`${path}.name: expected a string (the field path)`);
    return undefined;
  };
  switch (op) {
    case 'eq': {
      const field = name();
      if (field === undefined) return undefined;
      if (!('value' in raw)) {
        issues.errors.push(`${path}.value: required`);
        return undefined;
      }
      const options = raw.options;
      let ignoreCase = false;
      if (options !== undefined && options !== null) {
        if (
          !isJsonObject(options) ||
          (options.ignoreCase !== undefined && typeof options.ignoreCase !== 'boolean')
        ) {
          issues.errors.push(`${path}.options: expected {"ignoreCase": boolean}`);
          return undefined;
        }
        ignoreCase = options.ignoreCase === true;
      }
      return { op, name: field, value: raw.value ?? null, ignoreCase };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const field = name();
      if (field === undefined) return undefined;
      if (!('value' in raw)) {
        issues.errors.push(`${path}.value: required`);
        return undefined;
      }
      return { op, name: field, value: raw.value ?? null };
    }
    case 'glob': {
      const field = name();
      const patterns = stringList(raw.value);
      if (patterns === undefined) issues.errors.push(`${path}.value: expected a list of glob patterns`);
      if (field === undefined || patterns === undefined) return undefined;
      patterns.forEach((p, i) => {
        const error = globError(p);
        if (error !== undefined) issues.warnings.push(`${path}.value[${i}]: ${error} (never matches)`);
      });
      return { op, name: field, patterns: new GlobPatterns(patterns) };
    }
    case 'cidr': {
      const field = name();
      const entries = stringList(raw.value);
      if (entries === undefined)
        issues.errors.push(`${path}.value: expected a list of IP addresses or CIDR ranges`);
      if (field === undefined || entries === undefined) return undefined;
      const networks: IpNetwork[] = [];
      entries.forEach((entry, i) => {
        const network = parseIpNetwork(entry);
        if (network) networks.push(network);
        else
          issues.warnings.push(
            `${path}.value[${i}]: "${entry}" is not an IP address or CIDR range (ignored)`,
          );
      });
      return { op, name: field, networks };
    }
    case 'and':
    case 'or': {
      if (!Array.isArray(raw.inner)) {
        issues.errors.push(`${path}.inner: expected a list of conditions`);
        return undefined;
      }
      const inner: RuleCondition[] = [];
      for (const [i, child] of raw.inner.entries()) {
        const parsed = parseRuleCondition(child, `${path}.inner[${i}]`, issues);
        if (parsed === undefined) return undefined;
        inner.push(parsed);
      }
      return { op, inner };
    }
    case 'not': {
      const inner = parseRuleCondition(raw.inner, `${path}.inner`, issues);
      return inner === undefined ? undefined : { op, inner };
    }
    case 'any':
    case 'all': {
      const field = name();
      if (field === undefined) return undefined;
      const inner = parseRuleCondition(raw.inner, `${path}.inner`, issues);
      return inner === undefined ? undefined : { op, name: field, inner };
    }
    default:
      issues.warnings.push(`${path}.op: unsupported operator "${op}" (the condition never matches)`);
      return { op: 'unsupported', raw: op };
  }
}

function caseFold(text: string): string {
  return text.toLowerCase();
}

function eqMatches(cond: Extract<RuleCondition, { op: 'eq' }>, getter: Getter): boolean {
  const actual = getter.getValue(cond.name);
  const cmp = (a: string, b: string): boolean => (cond.ignoreCase ? caseFold(a) === caseFold(b) : a === b);
  if (actual === undefined) return cond.value === null;
  if (typeof actual === 'string') {
    if (typeof cond.value === 'string') return cmp(actual, cond.value);
    if (Array.isArray(cond.value)) return cond.value.some((v) => typeof v === 'string' && cmp(v, actual));
    return false;
  }
  if (typeof actual === 'boolean') return typeof cond.value === 'boolean' && actual === cond.value;
  return false;
}

function compare(op: 'gt' | 'gte' | 'lt' | 'lte', a: number | string, b: number | string): boolean {
  switch (op) {
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
  }
}

/** Evaluates `condition` against `getter` (Relay's `RuleCondition::matches`). Never throws. */
export function matchesCondition(condition: RuleCondition, getter: Getter): boolean {
  switch (condition.op) {
    case 'eq':
      return eqMatches(condition, getter);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const actual = getter.getValue(condition.name);
      const expected = condition.value;
      if (typeof actual === 'number' && typeof expected === 'number')
        return compare(condition.op, actual, expected);
      if (typeof actual === 'string' && typeof expected === 'string')
        return compare(condition.op, actual, expected);
      return false;
    }
    case 'glob': {
      const actual = getter.getValue(condition.name);
      return typeof actual === 'string' && condition.patterns.isMatch(actual);
    }
    case 'cidr': {
      const actual = getter.getValue(condition.name);
      return typeof actual === 'string' && ipInNetworks(actual, condition.networks);
    }
    case 'and':
      return condition.inner.every((c) => matchesCondition(c, getter));
    case 'or':
      return condition.inner.some((c) => matchesCondition(c, getter));
    case 'not':
      return !matchesCondition(condition.inner, getter);
    case 'any':
    case 'all': {
      const items = getter.getIter?.(condition.name);
      if (items === undefined) return false;
      return condition.op === 'any'
        ? items.some((item) => matchesCondition(condition.inner, item))
        : items.every((item) => matchesCondition(condition.inner, item));
    }
    case 'unsupported':
      return false;
  }
}
