/**
 * Test helpers for the normalization tests (not part of the public API).
 */
import type { SentryEvent } from '../../protocol/event.js';
import type { JsonObject } from '../../protocol/json.js';
import { normalizeEvent } from './normalize-event.js';
import type { NormalizeContext } from './types.js';

/** 2000-01-03T00:00:00Z, the receive time most of Relay's tests use. */
export const RECEIVED = 946857600;

/** Normalizes `input` as an error event received at {@link RECEIVED}; fails the test on rejection. */
export function normalizeOk(input: JsonObject, ctx: Partial<NormalizeContext> = {}): SentryEvent {
  const result = normalizeEvent(input, { receivedAt: RECEIVED, itemType: 'event', ...ctx });
  if (!result.ok)
    throw new Error(`normalization rejected the event: ${result.reason} ${result.detail ?? ''}`);
  return result.event;
}
