/**
 * Event normalization (reference/relay-protocol.md §8): `normalizeEvent` plus the building
 * blocks other processors reuse (timestamp parsing, `_meta` bookkeeping, validators).
 */
export { EVENT_FIELDS, normalizeEvent } from './normalize-event.js';
export type { ClientHints, NormalizeContext, NormalizeItemType, NormalizeResult } from './types.js';
export { EventMeta, charLength } from './meta.js';
export type { AddErrorOptions, EventPath, MetaErrorKind, Remark } from './meta.js';
export {
  DEFAULT_MAX_SECS_IN_FUTURE,
  DEFAULT_MAX_SECS_IN_PAST,
  MINIMUM_CLOCK_DRIFT_SECS,
  envelopeClockDrift,
  formatRfc3339,
  parseTimestamp,
} from './timestamps.js';
export { newEventId, parseEventId } from './event-id.js';
export { VALID_PLATFORMS, parseLevel } from './defaults.js';
export { validateEnvironment, validateRelease } from './release.js';
export type { ValidationFailure } from './release.js';
export { parseSpanId, parseTraceId } from './contexts.js';
export { formatMessage } from './logentry.js';
export { parseUserAgent } from './user-agent.js';
export { normalizeTransactionName, scrubUrlTransactionName } from './transaction-name.js';
// The interface steps other event-like payloads (replay events) share with events.
export { AUTO_IP, normalizeIpAddresses } from './ip.js';
export { normalizeUserAgent } from './user-agent.js';
export { normalizeUser } from './user.js';
export { normalizeDist, normalizeEnvironment, normalizeRelease } from './release.js';
export { normalizeTags, normalizedTagPairs } from './tags.js';
export { normalizeContexts } from './contexts.js';
export { normalizeRequest } from './request.js';
export { BAG_SIZE, trimBagValue, trimStacktraces, type BagSize } from './trimming.js';
