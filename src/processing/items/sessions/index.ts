/**
 * Release health ingestion (reference/relay-protocol.md §13): `session` and `sessions` items
 * become rows of the `sessions` table (src/protocol/session-columns.ts).
 */
export {
  DEFAULT_SESSION_RETENTION_DAYS,
  MAX_SESSION_SECS_IN_FUTURE,
  MAX_SESSION_SECS_IN_PAST,
  processSessionItem,
} from './process.js';
export type { SessionDropReason, SessionItemContext, SessionRecord } from './process.js';
export { U64_LIMIT, parseSessionAggregates, parseSessionUpdate } from './parse.js';
export type {
  SessionAggregateItem,
  SessionAggregates,
  SessionAttributes,
  SessionParseFailure,
  SessionParseResult,
  SessionUpdate,
} from './parse.js';
