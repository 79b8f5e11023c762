/**
 * Case-insensitive substring filters that behave alike on SQLite and Postgres: the needle's
 * `%`, `_` and `\` are escaped and the escape character is named explicitly (SQLite has none by
 * default), so a user's search text is matched literally.
 */
import { sql, type RawBuilder } from 'kysely';

/**
 * A boolean SQL expression: `column` contains `needle`, ignoring case (ASCII case on SQLite,
 * whose `lower` folds only ASCII). `column` is a column reference such as `releases.version`.
 */
export function containsIgnoreCase(column: string, needle: string): RawBuilder<boolean> {
  const pattern = `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
