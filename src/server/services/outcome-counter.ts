/**
 * Where every outcome goes (reference/relay-protocol.md §7): a running tally per (outcome,
 * category, reason) for logs and tests, and hourly sums per organization, project, key, outcome,
 * reason and category waiting to be written to the `outcomes` table
 * (src/storage/clickhouse/outcomes.ts). The composition root takes the sums with `takeRows()`
 * every second and on shutdown, so an outcome is stored within about a second of being recorded.
 */
import type { Outcome } from '../../protocol/outcome.js';
import type { OutcomeRow } from '../../storage/clickhouse/outcomes.js';

/** Summed quantities per (outcome, category, reason), and hourly rows not yet taken. */
export class OutcomeCounter {
  /** Key `outcome:category:reason`; reasons may contain `:` (`too_large:event`), so keys split at two colons. */
  private readonly counts = new Map<string, number>();
  private pending = new Map<string, OutcomeRow>();
  /** Set while {@link capture} runs: `record` collects here instead of counting. */
  private captured: Outcome[] | undefined;

  /** Clock for outcomes without a timestamp, unix seconds; injectable for tests. */
  constructor(private readonly now: () => number = () => Date.now() / 1000) {}

  /** Adds one outcome record (quantity 0 is counted in `times_seen` only, as Relay does). */
  record(outcome: Outcome): void {
    if (this.captured) this.captured.push(outcome);
    else this.count(outcome);
  }

  /**
   * Runs `fn` and returns the outcomes it recorded synchronously, without counting them; pass
   * them to {@link commit} once what they describe is final, or drop them. The processing loop
   * holds an item's outcomes this way until the item is stored, so an item spooled again at
   * shutdown is not counted twice when it is replayed.
   */
  capture(fn: () => void): Outcome[] {
    const outer = this.captured;
    const captured: Outcome[] = [];
    this.captured = captured;
    try {
      fn();
    } finally {
      this.captured = outer;
    }
    return captured;
  }

  /** Counts outcomes collected by {@link capture}. */
  commit(outcomes: readonly Outcome[]): void {
    if (this.captured) this.captured.push(...outcomes);
    else for (const outcome of outcomes) this.count(outcome);
  }

  private count(outcome: Outcome): void {
    const key = `${outcome.outcome}:${outcome.category}:${outcome.reason ?? ''}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + outcome.quantity);
    const hour = Math.floor((outcome.timestamp ?? this.now()) / 3600) * 3600;
    const scope = outcome.scoping;
    const rowKey = `${scope.organizationId}:${scope.projectId}:${scope.keyId}:${hour}:${key}`;
    const row = this.pending.get(rowKey);
    if (row) {
      row.quantity += outcome.quantity;
      row.timesSeen += 1;
      return;
    }
    this.pending.set(rowKey, {
      orgId: scope.organizationId,
      projectId: scope.projectId,
      keyId: scope.keyId,
      hour,
      outcome: outcome.outcome,
      reason: outcome.reason,
      category: outcome.category,
      quantity: outcome.quantity,
      timesSeen: 1,
    });
  }

  /** The hourly sums recorded since the last call (each exactly once). */
  takeRows(): OutcomeRow[] {
    const rows = [...this.pending.values()];
    this.pending = new Map();
    return rows;
  }

  /**
   * Every running sum, keyed `outcome:category:reason` (reason empty when there is none), as a
   * copy: tests compare two of these to see exactly which outcomes an action recorded.
   */
  totals(): Map<string, number> {
    return new Map(this.counts);
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
