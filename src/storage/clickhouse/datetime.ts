/**
 * ClickHouse `DateTime64(3, 'UTC')` text form, used both for inserted rows and for query
 * parameters so that the HTTP client and chDB bind dates identically (the two clients format a
 * JS `Date` parameter differently: unix seconds vs. `YYYY-MM-DD hh:mm:ss`, the latter dropping
 * milliseconds).
 */

/**
 * Formats `date` as `YYYY-MM-DD hh:mm:ss.sss` in UTC, the form ClickHouse parses into
 * `DateTime64(3, 'UTC')` (columns and `{name:DateTime64(3, 'UTC')}` parameters).
 *
 * @throws RangeError for an invalid Date (a bug in the caller).
 */
export function toDateTime64(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

const CLICKHOUSE_DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z)?$/;

/**
 * Parses a ClickHouse `DateTime`/`DateTime64` value as returned in JSON formats
 * (`YYYY-MM-DD hh:mm:ss[.fff]`, or ISO-8601 with `T`/`Z` when a server uses
 * `date_time_output_format = 'iso'`) as UTC — every time column Vigil reads is declared UTC.
 *
 * @throws Error when `value` is not such a string (the server answered in an unexpected shape).
 */
export function parseDateTime(value: unknown): Date {
  const match = typeof value === 'string' ? CLICKHOUSE_DATETIME.exec(value) : null;
  if (match === null) throw new Error(`unexpected ClickHouse DateTime value: ${JSON.stringify(value)}`);
  const [, day, time] = match;
  return new Date(`${day}T${time}Z`);
}
