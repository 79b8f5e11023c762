/**
 * Transaction-name normalization for names that came from a URL.
 *
 * Follows `relay-event-normalization/src/transactions/processor.rs` (`normalize_transaction_name`,
 * `scrub_identifiers`) and the `TRANSACTION_NAME_NORMALIZER_REGEX` of `regexes.rs`
 * (reference/relay-protocol.md §8 "Transaction names"): only when
 * `transaction_info.source` is `url`, every path segment that holds an identifier is replaced by
 * `*` — a UUID, a SHA-1 or MD5 hex digest, an ISO date or time stamp, a `0x` hex number, or any
 * run of two or more digits. A changed name gets `transaction_info.source = "sanitized"` and a
 * substitution remark in `_meta` with the original length (Relay records one `["int", "s", from,
 * to]` per replaced range; one `["int", "s"]` for the field is recorded here).
 */
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import type { EventMeta } from './meta.js';

/** The identifier shapes Relay scrubs from a URL path segment (whole segment → `*`). */
const IDENTIFIER_SEGMENT = new RegExp(
  [
    // UUID
    String.raw`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`,
    // SHA-1 and MD5 digests
    String.raw`\b[0-9a-fA-F]{40}\b`,
    String.raw`\b[0-9a-fA-F]{32}\b`,
    // ISO 8601 dates and date-times, RFC 2822-ish dates
    String.raw`\b\d{4}-[01]\d-[0-3]\d(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-][0-2]\d:?[0-5]\d)?)?\b`,
    // 0x hex numbers
    String.raw`\b0[xX][0-9a-fA-F]+\b`,
    // two or more digits in a row
    String.raw`\d{2,}`,
  ].join('|'),
);

/**
 * `name` with every path segment (split on `/` and `\`) that contains an identifier replaced by
 * `*`; the query string and fragment are left alone. Returns `name` unchanged when nothing
 * matched.
 */
export function scrubUrlTransactionName(name: string): string {
  return name
    .split(/([/\\])/)
    .map((part) => (part === '/' || part === '\\' || !IDENTIFIER_SEGMENT.test(part) ? part : '*'))
    .join('');
}

/**
 * Applies {@link scrubUrlTransactionName} to a transaction event in place when its
 * `transaction_info.source` is `url`; a changed name sets the source to `sanitized` and records
 * the original length in `_meta` (`rem: [["int", "s"]]`, Relay's remark for the identifier rule).
 */
export function normalizeTransactionName(event: JsonObject, meta: EventMeta): void {
  const info = event.transaction_info;
  const name = event.transaction;
  if (!isJsonObject(info) || info.source !== 'url' || typeof name !== 'string') return;
  const scrubbed = scrubUrlTransactionName(name);
  if (scrubbed === name) return;
  event.transaction = scrubbed;
  info.source = 'sanitized';
  meta.addRemark(['transaction'], ['int', 's'], name.length);
}
