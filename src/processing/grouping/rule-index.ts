/**
 * Fast matching of stack trace rules. A rule set is compiled once: each rule's matchers are
 * split into those that only read frame fields the rules never change (platform family,
 * function, module, package, path, filename) and the rest (`app:`, `category:`, caller / callee
 * matchers, `error.*`). The first kind is decided once per distinct frame and remembered on its
 * {@link FrameMemo}, as the list of rules that can still match the frame ("candidates"); a pass over
 * a stack trace then only evaluates the remaining matchers of those candidates, in rule order.
 * The outcome is exactly that of testing every rule against every frame (Sentry's
 * `sentry: src/sentry/grouping/enhancer/__init__.py` loops), which the family buckets and
 * candidate lists only prune.
 */
import type { EnhancementRule, ExceptionMatchData, Matcher } from './enhancements.js';
import type { WorkFrame } from './event-data.js';
import type { FrameMemo, FrameStatics } from './frame-memo.js';
import type { PlatformFamily } from './functions.js';

/** What a matcher sees of a frame: its statics plus the fields rules change while they run. */
export interface MatchFrame extends FrameStatics {
  in_app: boolean | undefined;
  category: string | undefined;
}

/** The rules of one list that can match a frame, as indices in rule order. */
export interface Candidates {
  /** Every rule whose frame-static matchers accept the frame. */
  readonly all: readonly number[];
  /** The subset that can match while the frame has no category. */
  readonly uncategorized: readonly number[];
}

/** A frame's candidate rules in both rule lists of a rule set. */
export interface FrameRuleInfo {
  readonly classifier: Candidates;
  readonly contributes: Candidates;
}

const FAMILIES: readonly PlatformFamily[] = ['native', 'javascript', 'other'];
/** Matcher keys that only read {@link FrameStatics} fields of the frame itself. */
const STATIC_KEYS: ReadonlySet<string> = new Set(['path', 'filename', 'package', 'module', 'function']);
const NO_EXCEPTION: ExceptionMatchData = {};
const EXCEPTION_KEYS: ReadonlySet<string> = new Set(['type', 'value', 'mechanism']);

function accepts(matcher: Matcher, frame: MatchFrame, exception: ExceptionMatchData): boolean {
  return matcher.test(frame, exception) !== matcher.negated;
}

/** A frame of the given statics before any rule ran (for deciding static matchers). */
export function matchFrame(statics: FrameStatics, frame: Pick<WorkFrame, 'in_app' | 'category'>): MatchFrame {
  return {
    family: statics.family,
    function: statics.function,
    module: statics.module,
    package: statics.package,
    path: statics.path,
    filename: statics.filename,
    in_app: frame.in_app,
    category: frame.category,
  };
}

/** One ordered rule list (classifier or contributes rules), compiled for candidate lookups. */
export class RuleIndex {
  /** Per rule: matchers decided per frame once (family matchers excluded: see `byFamily`). */
  private readonly statics: (readonly Matcher[])[] = [];
  /** Per rule: matchers decided on every pass (neighbours, `app:`, `category:`, `error.*`). */
  private readonly dynamics: (readonly Matcher[])[] = [];
  /** Per rule: whether it needs a category on the frame itself (a plain `category:` matcher). */
  private readonly needsCategory: boolean[] = [];
  /** Rules whose own-frame `family:` matchers accept the family, in rule order. */
  private readonly byFamily = new Map<PlatformFamily, number[]>();

  /** Whether some rule has an `error.type` / `error.value` / `error.mechanism` matcher. */
  readonly readsException: boolean;

  constructor(readonly rules: readonly EnhancementRule[]) {
    this.readsException = rules.some((rule) => rule.matchers.some((m) => EXCEPTION_KEYS.has(m.key)));
    for (const family of FAMILIES) this.byFamily.set(family, []);
    rules.forEach((rule, i) => {
      const statics: Matcher[] = [];
      const dynamics: Matcher[] = [];
      const familyMatchers: Matcher[] = [];
      for (const matcher of rule.matchers) {
        if (matcher.offset !== 0) dynamics.push(matcher);
        else if (matcher.key === 'family') familyMatchers.push(matcher);
        else if (STATIC_KEYS.has(matcher.key)) statics.push(matcher);
        else dynamics.push(matcher);
      }
      this.statics.push(statics);
      this.dynamics.push(dynamics);
      this.needsCategory.push(dynamics.some((m) => m.offset === 0 && m.key === 'category' && !m.negated));
      for (const family of FAMILIES) {
        const probe = matchFrame(
          {
            family,
            function: '',
            module: undefined,
            package: undefined,
            path: undefined,
            filename: undefined,
          },
          {},
        );
        if (familyMatchers.every((m) => accepts(m, probe, NO_EXCEPTION))) this.byFamily.get(family)?.push(i);
      }
    });
  }

  /**
   * The rules whose frame-static matchers all accept `statics`, as indices in rule order: all of
   * them, and those not needing a category (a `category:` matcher never matches a frame without
   * one, and most stack traces have no categorised frames).
   */
  candidates(statics: FrameStatics): Candidates {
    const frame = matchFrame(statics, {});
    const all: number[] = [];
    const uncategorized: number[] = [];
    for (const i of this.byFamily.get(statics.family) ?? []) {
      if (!(this.statics[i] as readonly Matcher[]).every((m) => accepts(m, frame, NO_EXCEPTION))) continue;
      all.push(i);
      if (!this.needsCategory[i]) uncategorized.push(i);
    }
    return { all, uncategorized };
  }

  /**
   * Calls `onMatch(rule, hits)` for each rule, in rule order, that matches at least one of
   * `frames`; `hits` are the matching frame indices (ascending), all decided before `onMatch`
   * runs, so a rule never sees its own changes (`onMatch` may change `in_app` / `category` of
   * `frames`). `candidates[i]` must be frame `i`'s candidates from {@link candidates}.
   */
  forEachMatch(
    candidates: readonly Candidates[],
    frames: readonly MatchFrame[],
    exception: ExceptionMatchData,
    onMatch: (rule: number, hits: number[]) => void,
  ): void {
    const n = frames.length;
    const cursor = new Array<number>(n).fill(0);
    let categorized = frames.some((f) => f.category !== undefined);
    let lists = candidates.map((c) => (categorized ? c.all : c.uncategorized));
    for (;;) {
      // The next rule is the smallest candidate not yet handled on any frame (a k-way merge).
      let next = Infinity;
      for (let i = 0; i < n; i++) {
        const rule = (lists[i] as readonly number[])[cursor[i] as number];
        if (rule !== undefined && rule < next) next = rule;
      }
      if (next === Infinity) return;
      const dynamics = this.dynamics[next] as readonly Matcher[];
      let hits: number[] | undefined;
      for (let i = 0; i < n; i++) {
        if ((lists[i] as readonly number[])[cursor[i] as number] !== next) continue;
        cursor[i] = (cursor[i] as number) + 1;
        if (matchesAt(dynamics, frames, i, exception)) (hits ??= []).push(i);
      }
      if (hits === undefined) continue;
      onMatch(next, hits);
      if (!categorized && frames.some((f) => f.category !== undefined)) {
        // From here on, rules needing a category can match: resume on the full lists after `next`.
        categorized = true;
        lists = candidates.map((c) => c.all);
        lists.forEach((list, i) => {
          let k = 0;
          while (k < list.length && (list[k] as number) <= next) k++;
          cursor[i] = k;
        });
      }
    }
  }
}

function matchesAt(
  matchers: readonly Matcher[],
  frames: readonly MatchFrame[],
  idx: number,
  exception: ExceptionMatchData,
): boolean {
  for (const matcher of matchers) {
    const target = frames[idx + matcher.offset];
    if (target === undefined || !accepts(matcher, target, exception)) return false;
  }
  return true;
}

let nextRuleSetId = 0;

/**
 * Candidate lookups for one rule set (its classifier and contributes lists), remembered on the
 * frame's {@link FrameMemo} (so bounded with it). The memo holds only frame content: `in_app`
 * and `category` are read afresh on every pass.
 */
export class RuleSetIndex {
  /** A process-unique number of this rule set (for memo keys). */
  readonly id = nextRuleSetId++;
  /** Whether matching depends on the stack trace's exception (`error.*` matchers). */
  readonly readsException: boolean;

  constructor(
    readonly classifier: RuleIndex,
    readonly contributes: RuleIndex,
  ) {
    this.readsException = classifier.readsException || contributes.readsException;
  }

  /** The candidates of a frame of the given memo. */
  lookup(memo: FrameMemo): FrameRuleInfo {
    let info = memo.rules.get(this);
    if (info === undefined) {
      info = {
        classifier: this.classifier.candidates(memo.statics),
        contributes: this.contributes.candidates(memo.statics),
      };
      memo.rules.set(this, info);
    }
    return info;
  }
}
