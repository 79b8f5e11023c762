/**
 * A project's transaction thresholds as they live in its config JSON: the project threshold
 * (Sentry's `ProjectTransactionThreshold`, key `transactionThreshold`) and the per-transaction
 * overrides (`ProjectTransactionThresholdOverride`, key `transactionThresholdOverrides`), which
 * `apdex()`, `count_miserable(user)` and `user_misery()` read without a threshold argument
 * (`src/sentry/models/transaction_threshold.py`). Relay ignores both keys; Vigil keeps them with
 * the rest of the project's settings rather than in tables of their own.
 *
 *   "transactionThreshold": {"threshold": 400, "metric": "duration", "editedBy": 1,
 *                            "dateAdded": "…", "dateUpdated": "…"}
 *   "transactionThresholdOverrides": [{"id": 1, "transaction": "GET /a", "threshold": 600,
 *                                      "metric": "lcp", "editedBy": null, …}]
 *
 * Thresholds are milliseconds; `editedBy` is the user id of the last change (null for an
 * organization token); dates are ISO-8601 UTC.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';

/** What a threshold applies to (Sentry's `TRANSACTION_METRICS` names). */
export const TRANSACTION_METRICS = ['duration', 'lcp'] as const;

/** One of {@link TRANSACTION_METRICS}. */
export type TransactionMetricName = (typeof TRANSACTION_METRICS)[number];

/** A stored threshold. */
export interface StoredTransactionThreshold {
  threshold: number;
  metric: TransactionMetricName;
  editedBy: number | null;
  dateAdded: string;
  dateUpdated: string;
}

/** A stored override: a threshold for one transaction name, with an id unique in its project. */
export interface StoredThresholdOverride extends StoredTransactionThreshold {
  id: number;
  transaction: string;
}

/** Sentry's `MAX_TRANSACTION_THRESHOLDS_PER_PROJECT`. */
export const MAX_THRESHOLD_OVERRIDES_PER_PROJECT = 100;

/** Longest transaction name of an override (Sentry's `max_length=200`). */
export const MAX_OVERRIDE_TRANSACTION_LENGTH = 200;

function parseThreshold(
  value: JsonObject,
  path: string,
  errors: string[],
): StoredTransactionThreshold | undefined {
  const { threshold, metric, editedBy, dateAdded, dateUpdated } = value;
  const problems: string[] = [];
  if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 0)
    problems.push(`${path}.threshold: expected a non-negative integer (milliseconds)`);
  if (typeof metric !== 'string' || !(TRANSACTION_METRICS as readonly string[]).includes(metric))
    problems.push(`${path}.metric: expected one of ${TRANSACTION_METRICS.join(', ')}`);
  if (
    editedBy !== undefined &&
    editedBy !== null &&
    (typeof editedBy !== 'number' || !Number.isSafeInteger(editedBy))
  )
    problems.push(`${path}.editedBy: expected a user id or null`);
  for (const [key, date] of [
    ['dateAdded', dateAdded],
    ['dateUpdated', dateUpdated],
  ] as const) {
    if (date !== undefined && (typeof date !== 'string' || Number.isNaN(Date.parse(date))))
      problems.push(`${path}.${key}: expected an ISO-8601 date`);
  }
  errors.push(...problems);
  if (problems.length > 0) return undefined;
  const added = typeof dateAdded === 'string' ? dateAdded : new Date(0).toISOString();
  return {
    threshold: threshold as number,
    metric: metric as TransactionMetricName,
    editedBy: typeof editedBy === 'number' ? editedBy : null,
    dateAdded: added,
    dateUpdated: typeof dateUpdated === 'string' ? dateUpdated : added,
  };
}

/** `transactionThreshold`: undefined when absent or null; problems go to `errors` by JSON path. */
export function parseTransactionThreshold(
  value: JsonValue | undefined,
  errors: string[],
): StoredTransactionThreshold | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) {
    errors.push('transactionThreshold: expected an object');
    return undefined;
  }
  return parseThreshold(value, 'transactionThreshold', errors);
}

/**
 * `transactionThresholdOverrides`: a list of overrides with distinct transactions and ids, at
 * most {@link MAX_THRESHOLD_OVERRIDES_PER_PROJECT}; problems go to `errors` by JSON path.
 */
export function parseThresholdOverrides(
  value: JsonValue | undefined,
  errors: string[],
): StoredThresholdOverride[] {
  if (value === undefined || value === null) return [];
  const path = 'transactionThresholdOverrides';
  if (!Array.isArray(value)) {
    errors.push(`${path}: expected a list`);
    return [];
  }
  if (value.length > MAX_THRESHOLD_OVERRIDES_PER_PROJECT)
    errors.push(`${path}: at most ${MAX_THRESHOLD_OVERRIDES_PER_PROJECT} overrides per project`);
  const out: StoredThresholdOverride[] = [];
  value.forEach((item, i) => {
    const at = `${path}[${i}]`;
    if (!isJsonObject(item)) {
      errors.push(`${at}: expected an object`);
      return;
    }
    const { id, transaction } = item;
    const before = errors.length;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1)
      errors.push(`${at}.id: expected a positive integer`);
    if (
      typeof transaction !== 'string' ||
      transaction === '' ||
      [...transaction].length > MAX_OVERRIDE_TRANSACTION_LENGTH
    )
      errors.push(`${at}.transaction: expected a name of 1 to ${MAX_OVERRIDE_TRANSACTION_LENGTH} characters`);
    else if (out.some((o) => o.transaction === transaction)) errors.push(`${at}.transaction: duplicate`);
    else if (out.some((o) => o.id === id)) errors.push(`${at}.id: duplicate`);
    const threshold = parseThreshold(item, at, errors);
    if (threshold !== undefined && errors.length === before) {
      out.push({ ...threshold, id: id as number, transaction: transaction as string });
    }
  });
  return out;
}
