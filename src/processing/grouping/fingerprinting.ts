/**
 * Server-side fingerprint rules ("fingerprint rules" in project settings, plus Sentry's built-in
 * rules) and fingerprint variables (`{{ default }}`, `{{ transaction }}`, `{{ error.type }}`, ...).
 *
 * Follows `sentry: src/sentry/grouping/fingerprinting/__init__.py` (grammar, `EventDatastore`,
 * `FingerprintMatcher`, `FingerprintRule`), `src/sentry/grouping/api.py`
 * (`apply_server_fingerprinting`), `src/sentry/grouping/utils.py` (variables) and the built-in
 * base `src/sentry/grouping/fingerprinting/configs/javascript@2024-02-02/`;
 * reference/sentry-semantics.md §3.2.
 */
import type { SentryEvent } from '../../protocol/event.js';
import {
  asArray,
  asObject,
  asString,
  isJsonObject,
  type JsonObject,
  type JsonValue,
} from '../../protocol/json.js';
import { allStacktraces, rawExceptions, type WorkEvent, type WorkFrame } from './event-data.js';
import { functionNameForFrame, platformFamily } from './functions.js';
import { globToRegExp } from './glob.js';
import { pyStrip } from './py-regex.js';

/** A fingerprint rule as stored in project config (`[key, pattern]` matchers, `!key` negates). */
export interface FingerprintRuleConfig {
  matchers: [string, string][];
  fingerprint: string[];
  attributes?: { title?: string };
  is_builtin?: boolean;
}

/** A parsed rule, with Sentry's canonical text form. */
export interface FingerprintRule extends FingerprintRuleConfig {
  attributes: { title?: string };
  text: string;
}

/** Typed parse failure of fingerprint rules (never thrown). */
export interface FingerprintParseError {
  kind: 'invalid_fingerprint_rule';
  line: number;
  detail: string;
}

/** The outcome of applying server-side rules to an event. */
export interface ServerFingerprint {
  /** The fingerprint to group by (the client's, or the matched rule's). */
  fingerprint: string[];
  /** Sentry's `_fingerprint_info`: the client fingerprint (if not default) and the matched rule. */
  info: { client_fingerprint?: string[]; matched_rule?: JsonObject };
  /** Title from the rule's `title=` attribute, variables expanded. */
  title?: string;
}

/** The `{{ default }}` variable in its canonical spelling. */
export const DEFAULT_FINGERPRINT_VARIABLE = '{{ default }}';
const VARIABLE_RE = /\{\{\s*(\S+)\s*\}\}/u;
const VARIABLE_RE_GLOBAL = /\{\{\s*(\S+)\s*\}\}/gu;

/** The variable name of an entry that is exactly one `{{ name }}`, else `undefined`. */
export function fingerprintVariable(entry: string): string | undefined {
  const m = VARIABLE_RE.exec(entry);
  return m !== null && m.index === 0 && m[0].length === entry.length ? m[1] : undefined;
}

/** True when `entry` is a spelling of `{{ default }}`. */
export function isDefaultFingerprintVar(entry: string): boolean {
  return fingerprintVariable(entry) === 'default';
}

/** `default` (only `{{ default }}`), `hybrid` (default plus more) or `custom` (no default). */
export function fingerprintType(fingerprint: readonly string[]): 'default' | 'hybrid' | 'custom' {
  if (fingerprint.length === 1 && isDefaultFingerprintVar(fingerprint[0] as string)) return 'default';
  return fingerprint.some(isDefaultFingerprintVar) ? 'hybrid' : 'custom';
}

const MATCHER_KEYS: Record<string, string> = {
  'error.type': 'type',
  'error.value': 'value',
  'stack.module': 'module',
  'stack.abs_path': 'path',
  'stack.package': 'package',
  'stack.function': 'function',
  message: 'message',
  logger: 'logger',
  level: 'level',
  type: 'type',
  value: 'value',
  module: 'module',
  path: 'path',
  package: 'package',
  function: 'function',
  family: 'family',
  app: 'app',
  sdk: 'sdk',
  release: 'release',
};

function normalizeKey(key: string): string | undefined {
  return key.startsWith('tags.') ? key : MATCHER_KEYS[key];
}

function ruleText(rule: FingerprintRuleConfig): string {
  const matchers = rule.matchers.map(([key, pattern]) => `${key}:"${pattern}"`).join(' ');
  const attributes = rule.attributes?.title === undefined ? '' : `title="${rule.attributes.title}"`;
  return `${matchers} -> "${rule.fingerprint.join('')}" ${attributes}`.trimEnd();
}

/** Normalises a rule config (keys, `{{ default }}` spelling) and adds its text. */
export function makeFingerprintRule(config: FingerprintRuleConfig): FingerprintRule | string {
  const matchers: [string, string][] = [];
  for (const [rawKey, pattern] of config.matchers) {
    const negated = rawKey.startsWith('!');
    const key = normalizeKey(rawKey.replace(/^!+/u, ''));
    if (key === undefined) return `Unknown matcher '${rawKey}'`;
    matchers.push([`${negated ? '!' : ''}${key}`, pattern]);
  }
  const rule: FingerprintRuleConfig = {
    matchers,
    fingerprint: config.fingerprint.map((f) =>
      isDefaultFingerprintVar(f) ? DEFAULT_FINGERPRINT_VARIABLE : f,
    ),
    attributes: config.attributes?.title === undefined ? {} : { title: config.attributes.title },
    ...(config.is_builtin ? { is_builtin: true } : {}),
  };
  return { ...rule, attributes: rule.attributes ?? {}, text: ruleText(rule) };
}

/** Undoes backslash escapes of a quoted value (`\"`, `\\`, `\n`, `\t`); others stay. */
function unescape(text: string): string {
  return text.replace(/\\(.)/gsu, (whole, ch: string) =>
    ch === '\\' || ch === '"' ? ch : ch === 'n' ? '\n' : ch === 't' ? '\t' : whole,
  );
}

const QUOTED = String.raw`"((?:[^"\\]|\\.)*)"`;
const MATCHER_TOKEN = new RegExp(
  String.raw`^\s*(!?)(?:([a-zA-Z0-9_.-]+)|"([a-zA-Z0-9_.:-]+)"):(?:${QUOTED}|(\S+))`,
  'su',
);
const FP_TOKEN = new RegExp(
  String.raw`^\s*(?:([a-zA-Z0-9_.-]+)=${QUOTED}|${QUOTED}|(\{\{\s*\S+\s*\}\}|[^\s{,]+))\s*,?`,
  'su',
);

function parseRuleLine(line: string): FingerprintRuleConfig | string {
  const arrow = line.indexOf('->');
  if (arrow === -1) return 'missing "->"';
  let left = line.slice(0, arrow);
  let right = line.slice(arrow + 2);
  const matchers: [string, string][] = [];
  while (left.trim() !== '') {
    const m = MATCHER_TOKEN.exec(left);
    if (m === null) return `invalid matcher near "${left.trim().slice(0, 32)}"`;
    const key = (m[2] ?? m[3] ?? '').replace(/^!+/u, '');
    const pattern = m[4] !== undefined ? unescape(m[4]) : (m[5] ?? '');
    matchers.push([`${m[1] ?? ''}${key}`, pattern]);
    left = left.slice(m[0].length);
  }
  if (matchers.length === 0) return 'a rule needs at least one matcher';
  const fingerprint: string[] = [];
  const attributes: { title?: string } = {};
  while (right.trim() !== '') {
    const m = FP_TOKEN.exec(right);
    if (m === null || m[0] === '') return `invalid fingerprint near "${right.trim().slice(0, 32)}"`;
    if (m[1] !== undefined) {
      if (m[1] !== 'title') return `Unknown attribute '${m[1]}'`;
      attributes.title = unescape(m[2] ?? '');
    } else if (m[3] !== undefined) {
      fingerprint.push(unescape(m[3]));
    } else {
      fingerprint.push(m[4] ?? '');
    }
    right = right.slice(m[0].length);
  }
  if (fingerprint.length === 0) return 'a rule needs a fingerprint';
  return { matchers, fingerprint, attributes };
}

/**
 * Parses fingerprint rules text (`matcher:"pattern" ... -> value, value title="..."`, `#`
 * comments). Returns the rules and typed errors for lines that could not be parsed; never throws.
 */
export function parseFingerprintingRules(text: string): {
  rules: FingerprintRule[];
  errors: FingerprintParseError[];
} {
  const rules: FingerprintRule[] = [];
  const errors: FingerprintParseError[] = [];
  text.split(/\r\n|\n|\r/u).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parsed = parseRuleLine(line);
    const rule = typeof parsed === 'string' ? parsed : makeFingerprintRule(parsed);
    if (typeof rule === 'string')
      errors.push({ kind: 'invalid_fingerprint_rule', line: index + 1, detail: rule });
    else rules.push(rule);
  });
  return { rules, errors };
}

/** Built-in rules of the `javascript@2024-02-02` base (chunk load and hydration errors). */
const BUILTIN_RULES_TEXT = String.raw`
family:javascript error.type:"ChunkLoadError" -> chunkloaderror
family:javascript error.value:"ChunkLoadError*" -> chunkloaderror
family:javascript tags.transaction:"*" message:"Hydration failed because the initial UI does not match what was rendered on the server." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:"*" message:"The server could not finish this Suspense boundary, likely due to an error during server rendering. Switched to client rendering." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:"*" message:"There was an error while hydrating this Suspense boundary. Switched to client rendering." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:"*" message:"There was an error while hydrating. Because the error happened outside of a Suspense boundary, the entire root will switch to client rendering." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:"*" message:"Text content does not match server-rendered HTML." -> hydrationerror, {{tags.transaction}}
`;

/** The built-in rules (`is_builtin`), applied after the project's own rules. */
export const BUILTIN_FINGERPRINT_RULES: readonly FingerprintRule[] = parseFingerprintingRules(
  BUILTIN_RULES_TEXT,
).rules.map((rule) => ({ ...rule, is_builtin: true }));

type ValueMap = Record<string, string | boolean | undefined>;

/** Event tags as `[key, value]` pairs (normalised events carry a list of pairs). */
function tagPairs(event: SentryEvent): [string, string | undefined][] {
  const list = asArray(event.tags);
  if (list !== undefined) {
    return list.flatMap((pair) => {
      const entry = asArray(pair);
      const key = asString(entry?.[0]);
      return key === undefined ? [] : [[key, asString(entry?.[1])] as [string, string | undefined]];
    });
  }
  const object = asObject(event.tags);
  return object === undefined ? [] : Object.entries(object).map(([k, v]) => [k, asString(v)]);
}

/** Sentry's `EventDatastore`: the value maps each matcher type is tested against. */
class EventDatastore {
  /** Value maps per match type, built on first use (rules ask for the same types again). */
  private readonly memo = new Map<string, ValueMap[]>();

  constructor(
    private readonly event: SentryEvent,
    private readonly work: WorkEvent,
  ) {}

  private strip(value: string | undefined): string | undefined {
    return value ? pyStrip(value) : undefined;
  }

  values(matchType: string): ValueMap[] {
    let values = this.memo.get(matchType);
    if (values === undefined) {
      values = this.build(matchType);
      this.memo.set(matchType, values);
    }
    return values;
  }

  private build(matchType: string): ValueMap[] {
    const { event, work } = this;
    switch (matchType) {
      case 'toplevel':
        return [...this.values('messages'), ...this.values('exceptions')];
      case 'messages': {
        const message = this.strip(work.logentry?.formatted);
        return message ? [{ message }] : [];
      }
      case 'log_info': {
        const info: ValueMap = {};
        if (event.logger) info['logger'] = event.logger;
        if (event.level) info['level'] = event.level;
        return Object.keys(info).length > 0 ? [info] : [];
      }
      case 'exceptions':
        return rawExceptions(event).map((e) => ({
          type: asString(e['type']),
          value: this.strip(asString(e['value'])),
        }));
      case 'frames':
        return allStacktraces(work).flatMap(({ stacktrace }) =>
          stacktrace.frames.map((frame: WorkFrame) => ({
            function: functionNameForFrame(frame, work.platform) || '<unknown>',
            abs_path: frame.abs_path || frame.filename,
            filename: frame.filename,
            module: frame.module,
            package: frame.package,
            app: frame.in_app,
          })),
        );
      case 'tags':
        return [Object.fromEntries(tagPairs(event).map(([k, v]) => [`tags.${k}`, this.strip(v)]))];
      case 'sdk':
        return [{ sdk: asString(asObject(event.sdk)?.['name']) ?? 'other' }];
      case 'family':
        return [{ family: platformFamily(work.platform) }];
      case 'release':
        return [{ release: this.strip(event.release) }];
      default:
        return [];
    }
  }
}

function matchType(key: string): string {
  if (key === 'message') return 'toplevel';
  if (key === 'logger' || key === 'level') return 'log_info';
  if (key === 'type' || key === 'value') return 'exceptions';
  if (key.startsWith('tags.')) return 'tags';
  if (key === 'sdk' || key === 'family' || key === 'release') return key;
  return 'frames';
}

function boolFromString(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (v === '1' || v === 'yes' || v === 'true') return true;
  if (v === '0' || v === 'no' || v === 'false') return false;
  return undefined;
}

/** A compiled `key:pattern` test against one value map (not negated). */
type ValueTest = (values: ValueMap) => boolean;

/** Path-like values match case-insensitively, `\` read as `/`, also with a leading `/` added. */
function pathTest(pattern: string): (value: string) => boolean {
  const re = globToRegExp(pattern, { ignoreCase: true, doubleStar: true });
  return (value) =>
    re.test(value.replaceAll('\\', '/')) ||
    (!value.startsWith('/') && re.test(`/${value}`.replaceAll('\\', '/')));
}

/** Compiles one matcher (regexes built once per rule, not per event). */
function compileValueTest(key: string, pattern: string): ValueTest {
  if (key === 'path') {
    const test = pathTest(pattern);
    return (values) => {
      const absPath = values['abs_path'];
      const filename = values['filename'];
      return (
        (typeof absPath === 'string' && test(absPath)) ||
        (filename !== absPath && typeof filename === 'string' && test(filename))
      );
    };
  }
  if (key === 'message') {
    // Users expect `message:` to match exception values too.
    const re = globToRegExp(pattern, { ignoreCase: true });
    return (values) => [values['message'], values['value']].some((v) => typeof v === 'string' && re.test(v));
  }
  if (key === 'app') {
    const expected = boolFromString(pattern);
    return (values) => values['app'] !== undefined && values['app'] === expected;
  }
  let test: (value: string) => boolean;
  if (key === 'package' || key === 'release') {
    test = pathTest(pattern);
  } else if (key === 'family' || key === 'sdk') {
    const flags = pattern.split(',');
    test = (value) => flags.includes('all') || flags.includes(value);
  } else {
    const re = globToRegExp(pattern, { ignoreCase: key === 'level' || key === 'value' });
    test = (value) => re.test(value);
  }
  return (values) => {
    const value = values[key];
    return typeof value === 'string' && test(value);
  };
}

/** A rule's matchers grouped by match type and compiled, cheap types first. */
type CompiledMatchers = Map<string, [ValueTest, boolean][]>;

/** Compiled matchers per rule object (rules are immutable once made). */
const compiledRules = new WeakMap<FingerprintRule, CompiledMatchers>();

function compiledMatchers(rule: FingerprintRule): CompiledMatchers {
  const cached = compiledRules.get(rule);
  if (cached !== undefined) return cached;
  const byType: CompiledMatchers = new Map();
  for (const [rawKey, pattern] of rule.matchers) {
    const negated = rawKey.startsWith('!');
    const key = rawKey.replace(/^!/u, '');
    const type = matchType(key);
    const list = byType.get(type) ?? [];
    list.push([compileValueTest(key, pattern), negated]);
    byType.set(type, list);
  }
  const ordered: CompiledMatchers = new Map(
    [...byType].sort(([a], [b]) => TYPE_ORDER.indexOf(a) - TYPE_ORDER.indexOf(b)),
  );
  compiledRules.set(rule, ordered);
  return ordered;
}

/** Match types by cost: every type must match and tests are pure, so cheap ones go first. */
const TYPE_ORDER = [
  'family',
  'sdk',
  'release',
  'log_info',
  'exceptions',
  'messages',
  'toplevel',
  'tags',
  'frames',
];

function ruleMatches(rule: FingerprintRule, store: EventDatastore): boolean {
  for (const [type, matchers] of compiledMatchers(rule)) {
    if (!store.values(type).some((values) => allMatch(matchers, values))) return false;
  }
  return true;
}

function allMatch(matchers: readonly [ValueTest, boolean][], values: ValueMap): boolean {
  for (const [test, negated] of matchers) if (test(values) === negated) return false;
  return true;
}

/** The frame closest to the crash: the last in-app frame of the top stack trace, else the last frame. */
export function crashFrame(work: WorkEvent, filter?: (frame: WorkFrame) => boolean): WorkFrame | undefined {
  const exceptions = work.exceptions ?? [];
  let frames = exceptions[exceptions.length - 1]?.stacktrace?.frames ?? work.stacktrace?.frames;
  if (frames === undefined && work.threads?.length === 1) frames = work.threads[0]?.stacktrace?.frames;
  let fallback: WorkFrame | undefined;
  for (const frame of [...(frames ?? [])].reverse()) {
    if (filter && !filter(frame)) continue;
    if (frame.in_app) return frame;
    fallback ??= frame;
  }
  return fallback;
}

/**
 * Resolves one fingerprint variable (`transaction`, `message`, `error.type`, `stack.function`,
 * `tags.x`, ...) to its value or `<no-...>` placeholder; `undefined` for unknown variables (which
 * `newstyle:2023-01-11` leaves as written).
 */
export function resolveFingerprintVariable(
  key: string,
  event: SentryEvent,
  work: WorkEvent,
): string | undefined {
  const exceptions = rawExceptions(event);
  const lastException = exceptions[exceptions.length - 1];
  const frame = (): WorkFrame | undefined => crashFrame(work);
  switch (key) {
    case 'transaction':
      return event.transaction || '<no-transaction>';
    case 'message':
      return (
        work.logentry?.formatted ||
        work.logentry?.message ||
        asString(lastException?.['value']) ||
        '<no-message>'
      );
    case 'type':
    case 'error.type':
      return asString(lastException?.['type']) || '<no-type>';
    case 'value':
    case 'error.value':
      return asString(lastException?.['value']) || '<no-value>';
    case 'function':
    case 'stack.function':
      return frame()?.function || '<no-function>';
    case 'path':
    case 'stack.abs_path': {
      const f = frame();
      return f?.abs_path || f?.filename || '<no-abs-path>';
    }
    case 'stack.filename': {
      const f = frame();
      return f?.filename || f?.abs_path || '<no-filename>';
    }
    case 'module':
    case 'stack.module':
      return frame()?.module || '<no-module>';
    case 'package':
    case 'stack.package': {
      const pkg = frame()?.package;
      return (pkg ? (pkg.split('/').pop() ?? '').split('\\').pop() : undefined) || '<no-package>';
    }
    case 'level':
      return event.level || '<no-level>';
    case 'logger':
      return event.logger || '<no-logger>';
    default:
      if (key.startsWith('tags.')) {
        const tag = key.slice(5);
        const found = tagPairs(event).find(([name, value]) => name === tag && value !== undefined);
        return found?.[1] ?? `<no-value-for-tag-${tag}>`;
      }
      return undefined;
  }
}

/** Resolves the variables of a fingerprint; `{{ default }}` spellings become the canonical one. */
export function resolveFingerprintValues(
  fingerprint: readonly string[],
  event: SentryEvent,
  work: WorkEvent,
): string[] {
  return fingerprint.map((entry) => {
    const key = fingerprintVariable(entry);
    if (key === undefined) return entry;
    if (key === 'default') return DEFAULT_FINGERPRINT_VARIABLE;
    return resolveFingerprintVariable(key, event, work) ?? entry;
  });
}

/** Expands `{{ var }}` inside a title template (unknown variables stay as written). */
export function expandTitleTemplate(template: string, event: SentryEvent, work: WorkEvent): string {
  return template.replace(
    VARIABLE_RE_GLOBAL,
    (whole, key: string) => resolveFingerprintVariable(key, event, work) ?? whole,
  );
}

/** Reads rule configs from JSON (e.g. an event's `_fingerprinting_rules`); skips malformed entries. */
export function fingerprintRulesFromJson(value: JsonValue | undefined): FingerprintRule[] {
  const list = asArray(value) ?? asArray(asObject(value)?.['rules']) ?? [];
  return list.filter(isJsonObject).flatMap((raw) => {
    const matchers = asArray(raw['matchers'])
      ?.map((m) => asArray(m))
      .filter(
        (m): m is JsonValue[] => m !== undefined && typeof m[0] === 'string' && typeof m[1] === 'string',
      )
      .map((m) => [m[0] as string, m[1] as string] as [string, string]);
    const fingerprint = asArray(raw['fingerprint'])?.filter((f): f is string => typeof f === 'string');
    if (!matchers || !fingerprint) return [];
    const title = asString(asObject(raw['attributes'])?.['title']);
    const rule = makeFingerprintRule({
      matchers,
      fingerprint,
      ...(title === undefined ? {} : { attributes: { title } }),
      ...(raw['is_builtin'] === true ? { is_builtin: true } : {}),
    });
    return typeof rule === 'string' ? [] : [rule];
  });
}

function ruleJson(rule: FingerprintRule): JsonObject {
  return {
    text: rule.text,
    matchers: rule.matchers,
    fingerprint: rule.fingerprint,
    attributes: rule.attributes,
    ...(rule.is_builtin ? { is_builtin: true } : {}),
  };
}

/**
 * Sentry's `apply_server_fingerprinting`: the first matching rule (project rules first, then
 * built-in ones) replaces the client fingerprint. `clientFingerprint` defaults to
 * `["{{ default }}"]`.
 */
export function applyServerFingerprinting(
  event: SentryEvent,
  work: WorkEvent,
  clientFingerprint: readonly string[],
  projectRules: readonly FingerprintRule[],
): ServerFingerprint {
  const info: ServerFingerprint['info'] = {};
  const isDefault = clientFingerprint.length === 1 && isDefaultFingerprintVar(clientFingerprint[0] as string);
  if (clientFingerprint.length > 0 && !isDefault) info.client_fingerprint = [...clientFingerprint];
  const store = new EventDatastore(event, work);
  const matched = [...projectRules, ...BUILTIN_FINGERPRINT_RULES].find((rule) => ruleMatches(rule, store));
  if (matched === undefined) return { fingerprint: [...clientFingerprint], info };
  info.matched_rule = ruleJson(matched);
  const result: ServerFingerprint = { fingerprint: [...matched.fingerprint], info };
  if (matched.attributes.title !== undefined)
    result.title = expandTitleTemplate(matched.attributes.title, event, work);
  return result;
}
