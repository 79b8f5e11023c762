/**
 * A project's dynamic sampling configuration in Relay's JSON shape (`relay-sampling/src/config.rs`,
 * `SamplingConfig`; the `sampling` key of Relay's project config): an ordered list of rules, each
 * with a condition (Relay's rule-condition DSL, src/processing/filters/condition.ts), a sampling
 * value and a type saying what the condition reads:
 *
 * - `transaction`: the transaction event (`event.*` paths), seeded by the event id, so it does not
 *   keep traces whole;
 * - `project`: the envelope's dynamic sampling context (`trace.*` paths), with the rules of the
 *   project the item belongs to;
 * - `trace`: the dynamic sampling context, with the rules of the trace's root project (the
 *   project of the DSC's `public_key`), so every item of a trace gets the same decision.
 *
 * ```json
 * {"version": 2, "rules": [{"id": 1, "type": "trace",
 *   "condition": {"op": "glob", "name": "trace.release", "value": ["1.*"]},
 *   "samplingValue": {"type": "sampleRate", "value": 0.25}}]}
 * ```
 *
 * `samplingValue` is `{"type": "sampleRate" | "factor", "value": number}` or
 * `{"type": "reservoir", "limit": integer}`; `timeRange` `{start?, end?}` (RFC 3339, start
 * inclusive, end exclusive) limits when a rule applies and `decayingFn`
 * `{"type": "linear", "decayedValue": number}` moves its value towards `decayedValue` over that
 * range (`{"type": "constant"}` by default). Version 1 (the default when `version` is absent)
 * is the legacy shape whose rules may also sit in `rulesV2`; both lists are merged.
 * Rule types and condition operators this version does not know are kept and never match, as a
 * processing Relay does (`test_bad_dynamic_rules_in_processing_relays`).
 */
import { isJsonObject, type JsonValue } from '../../protocol/json.js';
import { parseRuleCondition, type ConditionIssues, type RuleCondition } from '../filters/condition.js';

/** The newest config version Relay understands (`SAMPLING_CONFIG_VERSION`). */
export const SAMPLING_CONFIG_VERSION = 2;

/** What a rule applies to (Relay's `RuleType`; unknown strings are `unsupported`). */
export type RuleType = 'trace' | 'transaction' | 'project' | 'unsupported';

/**
 * The value of a rule (Relay's `SamplingValue`): a final sample rate, a factor applied to the
 * next matching sample rate, or a reservoir that keeps the first `limit` matches.
 */
export type SamplingValue =
  | { type: 'sampleRate'; value: number }
  | { type: 'factor'; value: number }
  | { type: 'reservoir'; limit: number };

/** How a rule's value changes over its time range (Relay's `DecayingFunction`). */
export type DecayingFunction = { type: 'constant' } | { type: 'linear'; decayedValue: number };

/** When a rule applies, Unix milliseconds: `start` inclusive, `end` exclusive; open when absent. */
export interface TimeRange {
  start?: number;
  end?: number;
}

/** One parsed rule (Relay's `SamplingRule`). */
export interface SamplingRule {
  /** Unique within the organization; outcomes name the rules that dropped an item by it. */
  id: number;
  type: RuleType;
  condition: RuleCondition;
  samplingValue: SamplingValue;
  timeRange: TimeRange;
  decayingFn: DecayingFunction;
}

/** A parsed sampling config: rules in evaluation order. Treated as immutable. */
export interface SamplingConfig {
  /** Always {@link SAMPLING_CONFIG_VERSION} or newer after parsing (legacy configs are upgraded). */
  version: number;
  rules: readonly SamplingRule[];
}

/** Result of {@link parseSamplingConfig}: the config with notes, or every problem with its path. */
export type SamplingConfigResult =
  { ok: true; config: SamplingConfig; warnings: string[] } | { ok: false; errors: string[] };

/** The config of a project without rules: everything is kept. */
export const EMPTY_SAMPLING_CONFIG: SamplingConfig = Object.freeze({
  version: SAMPLING_CONFIG_VERSION,
  rules: Object.freeze([]) as readonly SamplingRule[],
});

const RULE_TYPES: ReadonlySet<string> = new Set(['trace', 'transaction', 'project']);
const RULE_KEYS: ReadonlySet<string> = new Set([
  'id',
  'type',
  'condition',
  'samplingValue',
  'timeRange',
  'decayingFn',
]);
/** RFC 3339 date-time (what chrono's `DateTime<Utc>` deserializer takes). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function isNonNegativeNumber(value: JsonValue | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function parseTime(raw: JsonValue | undefined, path: string, errors: string[]): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const ms = typeof raw === 'string' && RFC3339.test(raw) ? Date.parse(raw.replace(' ', 'T')) : Number.NaN;
  if (Number.isNaN(ms)) {
    errors.push(`${path}: expected an RFC 3339 date-time`);
    return undefined;
  }
  return ms;
}

function parseSamplingValue(
  raw: JsonValue | undefined,
  path: string,
  issues: ConditionIssues,
): SamplingValue | undefined {
  if (!isJsonObject(raw)) {
    issues.errors.push(`${path}: expected {"type": "sampleRate" | "factor", "value": number}`);
    return undefined;
  }
  switch (raw.type) {
    case 'sampleRate':
    case 'factor': {
      if (!isNonNegativeNumber(raw.value)) {
        issues.errors.push(`${path}.value: expected a non-negative number`);
        return undefined;
      }
      if (raw.type === 'sampleRate' && raw.value > 1)
        issues.warnings.push(`${path}.value: a sample rate above 1 keeps everything`);
      return { type: raw.type, value: raw.value };
    }
    case 'reservoir': {
      const limit = raw.limit;
      if (typeof limit !== 'number' || !Number.isSafeInteger(limit)) {
        issues.errors.push(`${path}.limit: expected an integer`);
        return undefined;
      }
      return { type: 'reservoir', limit };
    }
    default:
      issues.errors.push(`${path}.type: expected "sampleRate", "factor" or "reservoir"`);
      return undefined;
  }
}

function parseDecayingFn(raw: JsonValue | undefined, path: string, errors: string[]): DecayingFunction {
  if (raw === undefined || raw === null) return { type: 'constant' };
  if (isJsonObject(raw) && raw.type === 'constant') return { type: 'constant' };
  if (isJsonObject(raw) && raw.type === 'linear') {
    if (typeof raw.decayedValue === 'number' && Number.isFinite(raw.decayedValue))
      return { type: 'linear', decayedValue: raw.decayedValue };
    errors.push(`${path}.decayedValue: expected a number`);
    return { type: 'constant' };
  }
  errors.push(`${path}: expected {"type": "constant"} or {"type": "linear", "decayedValue": number}`);
  return { type: 'constant' };
}

function parseRule(raw: JsonValue, path: string, issues: ConditionIssues): SamplingRule | undefined {
  if (!isJsonObject(raw)) {
    issues.errors.push(`${path}: expected a rule object`);
    return undefined;
  }
  const before = issues.errors.length;
  for (const key of Object.keys(raw)) {
    if (!RULE_KEYS.has(key)) issues.warnings.push(`${path}.${key}: unknown key (ignored)`);
  }
  const id = raw.id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffff_ffff)
    issues.errors.push(`${path}.id: expected an integer from 0 to 4294967295`);
  let type: RuleType = 'unsupported';
  if (typeof raw.type !== 'string')
    issues.errors.push(`${path}.type: expected "trace", "transaction" or "project"`);
  else if (RULE_TYPES.has(raw.type)) type = raw.type as RuleType;
  else issues.warnings.push(`${path}.type: unsupported rule type "${raw.type}" (the rule never applies)`);
  const condition =
    raw.condition === undefined
      ? (issues.errors.push(`${path}.condition: required`), undefined)
      : parseRuleCondition(raw.condition, `${path}.condition`, issues);
  const samplingValue = parseSamplingValue(raw.samplingValue, `${path}.samplingValue`, issues);
  const timeRange: TimeRange = {};
  if (raw.timeRange !== undefined && raw.timeRange !== null) {
    if (!isJsonObject(raw.timeRange)) issues.errors.push(`${path}.timeRange: expected {"start"?, "end"?}`);
    else {
      const start = parseTime(raw.timeRange.start, `${path}.timeRange.start`, issues.errors);
      const end = parseTime(raw.timeRange.end, `${path}.timeRange.end`, issues.errors);
      if (start !== undefined) timeRange.start = start;
      if (end !== undefined) timeRange.end = end;
    }
  }
  const decayingFn = parseDecayingFn(raw.decayingFn, `${path}.decayingFn`, issues.errors);
  if (issues.errors.length > before || condition === undefined || samplingValue === undefined)
    return undefined;
  return { id: id as number, type, condition, samplingValue, timeRange, decayingFn };
}

function parseRuleList(
  raw: JsonValue | undefined,
  path: string,
  issues: ConditionIssues,
  into: SamplingRule[],
): void {
  if (raw === undefined || raw === null) return;
  if (!Array.isArray(raw)) {
    issues.errors.push(`${path}: expected a list of rules`);
    return;
  }
  raw.forEach((value, i) => {
    const rule = parseRule(value, `${path}[${i}]`, issues);
    if (rule) into.push(rule);
  });
}

/**
 * Parses the `sampling` object of a project config. `path` prefixes every message
 * (`sampling.rules[0].samplingValue.value: expected a non-negative number`). Absent or `null`
 * gives {@link EMPTY_SAMPLING_CONFIG}. Errors are what Relay's deserializer rejects (the whole
 * config would be ignored there); warnings are rules or keys that are kept but never act.
 */
export function parseSamplingConfig(raw: unknown, path = 'sampling'): SamplingConfigResult {
  if (raw === undefined || raw === null) return { ok: true, config: EMPTY_SAMPLING_CONFIG, warnings: [] };
  if (!isJsonObject(raw)) return { ok: false, errors: [`${path}: expected an object`] };
  const issues: ConditionIssues = { errors: [], warnings: [] };
  let version = 1;
  if (raw.version !== undefined && raw.version !== null) {
    if (typeof raw.version === 'number' && Number.isInteger(raw.version) && raw.version >= 0)
      version = raw.version;
    else issues.errors.push(`${path}.version: expected a non-negative integer`);
  }
  if (version > SAMPLING_CONFIG_VERSION)
    issues.warnings.push(
      `${path}.version: version ${version} is newer than ${SAMPLING_CONFIG_VERSION}; rules this version does not know never apply`,
    );
  for (const key of Object.keys(raw)) {
    if (!['version', 'rules', 'rulesV2'].includes(key))
      issues.warnings.push(`${path}.${key}: unknown key (ignored)`);
  }
  const rules: SamplingRule[] = [];
  parseRuleList(raw.rules, `${path}.rules`, issues, rules);
  // Relay's `SamplingConfig::normalize`: a legacy config keeps its rules in `rulesV2` too.
  if (version <= 1) {
    parseRuleList(raw.rulesV2, `${path}.rulesV2`, issues, rules);
    version = SAMPLING_CONFIG_VERSION;
  } else if (raw.rulesV2 !== undefined) {
    issues.warnings.push(`${path}.rulesV2: only read in version 1 configs (ignored)`);
  }
  const seen = new Set<number>();
  for (const rule of rules) {
    if (seen.has(rule.id))
      issues.warnings.push(
        `${path}: rule id ${rule.id} is used twice (outcomes cannot tell the rules apart)`,
      );
    seen.add(rule.id);
  }
  if (issues.errors.length > 0) return { ok: false, errors: issues.errors };
  return {
    ok: true,
    warnings: issues.warnings,
    config:
      rules.length === 0 && version === SAMPLING_CONFIG_VERSION ? EMPTY_SAMPLING_CONFIG : { version, rules },
  };
}

/** Whether `now` (Unix ms) lies in `range` (Relay's `TimeRange::contains`). */
export function timeRangeContains(range: TimeRange, now: number): boolean {
  return (range.start === undefined || range.start <= now) && (range.end === undefined || now < range.end);
}

/**
 * The rule's value at `now` (Unix ms) after its decaying function (Relay's
 * `DecayingFunction::adjust_sample_rate`): constant gives `value`; linear interpolates from
 * `value` at the range's start to `decayedValue` at its end over whole seconds, and gives
 * `undefined` (the rule is skipped) without both ends or when `value < decayedValue`.
 */
export function decayedValue(rule: SamplingRule, value: number, now: number): number | undefined {
  const fn = rule.decayingFn;
  if (fn.type === 'constant') return value;
  const { start, end } = rule.timeRange;
  if (start === undefined || end === undefined || value < fn.decayedValue) return undefined;
  const seconds = (ms: number): number => Math.floor(ms / 1000);
  const progress = Math.min(
    1,
    Math.max(0, (seconds(now) - seconds(start)) / (seconds(end) - seconds(start))),
  );
  return value + (fn.decayedValue - value) * progress;
}
