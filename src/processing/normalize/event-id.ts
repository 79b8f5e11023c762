/**
 * Event ids: 32 lowercase hex characters (a UUID in "simple" form).
 * Follows `relay-event-schema/src/protocol/event.rs` (`EventId`, parsed with the `uuid` crate)
 * and reference/relay-protocol.md §8 "Event id / received".
 */
import { randomUUID } from 'node:crypto';

const SIMPLE = /^[0-9a-fA-F]{32}$/;
const HYPHENATED = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Parses an event id in any form the `uuid` crate accepts (simple, hyphenated, braced,
 * `urn:uuid:`), returning 32 lowercase hex characters, or `undefined` when invalid.
 */
export function parseEventId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let text = value.trim();
  if (text.startsWith('urn:uuid:')) text = text.slice(9);
  else if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  if (SIMPLE.test(text)) return text.toLowerCase();
  if (HYPHENATED.test(text)) return text.replace(/-/g, '').toLowerCase();
  return undefined;
}

/** A new random (v4) event id in simple form. */
export function newEventId(): string {
  return randomUUID().replace(/-/g, '');
}
