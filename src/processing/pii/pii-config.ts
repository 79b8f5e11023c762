/**
 * A project's advanced PII config (`config.piiConfig`): custom rules, selectors mapped to rule
 * ids, parsed with clear errors and compiled into the ordered rule lists the scrubber applies.
 *
 * Follows `relay-pii/src/config.rs` (`PiiConfig`, `RuleSpec`, `RuleType`: `rules`, `vars`,
 * `applications`; camelCase fields, `redactPair` accepted for `redact_pair`),
 * `relay-pii/src/redactions.rs` (`Redaction`: `default`, `remove`, `replace` with `text`
 * defaulting to `[Filtered]`, `mask`, `hash`) and `relay-pii/src/compiledconfig.rs`
 * (`collect_rules`: custom ids shadow built-in ones, `multiple` / `alias` expand recursively and
 * with `hideInner` report the outer id and pass a non-default redaction down, each rule id is
 * applied once per selector, rules run in id order and selectors in `SelectorSpec` order).
 * reference/relay-protocol.md §9.3.
 *
 * Differences from Relay, all stricter: an unknown rule type or redaction method, a rule id no
 * rule defines, and an invalid regex are reported as errors (Relay ignores unknown types and
 * ids, skips invalid patterns at run time and treats unknown methods as removals); the parse
 * still keeps every valid part, which is what {@link compilePiiConfig} uses.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { BUILTIN_RULES } from './builtin.js';
import {
  ANYTHING,
  BEARER,
  CREDITCARD,
  EMAIL,
  IBAN,
  IMEI,
  IPV4,
  IPV6,
  MAC,
  PASSWORD_KEY,
  PEM_KEY,
  TOKEN_KEY,
  URL_AUTH,
  US_SSN,
  USER_PATH,
  UUID,
  type Pattern,
  type ReplaceBehavior,
} from './patterns.js';
import type { Redaction, Rule, RuleMatcher } from './rules.js';
import { compileRustRegex } from './rust-regex.js';
import { compareSelectors, parseApplicationSelector, type Selector } from './selectors.js';

/** A redaction as written in a config (`{"method": "replace", "text": "[x]"}`). */
export type RedactionSpec =
  | { method: 'default' }
  | { method: 'remove' }
  | { method: 'replace'; text: string }
  | { method: 'mask' }
  | { method: 'hash' };

/** Rule types without parameters. */
export type SimpleRuleType =
  | 'anything'
  | 'imei'
  | 'mac'
  | 'uuid'
  | 'email'
  | 'ip'
  | 'creditcard'
  | 'iban'
  | 'userpath'
  | 'pemkey'
  | 'url_auth'
  | 'us_ssn'
  | 'bearer'
  | 'password';

const SIMPLE_TYPES: ReadonlySet<string> = new Set<SimpleRuleType>([
  'anything',
  'imei',
  'mac',
  'uuid',
  'email',
  'ip',
  'creditcard',
  'iban',
  'userpath',
  'pemkey',
  'url_auth',
  'us_ssn',
  'bearer',
  'password',
]);

/** One rule of a config (Relay's `RuleSpec`, camelCase as in the project config). */
export type RuleSpec = (
  | { type: SimpleRuleType }
  | { type: 'pattern'; pattern: string; replaceGroups?: readonly number[] | null }
  | { type: 'redact_pair'; keyPattern: string }
  | { type: 'multiple'; rules: readonly string[]; hideInner: boolean }
  | { type: 'alias'; rule: string; hideInner: boolean }
) & { redaction: RedactionSpec };

/** A parsed PII config. */
export interface PiiConfig {
  /** Custom rules by id. */
  rules: Readonly<Record<string, RuleSpec>>;
  /** `vars.hashKey`: kept for round trips; current Relay hashes with an empty key. */
  hashKey: string | undefined;
  /** Selector text, its parsed form and the rule ids applied there, in config order. */
  applications: readonly { text: string; selector: Selector; rules: readonly string[] }[];
}

/** One problem found while parsing, with the JSON path it concerns (`rules.myrule.pattern`). */
export interface PiiConfigIssue {
  path: string;
  message: string;
}

/** Thrown by {@link parsePiiConfigStrict}; `issues` lists every problem. */
export class PiiConfigError extends Error {
  constructor(readonly issues: readonly PiiConfigIssue[]) {
    super(`invalid PII config: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
    this.name = 'PiiConfigError';
  }
}

const METHODS = ['default', 'remove', 'replace', 'mask', 'hash'];

/** Parses `redaction` (absent: `default`). */
function parseRedaction(value: JsonValue | undefined, path: string, issues: PiiConfigIssue[]): RedactionSpec {
  if (value === undefined || value === null) return { method: 'default' };
  if (!isJsonObject(value) || typeof value.method !== 'string') {
    issues.push({ path, message: 'expected an object with a "method"' });
    return { method: 'default' };
  }
  const { method } = value;
  if (!METHODS.includes(method)) {
    issues.push({
      path: `${path}.method`,
      message: `unknown redaction method "${method}" (expected ${METHODS.join(', ')})`,
    });
    // Fail closed, as current Relay does for methods it does not know.
    return { method: 'remove' };
  }
  if (method === 'replace') {
    if (value.text !== undefined && value.text !== null && typeof value.text !== 'string') {
      issues.push({ path: `${path}.text`, message: 'expected a string' });
    }
    return { method, text: typeof value.text === 'string' ? value.text : '[Filtered]' };
  }
  return { method } as RedactionSpec;
}

function stringList(
  value: JsonValue | undefined,
  path: string,
  issues: PiiConfigIssue[],
): string[] | undefined {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    issues.push({ path, message: 'expected a list of rule ids' });
    return undefined;
  }
  return value as string[];
}

function checkRegex(pattern: string, path: string, issues: PiiConfigIssue[]): boolean {
  const compiled = compileRustRegex(pattern);
  if (!compiled.ok) issues.push({ path, message: `invalid regex: ${compiled.error}` });
  return compiled.ok;
}

/** Parses one rule; `undefined` (with issues) when it cannot be used. */
function parseRule(
  value: JsonValue | undefined,
  path: string,
  issues: PiiConfigIssue[],
): RuleSpec | undefined {
  if (!isJsonObject(value) || typeof value.type !== 'string') {
    issues.push({ path, message: 'expected an object with a "type"' });
    return undefined;
  }
  const redaction = parseRedaction(value.redaction, `${path}.redaction`, issues);
  const type = value.type === 'redactPair' ? 'redact_pair' : value.type;
  if (SIMPLE_TYPES.has(type)) return { type: type as SimpleRuleType, redaction };
  const hideInner = value.hideInner === true;
  switch (type) {
    case 'pattern': {
      if (typeof value.pattern !== 'string') {
        issues.push({ path: `${path}.pattern`, message: 'expected a regex string' });
        return undefined;
      }
      let replaceGroups: number[] | null | undefined;
      const groups = value.replaceGroups;
      if (groups === null) replaceGroups = null;
      else if (groups !== undefined) {
        if (
          !Array.isArray(groups) ||
          groups.some((g) => typeof g !== 'number' || !Number.isInteger(g) || g < 0 || g > 255)
        ) {
          issues.push({ path: `${path}.replaceGroups`, message: 'expected a list of group numbers (0-255)' });
          return undefined;
        }
        replaceGroups = groups as number[];
      }
      if (!checkRegex(value.pattern, `${path}.pattern`, issues)) return undefined;
      return { type, pattern: value.pattern, replaceGroups, redaction };
    }
    case 'redact_pair':
      if (typeof value.keyPattern !== 'string') {
        issues.push({ path: `${path}.keyPattern`, message: 'expected a regex string' });
        return undefined;
      }
      if (!checkRegex(value.keyPattern, `${path}.keyPattern`, issues)) return undefined;
      return { type, keyPattern: value.keyPattern, redaction };
    case 'multiple': {
      const rules = stringList(value.rules, `${path}.rules`, issues);
      return rules && { type, rules, hideInner, redaction };
    }
    case 'alias':
      if (typeof value.rule !== 'string') {
        issues.push({ path: `${path}.rule`, message: 'expected a rule id' });
        return undefined;
      }
      return { type, rule: value.rule, hideInner, redaction };
    default:
      issues.push({
        path: `${path}.type`,
        message: `unknown rule type "${type}" (expected ${[...SIMPLE_TYPES, 'pattern', 'redact_pair', 'multiple', 'alias'].join(', ')})`,
      });
      return undefined;
  }
}

/** The ids a rule refers to. */
function references(spec: RuleSpec): readonly string[] {
  if (spec.type === 'multiple') return spec.rules;
  if (spec.type === 'alias') return [spec.rule];
  return [];
}

/**
 * Parses a PII config (the JSON object, or its text as Sentry stores it). Returns the usable
 * parts and every problem found; an empty `issues` list means the config is valid. Never throws.
 */
export function parsePiiConfig(input: unknown): { config: PiiConfig; issues: PiiConfigIssue[] } {
  const issues: PiiConfigIssue[] = [];
  const config: PiiConfig = { rules: {}, hashKey: undefined, applications: [] };
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      issues.push({
        path: '',
        message: `not JSON: ${error instanceof Error ? error.message : String(error)}`,
      });
      return { config, issues };
    }
  }
  if (value === null || value === undefined) return { config, issues };
  if (!isJsonObject(value as JsonValue)) {
    issues.push({ path: '', message: 'expected an object with "rules", "vars" and "applications"' });
    return { config, issues };
  }
  const root = value as JsonObject;

  // No prototype: rule ids are user data (`__proto__` must stay a plain key).
  const rules = Object.create(null) as Record<string, RuleSpec>;
  if (root.rules !== undefined && root.rules !== null) {
    if (!isJsonObject(root.rules))
      issues.push({ path: 'rules', message: 'expected an object of rules by id' });
    else {
      for (const [id, spec] of Object.entries(root.rules)) {
        const rule = parseRule(spec, `rules.${id}`, issues);
        if (rule) rules[id] = rule;
      }
    }
  }
  const known = (id: string): boolean => Object.hasOwn(rules, id) || BUILTIN_RULES.has(id);
  for (const [id, spec] of Object.entries(rules)) {
    for (const ref of references(spec)) {
      if (!known(ref)) issues.push({ path: `rules.${id}`, message: `unknown rule "${ref}"` });
    }
  }

  if (root.vars !== undefined && root.vars !== null) {
    if (!isJsonObject(root.vars)) issues.push({ path: 'vars', message: 'expected an object' });
    else if (typeof root.vars.hashKey === 'string') config.hashKey = root.vars.hashKey;
    else if (root.vars.hashKey !== undefined && root.vars.hashKey !== null) {
      issues.push({ path: 'vars.hashKey', message: 'expected a string' });
    }
  }

  const applications: { text: string; selector: Selector; rules: readonly string[] }[] = [];
  if (root.applications !== undefined && root.applications !== null) {
    if (!isJsonObject(root.applications)) {
      issues.push({ path: 'applications', message: 'expected an object of rule ids by selector' });
    } else {
      for (const [text, ids] of Object.entries(root.applications)) {
        const path = `applications[${JSON.stringify(text)}]`;
        let selector: Selector;
        try {
          selector = parseApplicationSelector(text);
        } catch (error) {
          issues.push({
            path,
            message: `invalid selector: ${error instanceof Error ? error.message : String(error)}`,
          });
          continue;
        }
        const list = stringList(ids, path, issues);
        if (!list) continue;
        for (const id of list) if (!known(id)) issues.push({ path, message: `unknown rule "${id}"` });
        applications.push({ text, selector, rules: list });
      }
    }
  }
  config.rules = rules;
  config.applications = applications;
  return { config, issues };
}

/** Parses a PII config, throwing a {@link PiiConfigError} listing every problem. */
export function parsePiiConfigStrict(input: unknown): PiiConfig {
  const { config, issues } = parsePiiConfig(input);
  if (issues.length > 0) throw new PiiConfigError(issues);
  return config;
}

/** A selector and the rules applied where it matches, in Relay's order. */
export interface CompiledApplication {
  selector: Selector;
  rules: readonly Rule[];
}

/** A compiled PII config: applications in the order Relay runs them. */
export interface CompiledPiiConfig {
  applications: readonly CompiledApplication[];
}

/** A rule reached from an application: its own id, the id remarks show, its spec and redaction. */
interface RuleRef {
  id: string;
  origin: string;
  spec: RuleSpec;
  redaction: RedactionSpec;
}

function lookup(config: PiiConfig, id: string): RuleSpec | undefined {
  return Object.hasOwn(config.rules, id) ? config.rules[id] : BUILTIN_RULES.get(id);
}

/** Relay's `collect_rules`: expands `multiple` and `alias`, keeping the first ref per id. */
function collectRules(
  config: PiiConfig,
  out: Map<string, RuleRef>,
  id: string,
  parent: RuleRef | undefined,
): void {
  const spec = lookup(config, id);
  if (!spec || out.has(id)) return;
  let ref: RuleRef = { id, origin: id, spec, redaction: spec.redaction };
  if (parent) {
    ref = {
      id,
      origin: parent.origin,
      spec,
      redaction: parent.redaction.method === 'default' ? spec.redaction : parent.redaction,
    };
  }
  if (spec.type === 'multiple') {
    for (const inner of spec.rules) collectRules(config, out, inner, spec.hideInner ? ref : undefined);
  } else if (spec.type === 'alias') {
    collectRules(config, out, spec.rule, spec.hideInner ? ref : undefined);
  } else out.set(id, ref);
}

function toRedaction(spec: RedactionSpec): Redaction {
  switch (spec.method) {
    case 'default':
    case 'remove':
      return { kind: 'remove' };
    case 'replace':
      return { kind: 'replace', text: spec.text };
    case 'mask':
      return { kind: 'mask' };
    case 'hash':
      return { kind: 'hash' };
  }
}

const MATCH: ReplaceBehavior = { kind: 'groups', groups: [0] };
const group = (n: number): ReplaceBehavior => ({ kind: 'groups', groups: [n] });
const value = (pattern: Pattern, behavior: ReplaceBehavior = MATCH): RuleMatcher => ({
  kind: 'value',
  pattern,
  behavior,
});

/** Matchers per rule type (Relay's `get_regex_for_rule_type`). */
const SIMPLE_MATCHERS: Readonly<Record<SimpleRuleType, readonly RuleMatcher[]>> = {
  anything: [value(ANYTHING)],
  imei: [value(IMEI)],
  mac: [value(MAC)],
  uuid: [value(UUID)],
  email: [value(EMAIL)],
  iban: [value(IBAN)],
  ip: [value(IPV4), value(IPV6, group(1))],
  creditcard: [value(CREDITCARD)],
  pemkey: [value(PEM_KEY, group(1))],
  url_auth: [value(URL_AUTH, group(1))],
  us_ssn: [value(US_SSN)],
  userpath: [value(USER_PATH, group(1))],
  bearer: [value(BEARER)],
  password: [value(BEARER), { kind: 'key', regex: TOKEN_KEY }, { kind: 'keyValue', regex: PASSWORD_KEY }],
};

/** Compiled custom regexes by source (configs are recompiled when projects change). */
const regexCache = new Map<string, RegExp | undefined>();

function customRegex(source: string, global: boolean): RegExp | undefined {
  const cacheKey = `${global ? 'g' : 'k'}${source}`;
  if (regexCache.has(cacheKey)) return regexCache.get(cacheKey);
  const compiled = compileRustRegex(source);
  let regex: RegExp | undefined;
  if (compiled.ok) {
    // Key regexes are tested with `test`, so they must not carry `lastIndex` state.
    regex = global
      ? compiled.regex
      : new RegExp(compiled.regex.source, compiled.regex.flags.replace(/[gd]/g, ''));
  }
  if (regexCache.size >= 1024) regexCache.clear();
  regexCache.set(cacheKey, regex);
  return regex;
}

/** The matchers of a leaf rule; empty when its regex does not compile (Relay skips it too). */
function matchersFor(spec: RuleSpec): readonly RuleMatcher[] {
  switch (spec.type) {
    case 'pattern': {
      const regex = customRegex(spec.pattern, true);
      if (!regex) return [];
      const groups =
        spec.replaceGroups === null ? [0] : [...new Set(spec.replaceGroups ?? [0])].sort((a, b) => a - b);
      return [{ kind: 'value', pattern: { regex }, behavior: { kind: 'groups', groups } }];
    }
    case 'redact_pair': {
      const regex = customRegex(spec.keyPattern, false);
      return regex ? [{ kind: 'keyValue', regex }] : [];
    }
    case 'multiple':
    case 'alias':
      return [];
    default:
      return SIMPLE_MATCHERS[spec.type];
  }
}

/**
 * Compiles a parsed config: per selector (in Relay's `SelectorSpec` order; a selector written
 * twice keeps its last rule list), the rules its ids expand to, sorted by rule id.
 */
export function compilePiiConfig(config: PiiConfig): CompiledPiiConfig {
  const bySelector: { selector: Selector; ids: readonly string[] }[] = [];
  for (const application of config.applications) {
    const same = bySelector.findIndex(
      (entry) => compareSelectors(entry.selector, application.selector) === 0,
    );
    if (same !== -1) bySelector.splice(same, 1);
    bySelector.push({ selector: application.selector, ids: application.rules });
  }
  bySelector.sort((a, b) => compareSelectors(a.selector, b.selector));
  const applications = bySelector.map(({ selector, ids }) => {
    const refs = new Map<string, RuleRef>();
    for (const id of ids) collectRules(config, refs, id, undefined);
    const rules = [...refs.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((ref): Rule => ({
        id: ref.origin,
        anything: ref.spec.type === 'anything',
        matchers: matchersFor(ref.spec),
        redaction: toRedaction(ref.redaction),
      }));
    return { selector, rules };
  });
  return { applications: applications.filter((application) => application.rules.length > 0) };
}
