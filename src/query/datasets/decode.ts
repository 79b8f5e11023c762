/**
 * Values read back from ClickHouse turned into the JSON of Sentry's events endpoint, by field
 * type: numbers as numbers (64-bit integers arrive as strings in JSONEachRow; NaN and infinity
 * of empty aggregates become null), dates as ISO-8601 at whole seconds with `+00:00` (as Snuba
 * and the EAP serialize `timestamp`), booleans as booleans.
 */
import type { Decoder, FieldType } from './types.js';

const CLICKHOUSE_DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/;

/** A ClickHouse DateTime text (`YYYY-MM-DD hh:mm:ss[.ffffff]`, UTC) as `YYYY-MM-DDThh:mm:ss+00:00`. */
export function isoSeconds(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const m = CLICKHOUSE_DATETIME.exec(raw);
  return m === null ? null : `${m[1]}T${m[2]}+00:00`;
}

/** A number read back; null for NULL, NaN and infinities. */
export function numberOrNull(raw: unknown): number | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const n = typeof raw === 'number' ? raw : Number(raw);
  return Number.isFinite(n) ? n : null;
}

/** A boolean read back (`true`, `1`, `'1'`, `'true'`); null for NULL. */
export function booleanOrNull(raw: unknown): boolean | null {
  if (raw === null || raw === undefined) return null;
  return raw === true || raw === 1 || raw === '1' || raw === 'true';
}

const byType: Readonly<Record<FieldType, (raw: unknown) => unknown>> = {
  string: (raw) => (raw === null || raw === undefined ? null : String(raw)),
  integer: numberOrNull,
  number: numberOrNull,
  duration: numberOrNull,
  size: numberOrNull,
  percentage: numberOrNull,
  rate: numberOrNull,
  date: isoSeconds,
  boolean: booleanOrNull,
  array: (raw) => (Array.isArray(raw) ? raw : raw === null || raw === undefined ? null : [raw]),
};

/** The default decoder of a field type. */
export function decoderFor(type: FieldType): Decoder {
  const decode = byType[type];
  return (raw) => ({ value: decode(raw) });
}

/** Decodes a `project_id` into the project's slug (null for a project not in the request). */
export const decodeProjectSlug: Decoder = (raw, ctx) => {
  const id = numberOrNull(raw);
  return { value: id === null ? null : (ctx.projectSlugs.get(id) ?? null) };
};

/**
 * Decodes an issue id into the issue's short id; `unknown` when there is none (a transaction's
 * issue id 0, a deleted issue), as Sentry's `handle_issues` answers it.
 */
export const decodeIssueShortId: Decoder = (raw, ctx) => {
  const id = numberOrNull(raw);
  return { value: (id === null ? undefined : ctx.issueShortIds.get(id)) ?? 'unknown' };
};

/**
 * Decodes unix microseconds into nanoseconds, as the EAP answers `timestamp_precise` (the
 * stored precision is microseconds, so the last three digits are zero).
 */
export const decodePreciseNanos: Decoder = (raw) => {
  const micros = numberOrNull(raw);
  return { value: micros === null ? null : micros * 1000 };
};
