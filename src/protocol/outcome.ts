/**
 * Outcomes: what happened to every item that entered Vigil, so that
 * received = accepted + filtered + rate_limited + invalid always holds.
 * Ids and names follow Relay's `relay-server/src/services/outcome.rs`
 * (reference/relay-protocol.md §7.1–§7.2).
 */
import type { DataCategory } from './data-category.js';

export const OUTCOME_IDS = {
  accepted: 0,
  filtered: 1,
  rate_limited: 2,
  invalid: 3,
  abuse: 4,
  client_discard: 5,
  cardinality_limited: 6,
} as const;

/** An outcome type name. */
export type OutcomeType = keyof typeof OUTCOME_IDS;

/**
 * One outcome record: `quantity` units of `category` met `outcome` for `reason`
 * (a discard reason such as `invalid_json` or `too_large:event`, a filter stat key,
 * a quota reason code; `null` for accepted).
 */
export interface Outcome {
  outcome: OutcomeType;
  reason: string | null;
  category: DataCategory;
  quantity: number;
}
