/**
 * Building blocks for ClickHouse SQL with bound parameters only: every user-supplied value goes
 * through {@link SqlParams.bind} and appears in the SQL text as a `{pN:Type}` placeholder
 * (ClickHouse query parameters), never as a literal. Pure string assembly, no I/O.
 */

/** ClickHouse types used for parameters. */
export type ParamType =
  | 'String'
  | 'Array(String)'
  | 'UInt64'
  | 'Array(UInt64)'
  | 'Float64'
  | 'Array(Float64)'
  | "DateTime64(3, 'UTC')"
  | 'UUID'
  | 'Array(UUID)';

/** A SQL fragment with the parameters its placeholders refer to. */
export interface SqlFragment {
  /** SQL text with `{pN:Type}` placeholders. */
  sql: string;
  /**
   * Placeholder values, ready for `@clickhouse/client`'s `query_params`: strings, numbers and
   * arrays of them. Instants are `'YYYY-MM-DD HH:MM:SS.mmm'` strings typed
   * `DateTime64(3, 'UTC')` (see {@link dateTimeParam}).
   */
  params: Record<string, unknown>;
}

/** Allocates parameter names `p0`, `p1`, … shared by every fragment of one compiled query. */
export class SqlParams {
  private next = 0;
  /** The values bound so far, by name. */
  readonly values: Record<string, unknown> = {};

  /** Binds `value` and returns its placeholder, e.g. `{p3:String}`. */
  bind(type: ParamType, value: unknown): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }

  /** The subset of bound values a SQL text refers to. */
  paramsFor(sql: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const m of sql.matchAll(/\{(p\d+):/g)) {
      const name = m[1] ?? '';
      out[name] = this.values[name];
    }
    return out;
  }
}

/**
 * An instant (ISO string or epoch ms) as a `DateTime64(3, 'UTC')` parameter value,
 * `'YYYY-MM-DD HH:MM:SS.mmm'`. Not a `Date` object: the client sends those as fractional Unix
 * seconds, which the server truncates to whole seconds, and an untyped zone would follow the
 * server's time zone.
 */
export function dateTimeParam(instant: string | number): string {
  return new Date(instant).toISOString().replace('T', ' ').replace('Z', '');
}

/** `a AND b AND …`, parenthesised when there is more than one part; `null` for none. */
export function sqlAnd(parts: readonly string[]): string | null {
  if (parts.length === 0) return null;
  return parts.length === 1 ? (parts[0] ?? null) : `(${parts.join(' AND ')})`;
}

/** `a OR b OR …`, parenthesised when there is more than one part; `null` for none. */
export function sqlOr(parts: readonly string[]): string | null {
  if (parts.length === 0) return null;
  return parts.length === 1 ? (parts[0] ?? null) : `(${parts.join(' OR ')})`;
}

/** `NOT (a)`. */
export function sqlNot(part: string): string {
  return `NOT (${part})`;
}

/** A column identifier in backticks (for names such as `tags.key`). */
export function ident(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
