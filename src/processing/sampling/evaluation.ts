/**
 * Rule evaluation, following Relay's `SamplingEvaluator` (`relay-sampling/src/evaluation.rs`):
 * rules are tried in order; a rule applies when `now` lies in its time range and its condition
 * matches. A `factor` rule multiplies the running factor and evaluation goes on; a `sampleRate`
 * rule ends it with `rate × factor` (clamped to [0, 1]); a `reservoir` rule ends it with rate 1
 * while its reservoir has room, replacing the rules matched before it. The match lists the ids
 * of every rule that contributed, and its decision keeps the item when `random < rate`
 * (rate 0 drops and rate 1 keeps without drawing).
 *
 * One evaluator runs over several rule lists (transaction rules, then project rules, then trace
 * rules): factors matched in one list carry into the next, as Relay's `ControlFlow::Continue`.
 */
import { matchesCondition, type Getter } from '../filters/condition.js';
import { decayedValue, timeRangeContains, type SamplingRule } from './config.js';

/** The outcome of matching rules (Relay's `SamplingMatch`). */
export interface SamplingMatch {
  /** The final sample rate in [0, 1]. */
  sampleRate: number;
  /** Ids of the rules that made up the rate, in evaluation order. */
  matchedRuleIds: readonly number[];
  /** Whether the item is kept. */
  keep: boolean;
}

/**
 * Counts the matches of reservoir rules (Relay's `ReservoirEvaluator`, local counters only):
 * a reservoir rule applies to its first `limit` matches, then never again while the counters
 * live. Keep one per organization (rule ids are unique per organization).
 */
export class ReservoirCounters {
  private readonly counts = new Map<number, number>();

  /** Counts one match of `ruleId`; `true` while fewer than `limit` were counted before. */
  evaluate(ruleId: number, limit: number): boolean {
    const count = this.counts.get(ruleId) ?? 0;
    if (count >= limit) return false;
    this.counts.set(ruleId, count + 1);
    return true;
  }
}

/** Evaluates rule lists in turn, carrying the factor and matched rule ids between them. */
export class SamplingEvaluator {
  private ruleIds: number[] = [];
  private factor = 1;

  /**
   * @param now Unix milliseconds the time ranges and decaying functions are evaluated at
   * @param reservoir counters of reservoir rules; without them reservoir rules never apply
   */
  constructor(
    private readonly now: number,
    private readonly reservoir?: ReservoirCounters,
  ) {}

  /**
   * Tries `rules` against `getter` (Relay's `match_rules`). Returns the match when a rule set the
   * final rate, else `undefined` (evaluation may go on with another list). `random` is called at
   * most once, only when the rate is strictly between 0 and 1.
   */
  matchRules(random: () => number, getter: Getter, rules: Iterable<SamplingRule>): SamplingMatch | undefined {
    for (const rule of rules) {
      if (!timeRangeContains(rule.timeRange, this.now) || !matchesCondition(rule.condition, getter)) continue;
      const rate = this.sampleRate(rule);
      if (rate !== undefined) {
        const keep = rate === 0 ? false : rate === 1 ? true : random() < rate;
        return { sampleRate: rate, matchedRuleIds: [...this.ruleIds], keep };
      }
    }
    return undefined;
  }

  /** Relay's `try_compute_sample_rate`: the final rate, or `undefined` to go on. */
  private sampleRate(rule: SamplingRule): number | undefined {
    const value = rule.samplingValue;
    switch (value.type) {
      case 'factor': {
        const factor = decayedValue(rule, value.value, this.now);
        if (factor === undefined) return undefined;
        this.factor *= factor;
        this.ruleIds.push(rule.id);
        return undefined;
      }
      case 'sampleRate': {
        const rate = decayedValue(rule, value.value, this.now);
        if (rate === undefined) return undefined;
        this.ruleIds.push(rule.id);
        return Math.min(1, Math.max(0, rate * this.factor));
      }
      case 'reservoir': {
        if (!this.reservoir?.evaluate(rule.id, value.limit)) return undefined;
        this.ruleIds = [rule.id];
        return 1;
      }
    }
  }
}

/** Relay's `MatchedRuleIds` display: the ids joined by `,` (`"123,456"`). */
export function formatMatchedRuleIds(ids: readonly number[]): string {
  return ids.join(',');
}

/**
 * Parses `"123,456"` back into rule ids (Relay's `MatchedRuleIds::parse`); `undefined` when any
 * part is not an unsigned integer (including `""`).
 */
export function parseMatchedRuleIds(text: string): number[] | undefined {
  const ids: number[] = [];
  for (const part of text.split(',')) {
    if (!/^\+?\d+$/.test(part)) return undefined;
    const id = Number(part);
    if (id > 0xffff_ffff) return undefined;
    ids.push(id);
  }
  return ids;
}

/**
 * The reason of the `filtered` outcome of an item dynamic sampling dropped (Relay's
 * `Outcome::FilteredSampling` reason): `Sampled:<ids>`, e.g. `Sampled:2,5`.
 */
export function samplingOutcomeReason(ids: readonly number[]): string {
  return `Sampled:${formatMatchedRuleIds(ids)}`;
}
