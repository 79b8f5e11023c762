/**
 * Stack trace rules ("grouping enhancements"): a small rule language that marks frames in or out
 * of app, categorises frames, and removes frames from grouping.
 *
 * Follows `sentry: src/sentry/grouping/enhancer/` (`parser.py` grammar, `matchers.py`,
 * `actions.py`, and `__init__.py`'s split into "classifier" rules, applied before grouping to set
 * `in_app` and `category`, and "contributes" rules, applied while building each stack trace
 * component to set which frames feed the hash); reference/sentry-semantics.md §3.5.
 *
 * Grammar (one rule per line, `#` starts a comment):
 *   rule    = [ "[" matcher "]" "|" ] matcher+ [ "|" "[" matcher "]" ] action+
 *   matcher = ["!"] key ":" (quoted | unquoted)
 *   action  = ["^" | "v"] ("+" | "-") ("app" | "group")  |  name "=" value
 */
import { Component } from './component.js';
import { functionNameForFrame, platformFamily, type PlatformFamily } from './functions.js';
import { globToRegExp } from './glob.js';
import type { WorkFrame } from './event-data.js';
import { ALL_PLATFORMS_2023_01_11_RULES } from './enhancement-rules.js';

/** The exception a stack trace belongs to, for `error.type` / `error.value` / `error.mechanism`. */
export interface ExceptionMatchData {
  type?: string | undefined;
  value?: string | undefined;
  mechanism?: string | undefined;
}

type MatcherKey =
  | 'path'
  | 'filename'
  | 'package'
  | 'module'
  | 'function'
  | 'category'
  | 'family'
  | 'app'
  | 'type'
  | 'value'
  | 'mechanism';

const MATCHER_KEYS: Record<string, MatcherKey> = {
  'stack.module': 'module',
  'stack.abs_path': 'path',
  'stack.filename': 'filename',
  'stack.package': 'package',
  'stack.function': 'function',
  'error.type': 'type',
  'error.value': 'value',
  'error.mechanism': 'mechanism',
  module: 'module',
  path: 'path',
  package: 'package',
  function: 'function',
  category: 'category',
  family: 'family',
  app: 'app',
};

interface Matcher {
  key: MatcherKey;
  pattern: string;
  negated: boolean;
  /** -1: the caller frame (`[ m ] |`), 0: the frame itself, 1: the callee (`| [ m ]`). */
  offset: -1 | 0 | 1;
  /** The pattern compiled once at parse time (matching runs for every rule × frame). */
  test: (frame: MatchFrame, exception: ExceptionMatchData) => boolean;
}

type Action =
  | { kind: 'flag'; key: 'app' | 'group'; value: boolean; range: 'up' | 'down' | null }
  | { kind: 'var'; name: string; value: string };

/** One parsed stack trace rule. */
export interface EnhancementRule {
  readonly text: string;
  readonly matchers: readonly Matcher[];
  readonly actions: readonly Action[];
}

/** Typed parse failure of a rules text (never thrown). */
export interface EnhancementParseError {
  kind: 'invalid_rule';
  line: number;
  detail: string;
}

/** Sentry's `get_rule_bool`. */
function ruleBool(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (v === '1' || v === 'yes' || v === 'true') return true;
  if (v === '0' || v === 'no' || v === 'false') return false;
  return undefined;
}

/** Undoes backslash escapes of a quoted value; unknown escapes stay as they are. */
function unescapeQuoted(text: string): string {
  return text.replace(/\\(.)/gsu, (whole, ch: string) => {
    switch (ch) {
      case '\\':
        return '\\';
      case '"':
        return '"';
      case "'":
        return "'";
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      default:
        return whole;
    }
  });
}

/** Splits a rule line into whitespace-separated tokens, keeping quoted values together. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      current += ch;
      if (ch === '\\' && i + 1 < line.length) {
        current += line[i + 1];
        i++;
      } else if (ch === '"') {
        quoted = false;
      }
    } else if (/\s/u.test(ch)) {
      if (current !== '') tokens.push(current);
      current = '';
    } else {
      if (ch === '#' && current === '') break;
      if (ch === '"') quoted = true;
      current += ch;
    }
  }
  if (current !== '') tokens.push(current);
  return tokens;
}

const MATCHER_RE = /^(!?)([a-zA-Z0-9_.-]+):(.*)$/su;
const FLAG_RE = /^([\^v]?)([+-])(app|group)$/u;
const VAR_RE = /^([a-zA-Z0-9_.-]+)=(.+)$/su;

function parseMatcher(token: string, offset: -1 | 0 | 1): Matcher | string {
  const m = MATCHER_RE.exec(token);
  if (m === null) return `not a matcher: ${token}`;
  const key = MATCHER_KEYS[m[2] as string];
  if (key === undefined) return `unknown matcher: ${m[2] as string}`;
  let pattern = m[3] as string;
  if (pattern.startsWith('"') && pattern.endsWith('"') && pattern.length >= 2) {
    pattern = unescapeQuoted(pattern.slice(1, -1));
  }
  return { key, pattern, negated: m[1] === '!', offset, test: compileMatcher(key, pattern) };
}

function describeMatcher(matcher: Matcher): string {
  const pattern =
    /\s/u.test(matcher.pattern) || matcher.pattern === '' ? `"${matcher.pattern}"` : matcher.pattern;
  const inner = `${matcher.negated ? '!' : ''}${matcher.key}:${pattern}`;
  if (matcher.offset === -1) return `[ ${inner} ] |`;
  if (matcher.offset === 1) return `| [ ${inner} ]`;
  return inner;
}

function describeAction(action: Action): string {
  if (action.kind === 'var') return `${action.name}=${action.value}`;
  const range = action.range === 'up' ? '^' : action.range === 'down' ? 'v' : '';
  return `${range}${action.value ? '+' : '-'}${action.key}`;
}

function parseRule(tokens: string[]): EnhancementRule | string {
  const matchers: Matcher[] = [];
  let i = 0;
  if (tokens[0] === '[') {
    if (tokens[2] !== ']' || tokens[3] !== '|') return 'malformed caller matcher';
    const caller = parseMatcher(tokens[1] ?? '', -1);
    if (typeof caller === 'string') return caller;
    matchers.push(caller);
    i = 4;
  }
  while (i < tokens.length && MATCHER_RE.test(tokens[i] as string) && !VAR_RE.test(tokens[i] as string)) {
    const matcher = parseMatcher(tokens[i] as string, 0);
    if (typeof matcher === 'string') return matcher;
    matchers.push(matcher);
    i++;
  }
  if (tokens[i] === '|') {
    if (tokens[i + 1] !== '[' || tokens[i + 3] !== ']') return 'malformed callee matcher';
    const callee = parseMatcher(tokens[i + 2] ?? '', 1);
    if (typeof callee === 'string') return callee;
    matchers.push(callee);
    i += 4;
  }
  if (!matchers.some((m) => m.offset === 0)) return 'a rule needs at least one frame matcher';
  const actions: Action[] = [];
  for (; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const flag = FLAG_RE.exec(token);
    if (flag !== null) {
      const range = flag[1] === '^' ? 'up' : flag[1] === 'v' ? 'down' : null;
      actions.push({ kind: 'flag', key: flag[3] as 'app' | 'group', value: flag[2] === '+', range });
      continue;
    }
    const variable = VAR_RE.exec(token);
    if (variable !== null) {
      actions.push({ kind: 'var', name: variable[1] as string, value: variable[2] as string });
      continue;
    }
    return `not an action: ${token}`;
  }
  if (actions.length === 0) return 'a rule needs at least one action';
  const text = [...matchers.map(describeMatcher), ...actions.map(describeAction)].join(' ');
  return { text, matchers, actions };
}

/**
 * Parses a stack trace rules text. Returns the rules, or typed errors for the lines that could
 * not be parsed (with 1-based line numbers); never throws.
 */
export function parseEnhancements(text: string): {
  rules: EnhancementRule[];
  errors: EnhancementParseError[];
} {
  const rules: EnhancementRule[] = [];
  const errors: EnhancementParseError[] = [];
  text.split(/\r\n|\n|\r/u).forEach((line, index) => {
    const tokens = tokenize(line);
    if (tokens.length === 0) return;
    const rule = parseRule(tokens);
    if (typeof rule === 'string') errors.push({ kind: 'invalid_rule', line: index + 1, detail: rule });
    else rules.push(rule);
  });
  return { rules, errors };
}

/** A parsed set of rules, split like Sentry's into classifier and contributes rules. */
export interface Enhancements {
  /** Rules with `+app`/`-app`/`category=` actions (only those actions kept). */
  readonly classifier: readonly EnhancementRule[];
  /** Rules with `+group`/`-group`/`max-frames=`/`min-frames=` actions (only those kept). */
  readonly contributes: readonly EnhancementRule[];
}

function splitRules(rules: readonly EnhancementRule[]): Enhancements {
  const pick = (keep: (a: Action) => boolean): EnhancementRule[] =>
    rules.flatMap((rule) => {
      const actions = rule.actions.filter(keep);
      return actions.length === 0 ? [] : [{ ...rule, actions }];
    });
  return {
    classifier: pick((a) => (a.kind === 'flag' ? a.key === 'app' : a.name === 'category')),
    contributes: pick((a) => (a.kind === 'flag' ? a.key === 'group' : a.name !== 'category')),
  };
}

const BASE_RULES = parseEnhancements(ALL_PLATFORMS_2023_01_11_RULES).rules;
const BASE_ENHANCEMENTS = splitRules(BASE_RULES);

/**
 * The `all-platforms:2023-01-11` base rules followed by the project's own `rules` (custom rules
 * come last, so they win). Lines of `rules` that do not parse are skipped.
 */
export function loadEnhancements(rules: readonly EnhancementRule[] = []): Enhancements {
  return rules.length === 0 ? BASE_ENHANCEMENTS : splitRules([...BASE_RULES, ...rules]);
}

/** Frame fields the matchers read, normalised once per pass. */
interface MatchFrame {
  family: PlatformFamily;
  function: string;
  module: string | undefined;
  package: string | undefined;
  path: string | undefined;
  filename: string | undefined;
  in_app: boolean | undefined;
  category: string | undefined;
}

function pathLike(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.toLowerCase().replaceAll('\\', '/');
}

function toMatchFrame(frame: WorkFrame, platform: string | undefined): MatchFrame {
  return {
    family: platformFamily(frame.platform ?? platform),
    function: functionNameForFrame(frame, platform) || '<unknown>',
    module: frame.module,
    package: pathLike(frame.package),
    path: pathLike(frame.abs_path || frame.filename),
    filename: pathLike(frame.filename),
    in_app: frame.in_app,
    category: frame.category,
  };
}

/** Path-like values match case-insensitively, also with a leading `/` added. */
function pathTest(pattern: string): (value: string | undefined) => boolean {
  const re = globToRegExp(pattern.toLowerCase(), { doubleStar: true });
  return (value) =>
    value !== undefined && (re.test(value) || (!value.startsWith('/') && re.test(`/${value}`)));
}

function fieldTest(pattern: string): (value: string | undefined) => boolean {
  const re = globToRegExp(pattern);
  return (value) => value !== undefined && (value === pattern || re.test(value));
}

function compileMatcher(key: MatcherKey, pattern: string): Matcher['test'] {
  switch (key) {
    case 'path': {
      const test = pathTest(pattern);
      return (frame) => test(frame.path);
    }
    case 'filename': {
      const test = pathTest(pattern);
      return (frame) => test(frame.filename);
    }
    case 'package': {
      const test = pathTest(pattern);
      return (frame) => test(frame.package);
    }
    case 'family': {
      const flags = new Set(pattern.split(','));
      return (frame) => flags.has('all') || flags.has(frame.family);
    }
    case 'app': {
      const ref = ruleBool(pattern);
      return (frame) => ref !== undefined && ref === Boolean(frame.in_app);
    }
    case 'function': {
      const test = fieldTest(pattern);
      return (frame) => test(frame.function);
    }
    case 'module': {
      const test = fieldTest(pattern);
      return (frame) => test(frame.module);
    }
    case 'category': {
      const test = fieldTest(pattern);
      return (frame) => test(frame.category);
    }
    case 'type':
    case 'value':
    case 'mechanism': {
      const re = globToRegExp(pattern);
      return (_frame, exception) => re.test(exception[key] || '<unknown>');
    }
  }
}

function ruleMatches(
  rule: EnhancementRule,
  frames: MatchFrame[],
  idx: number,
  exception: ExceptionMatchData,
): boolean {
  return rule.matchers.every((matcher) => {
    const target = frames[idx + matcher.offset];
    if (target === undefined) return false;
    const hit = matcher.test(target, exception);
    return matcher.negated ? !hit : hit;
  });
}

function targetIndexes(range: 'up' | 'down' | null, idx: number, length: number): number[] {
  if (range === null) return [idx];
  if (range === 'up') return Array.from({ length: length - idx - 1 }, (_, k) => idx + 1 + k);
  return Array.from({ length: idx }, (_, k) => k);
}

function matchingIndexes(
  rule: EnhancementRule,
  frames: MatchFrame[],
  exception: ExceptionMatchData,
): number[] {
  const hits: number[] = [];
  for (let idx = 0; idx < frames.length; idx++) if (ruleMatches(rule, frames, idx, exception)) hits.push(idx);
  return hits;
}

/**
 * Applies the classifier rules to one stack trace: sets `in_app` (remembering the rule in
 * `in_app_rule`) and `category` on `frames` in place. Sentry's
 * `apply_category_and_updated_in_app_to_frames`.
 */
export function applyClassifierRules(
  enhancements: Enhancements,
  frames: WorkFrame[],
  platform: string | undefined,
  exception: ExceptionMatchData,
): void {
  const matchFrames = frames.map((frame) => toMatchFrame(frame, platform));
  for (const rule of enhancements.classifier) {
    // All frames are matched against the state before this rule's own changes.
    for (const idx of matchingIndexes(rule, matchFrames, exception)) {
      for (const action of rule.actions) {
        if (action.kind === 'var') {
          (matchFrames[idx] as MatchFrame).category = action.value;
          (frames[idx] as WorkFrame).category = action.value;
          continue;
        }
        for (const target of targetIndexes(action.range, idx, frames.length)) {
          (matchFrames[target] as MatchFrame).in_app = action.value;
          const frame = frames[target] as WorkFrame;
          frame.in_app = action.value;
          frame.in_app_rule = rule.text;
        }
      }
    }
  }
}

/** The contributes-pass outcome for one frame. */
interface ContributesResult {
  contributes: boolean;
  ruleHint: string | null;
}

function frameHint(
  variant: string,
  frame: WorkFrame,
  component: Component,
  result: ContributesResult,
): string | null {
  const contributesHint = result.ruleHint ?? (component.hint?.includes('ignored') ? component.hint : null);
  if (variant !== 'app') return contributesHint;
  const inApp = frame.in_app === true;
  const where = inApp ? 'in-app' : 'out of app';
  let inAppHint: string | null = null;
  if (frame.in_app_rule !== undefined && frame.client_in_app !== frame.in_app) {
    inAppHint = `marked ${where} by stack trace rule (${frame.in_app_rule})`;
  } else if (frame.client_in_app !== undefined && frame.client_in_app === frame.in_app) {
    inAppHint = `marked ${where} by the client`;
  } else if (!inApp) {
    inAppHint = 'non app frame';
  }
  // System frames never count for the app variant, so why else they are ignored is moot.
  if (!inApp) return inAppHint;
  if (inAppHint && contributesHint)
    return `${inAppHint} ${component.contributes ? 'and' : 'but'} ${contributesHint}`;
  return inAppHint ?? contributesHint;
}

/**
 * Builds the stack trace component of one variant (`app` or `system`) from its frame components,
 * applying the contributes rules (`+group`/`-group`, `max-frames`, `min-frames`) and forcing
 * non-in-app frames out of the app variant. Sentry's `assemble_stacktrace_component`.
 */
export function assembleStacktraceComponent(
  enhancements: Enhancements,
  variant: string,
  frameComponents: Component[],
  frames: WorkFrame[],
  platform: string | undefined,
  exception: ExceptionMatchData,
): Component {
  const matchFrames = frames.map((frame) => toMatchFrame(frame, platform));
  const results: ContributesResult[] = frameComponents.map((c) => ({
    contributes: c.contributes,
    ruleHint: null,
  }));
  let maxFrames: number | undefined;
  let minFrames: number | undefined;
  for (const rule of enhancements.contributes) {
    for (const idx of matchingIndexes(rule, matchFrames, exception)) {
      for (const action of rule.actions) {
        if (action.kind === 'var') {
          const n = Number.parseInt(action.value, 10);
          if (action.name === 'max-frames' && Number.isFinite(n)) maxFrames = n;
          if (action.name === 'min-frames' && Number.isFinite(n)) minFrames = n;
          continue;
        }
        for (const target of targetIndexes(action.range, idx, frames.length)) {
          const result = results[target] as ContributesResult;
          result.contributes = action.value;
          result.ruleHint = `${action.value ? 'un-ignored' : 'ignored'} by stack trace rule (${rule.text})`;
        }
      }
    }
  }
  if (maxFrames !== undefined) {
    let kept = 0;
    for (let i = results.length - 1; i >= 0; i--) {
      const result = results[i] as ContributesResult;
      if (!result.contributes) continue;
      if (kept < maxFrames) kept++;
      else {
        result.contributes = false;
        result.ruleHint = `ignored because only ${maxFrames} frame${maxFrames === 1 ? ' is' : 's are'} considered`;
      }
    }
  }
  frameComponents.forEach((component, i) => {
    const frame = frames[i] as WorkFrame;
    const result = results[i] as ContributesResult;
    const contributes = variant === 'app' && frame.in_app !== true ? false : result.contributes;
    component.update({ contributes });
    const hint = frameHint(variant, frame, component, result);
    if (hint !== null) component.hint = hint;
  });
  const contributing = frameComponents.filter((c) => c.contributes).length;
  const stacktrace = new Component('stacktrace', { values: frameComponents, contributes: contributing > 0 });
  if (minFrames !== undefined && contributing > 0 && contributing < minFrames) {
    stacktrace.update({
      contributes: false,
      hint: `discarded because stack trace only contains ${contributing} frame${contributing === 1 ? '' : 's'} which is under the configured threshold`,
    });
  }
  return stacktrace;
}
