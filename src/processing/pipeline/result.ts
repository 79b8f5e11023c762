/**
 * The value every processing step returns (DESIGN.md, "The path of an event"):
 * `ok` carries the (possibly changed) value on; `drop` ends the item with an outcome
 * (`filtered`, `rate_limited`, `invalid`) and Relay's reason code. Steps never throw
 * for bad input; an exception is a bug.
 */
import type { OutcomeType } from '../../protocol/outcome.js';

export type StepResult<T> =
  { kind: 'ok'; value: T } | { kind: 'drop'; outcome: Exclude<OutcomeType, 'accepted'>; reason: string };

/** Wraps a value as a successful step result. */
export function ok<T>(value: T): StepResult<T> {
  return { kind: 'ok', value };
}

/** Ends the item with `outcome` and Relay's `reason` (reference/relay-protocol.md §7.2). */
export function drop<T = never>(outcome: Exclude<OutcomeType, 'accepted'>, reason: string): StepResult<T> {
  return { kind: 'drop', outcome, reason };
}
