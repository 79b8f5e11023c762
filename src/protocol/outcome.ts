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
  /**
   * When it happened, Unix seconds; absent means "now" (the time it is recorded). Client
   * reports carry the SDK's report time, truncated to whole seconds like Relay's `TrackOutcome`.
   */
  timestamp?: number;
  /**
   * Who it belongs to (Relay's `Scoping`): the organization, project and DSN key of the
   * envelope the item came in, so outcomes can be stored and queried per project and key.
   */
  scoping: OutcomeScoping;
}

/** The organization, project and DSN key an outcome is attributed to (Relay's `Scoping`). */
export interface OutcomeScoping {
  organizationId: number;
  projectId: number;
  /** Metadata-store id of the DSN key. */
  keyId: number;
}

/**
 * An outcome as a pure pipeline reports it: everything but the scoping, which only the
 * server knows (the envelope's DSN key). The item handler adds its envelope's scoping
 * before recording it.
 */
export type UnscopedOutcome = Omit<Outcome, 'scoping'>;
