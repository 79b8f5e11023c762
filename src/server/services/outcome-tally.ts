/**
 * Outcomes held back until a batch's rows are stored: item handlers count `accepted` only once
 * the sink took the rows (so a failed flush never reports data as accepted), and a batch mixes
 * envelopes of many organizations, projects and DSN keys. The tally sums quantities per
 * (scoping, outcome, reason, category, timestamp), so each project's and key's outcomes are
 * recorded with their own scoping (Relay's `TrackOutcome` is per `Scoping`,
 * reference/relay-protocol.md §7.1) while a batch of thousands of items still records a handful.
 */
import type { Outcome } from '../../protocol/outcome.js';

/** Where outcomes go (the outcome counter, or a test's collector). */
export interface OutcomeRecorder {
  record(outcome: Outcome): void;
}

/** The sum key: every field of an outcome but its quantity; the free-text reason comes last. */
function keyOf({ scoping: s, outcome, category, timestamp, reason }: Outcome): string {
  return `${s.organizationId}/${s.projectId}/${s.keyId}|${outcome}|${category}|${timestamp ?? ''}|${reason ?? '\0'}`;
}

/**
 * Summed outcomes waiting to be recorded; see the module comment. It is itself an
 * {@link OutcomeRecorder}, so code that emits outcomes can write to it or to the counter alike.
 */
export class OutcomeTally implements OutcomeRecorder {
  private sums = new Map<string, Outcome>();

  /** Adds `outcome` to the sum of its kind; a quantity ≤ 0 adds nothing. */
  record(outcome: Outcome): void {
    if (!(outcome.quantity > 0)) return;
    const key = keyOf(outcome);
    const sum = this.sums.get(key);
    if (sum) sum.quantity += outcome.quantity;
    else this.sums.set(key, { ...outcome, scoping: { ...outcome.scoping } });
  }

  /** True when nothing waits to be recorded. */
  get isEmpty(): boolean {
    return this.sums.size === 0;
  }

  /** Records every sum (in the order their kinds were first added) and empties the tally. */
  drainTo(outcomes: OutcomeRecorder): void {
    const sums = this.sums;
    this.sums = new Map();
    for (const outcome of sums.values()) outcomes.record(outcome);
  }
}
