/**
 * A list of rules prepared for the scrubber's walk: which rule removes a value by its key
 * (memoized per key) and one screening regex that tells, in a single test, that no rule can
 * change a string. Both agree with running every rule (`redact.ts` `applyRule`) and only skip
 * work; the tests check that.
 *
 * Follows `relay-pii/src/processor.rs` (rules apply to keys and values in order).
 */
import type { Rule } from './rules.js';

/** Key verdicts kept per rule set before the memo is reset (keys come from user data). */
const KEY_CACHE_LIMIT = 4096;

/** Flags a screen part may carry; others (`m`, `s`, `u`, `v`) change what the source means. */
const COMBINABLE_FLAGS = /^[dgi]*$/;

/**
 * Builds the screen: one case-insensitive alternation of every necessary condition a rule can
 * act on a string with (pattern hints and `keyValue` regexes, which also test values). Relaxing
 * a part's case only widens what it matches, so a text the screen does not match matches none
 * of the parts. Returns `undefined` when some rule acts on strings without a usable condition.
 */
function buildScreen(rules: readonly Rule[]): RegExp | undefined {
  const parts: string[] = [];
  for (const rule of rules) {
    if (rule.anything) return undefined;
    for (const matcher of rule.matchers) {
      let part: RegExp | undefined;
      if (matcher.kind === 'value') part = matcher.pattern.hint;
      else if (matcher.kind === 'keyValue') part = matcher.regex;
      else continue;
      if (part === undefined || !COMBINABLE_FLAGS.test(part.flags)) return undefined;
      parts.push(`(?:${part.source})`);
    }
  }
  // Never matching: the rules only match keys, which the key verdicts cover.
  if (parts.length === 0) return /(?!)/;
  return new RegExp(parts.join('|'), 'i');
}

/** What a rule set decides from a key alone. */
export interface KeyVerdict {
  /** Some `key` / `keyValue` matcher matches the key, so string values must run the rules. */
  readonly hit: boolean;
  /**
   * The id of the rule that removes a number or container under the key: the first rule that
   * is an `anything` rule or has a `key` / `keyValue` matcher matching the key.
   */
  readonly removal: string | undefined;
}

/**
 * Rules in application order plus the shortcuts above. Key regexes (`key` / `keyValue`
 * matchers) must not be global or sticky, as the verdicts are memoized per key.
 */
export class RuleSet {
  private readonly screen: RegExp | undefined;
  /** The verdict for array elements (no key): only `anything` rules act. */
  private readonly unkeyed: KeyVerdict;
  private readonly verdicts = new Map<string, KeyVerdict>();

  constructor(
    /** The rules, in application order. */
    readonly rules: readonly Rule[],
  ) {
    this.screen = buildScreen(rules);
    this.unkeyed = { hit: false, removal: rules.find((rule) => rule.anything)?.id };
  }

  /** The verdict for values under `key` (undefined for array elements), memoized per key. */
  verdict(key: string | undefined): KeyVerdict {
    if (key === undefined) return this.unkeyed;
    let verdict = this.verdicts.get(key);
    if (!verdict) {
      verdict = this.judge(key);
      if (this.verdicts.size >= KEY_CACHE_LIMIT) this.verdicts.clear();
      this.verdicts.set(key, verdict);
    }
    return verdict;
  }

  private judge(key: string): KeyVerdict {
    let hit = false;
    let removal: string | undefined;
    for (const rule of this.rules) {
      if (rule.anything) removal ??= rule.id;
      for (const matcher of rule.matchers) {
        if (matcher.kind !== 'value' && matcher.regex.test(key)) {
          hit = true;
          removal ??= rule.id;
        }
      }
    }
    return { hit, removal };
  }

  /**
   * True when no rule can change the string `value` whose key got `verdict`, assuming `value`
   * carries no earlier redactions (remarks): no rule is an `anything` rule, no key regex matched,
   * `value` has no NUL (value regexes see the text with NULs removed, which the screen does not
   * model) and the screen does not match `value`. False means "run the rules", not "something
   * changes".
   */
  keepsString(verdict: KeyVerdict, value: string): boolean {
    if (this.screen === undefined || verdict.hit) return false;
    // Tested apart: a NUL alternative inside the screen halves V8's regex speed.
    return !value.includes('\0') && !this.screen.test(value);
  }
}
