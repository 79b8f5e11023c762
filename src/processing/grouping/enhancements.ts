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
import { BoundedCache } from './bounded-cache.js';
import { Component } from './component.js';
import { globToRegExp } from './glob.js';
import type { WorkFrame } from './event-data.js';
import { ALL_PLATFORMS_2023_01_11_RULES } from './enhancement-rules.js';
import { frameMemo } from './frame-memo.js';
import { RuleSetIndex, matchFrame, RuleIndex, type MatchFrame } from './rule-index.js';

/** The exception a stack trace belongs to, for `error.type` / `error.value` / `error.mechanism`. */
export interface ExceptionMatchData {
  type?: string | undefined;
  value?: string | undefined;
  mechanism?: string | undefined;
}

/** What a matcher tests: a frame field, the frame's family / in-app flag, or the exception. */
export type MatcherKey =
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

/** One `key:pattern` matcher of a rule, compiled. */
export interface Matcher {
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

/** A parsed set of rules, split like Sentry's into classifier and contributes rules. */
export interface Enhancements {
  /** Rules with `+app`/`-app`/`category=` actions (only those actions kept). */
  readonly classifier: readonly EnhancementRule[];
  /** Rules with `+group`/`-group`/`max-frames=`/`min-frames=` actions (only those kept). */
  readonly contributes: readonly EnhancementRule[];
  /** Both lists compiled for matching, with per-frame candidate rules remembered. */
  readonly index: RuleSetIndex;
}

function splitRules(rules: readonly EnhancementRule[]): Enhancements {
  const pick = (keep: (a: Action) => boolean): EnhancementRule[] =>
    rules.flatMap((rule) => {
      const actions = rule.actions.filter(keep);
      return actions.length === 0 ? [] : [{ ...rule, actions }];
    });
  const classifier = pick((a) => (a.kind === 'flag' ? a.key === 'app' : a.name === 'category'));
  const contributes = pick((a) => (a.kind === 'flag' ? a.key === 'group' : a.name !== 'category'));
  return {
    classifier,
    contributes,
    index: new RuleSetIndex(new RuleIndex(classifier), new RuleIndex(contributes)),
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

/** Compiled rule sets by project rules text (projects reuse theirs for every event). */
const BY_TEXT = new BoundedCache<string, Enhancements>(64);

/**
 * {@link loadEnhancements} for a project's stack trace rules text (`undefined`: none), compiled
 * once per distinct text (up to 64 texts remembered). Lines that do not parse are skipped.
 */
export function enhancementsForText(text: string | undefined): Enhancements {
  if (text === undefined) return BASE_ENHANCEMENTS;
  return BY_TEXT.get(text) ?? BY_TEXT.set(text, loadEnhancements(parseEnhancements(text).rules));
}

/** Sets `in_app` from a flag action on the frames it reaches (the hit, or all callers / callees). */
function applyInApp(
  action: Extract<Action, { kind: 'flag' }>,
  rule: EnhancementRule,
  idx: number,
  frames: WorkFrame[],
  matchFrames: MatchFrame[],
): void {
  const [from, to] = actionRange(action.range, idx, frames.length);
  for (let target = from; target < to; target++) {
    (matchFrames[target] as MatchFrame).in_app = action.value;
    const frame = frames[target] as WorkFrame;
    frame.in_app = action.value;
    frame.in_app_rule = rule.text;
  }
}

/** The frame indices `[from, to)` a flag action reaches: the hit, its callees (`^`) or callers (`v`). */
function actionRange(range: 'up' | 'down' | null, idx: number, length: number): [number, number] {
  if (range === null) return [idx, idx + 1];
  return range === 'up' ? [idx + 1, length] : [0, idx];
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
  const memos = frames.map((frame) => frameMemo(frame, platform));
  const matchFrames = memos.map((memo, i) => matchFrame(memo.statics, frames[i] as WorkFrame));
  const candidates = memos.map((memo) => enhancements.index.lookup(memo).classifier);
  // All frames are matched against the state before a rule's own changes.
  enhancements.index.classifier.forEachMatch(candidates, matchFrames, exception, (r, hits) => {
    const rule = enhancements.classifier[r] as EnhancementRule;
    for (const idx of hits) {
      for (const action of rule.actions) {
        if (action.kind === 'var') {
          (matchFrames[idx] as MatchFrame).category = action.value;
          (frames[idx] as WorkFrame).category = action.value;
        } else {
          applyInApp(action, rule, idx, frames, matchFrames);
        }
      }
    }
  });
}

/** The last `+group` / `-group` rule that reached a frame. */
interface GroupVerdict {
  contributes: boolean;
  /** The rule's text, for the hint. */
  rule: string;
}

/**
 * What the contributes rules decide for one stack trace: per frame the last `+group`/`-group`
 * verdict (`undefined`: no rule reached the frame) and the last `max-frames` / `min-frames`.
 * The same for the `app` and `system` variants, so it is computed once per stack trace.
 */
export interface ContributesOutcome {
  readonly verdicts: readonly (GroupVerdict | undefined)[];
  readonly maxFrames: number | undefined;
  readonly minFrames: number | undefined;
}

/**
 * Runs the contributes rules (`+group`/`-group`, `max-frames`, `min-frames`) over one normalised
 * stack trace. Sentry's `assemble_stacktrace_component` matching loop.
 */
export function applyContributesRules(
  enhancements: Enhancements,
  frames: readonly WorkFrame[],
  platform: string | undefined,
  exception: ExceptionMatchData,
): ContributesOutcome {
  const memos = frames.map((frame) => frameMemo(frame, platform));
  const matchFrames = memos.map((memo, i) => matchFrame(memo.statics, frames[i] as WorkFrame));
  const candidates = memos.map((memo) => enhancements.index.lookup(memo).contributes);
  const verdicts: (GroupVerdict | undefined)[] = new Array<GroupVerdict | undefined>(frames.length);
  let maxFrames: number | undefined;
  let minFrames: number | undefined;
  enhancements.index.contributes.forEachMatch(candidates, matchFrames, exception, (r, hits) => {
    const rule = enhancements.contributes[r] as EnhancementRule;
    for (const idx of hits) {
      for (const action of rule.actions) {
        if (action.kind === 'var') {
          const n = Number.parseInt(action.value, 10);
          if (action.name === 'max-frames' && Number.isFinite(n)) maxFrames = n;
          if (action.name === 'min-frames' && Number.isFinite(n)) minFrames = n;
          continue;
        }
        const verdict: GroupVerdict = { contributes: action.value, rule: rule.text };
        const [from, to] = actionRange(action.range, idx, frames.length);
        for (let target = from; target < to; target++) verdicts[target] = verdict;
      }
    }
  });
  return { verdicts, maxFrames, minFrames };
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
 * Builds the stack trace component of one variant (`app` or `system`) from its frame components
 * and the stack trace's contributes-rules outcome (see {@link applyContributesRules}), forcing
 * non-in-app frames out of the app variant. Sentry's `assemble_stacktrace_component`.
 */
export function assembleStacktraceComponent(
  variant: string,
  frameComponents: Component[],
  frames: readonly WorkFrame[],
  outcome: ContributesOutcome,
): Component {
  const results: ContributesResult[] = frameComponents.map((c, i) => {
    const verdict = outcome.verdicts[i];
    return verdict === undefined
      ? { contributes: c.contributes, ruleHint: null }
      : {
          contributes: verdict.contributes,
          ruleHint: `${verdict.contributes ? 'un-ignored' : 'ignored'} by stack trace rule (${verdict.rule})`,
        };
  });
  const { maxFrames, minFrames } = outcome;
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
