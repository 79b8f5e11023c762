/**
 * In-process tally of outcomes (reference/relay-protocol.md §7): how many items of each
 * data category were accepted or dropped and why. Persisting outcomes to ClickHouse and
 * the stats API are issue #4; until then this tally feeds logs and tests.
 */
import type { Outcome } from '../../protocol/outcome.js';

/** Summed quantities per (outcome, category, reason). */
export class OutcomeCounter {
  /** Key `outcome:category:reason`; reasons may contain `:` (`too_large:event`), so keys split at two colons. */
  private readonly counts = new Map<string, number>();

  /** Adds one outcome record. */
  record(outcome: Outcome): void {
    const key = `${outcome.outcome}:${outcome.category}:${outcome.reason ?? ''}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + outcome.quantity);
  }

  /** Summed quantity for an outcome type, optionally narrowed to a category and reason. */
  total(outcome: Outcome['outcome'], category?: Outcome['category'], reason?: string): number {
    let sum = 0;
    for (const [key, n] of this.counts) {
      const first = key.indexOf(':');
      const second = key.indexOf(':', first + 1);
      const [o, c, r] = [key.slice(0, first), key.slice(first + 1, second), key.slice(second + 1)];
      if (
        o === outcome &&
        (category === undefined || c === category) &&
        (reason === undefined || r === reason)
      ) {
        sum += n;
      }
    }
    return sum;
  }
}
