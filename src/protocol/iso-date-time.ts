/**
 * ISO 8601 date-times as Sentry's API reads them (Django's `parse_datetime` behind DRF's
 * `DateTimeField`, `django/utils/dateparse.py`). Pure; used by the API's body validation and by
 * the metadata migration that converts commit lists stored before version 8.
 */

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d{0,6})?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * An ISO 8601 date-time as ISO-8601 UTC with milliseconds, or `undefined` when it does not parse.
 * A time without a zone is UTC. Like Django's `parse_datetime`, digits past microseconds are
 * ignored (sentry-cli sends nanoseconds).
 */
export function parseIsoDateTime(text: string): string | undefined {
  const m = ISO_DATE_TIME.exec(text.trim());
  if (m === null || m[4] === undefined) return undefined;
  const fraction = (m[7] ?? '').padEnd(3, '0').slice(0, 3);
  const zone = m[8] === undefined ? 'Z' : m[8].toUpperCase() === 'Z' ? 'Z' : normalizeOffset(m[8]);
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}.${fraction}${zone}`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function normalizeOffset(offset: string): string {
  const digits = offset.slice(1).replace(':', '');
  return `${offset[0]}${digits.slice(0, 2)}:${(digits.slice(2) || '00').padEnd(2, '0')}`;
}
