/**
 * Typed outcomes of metadata repository calls that take user input (slugs, names): bad
 * input is a value, never an exception. Exceptions from repositories mean a bug or an
 * unavailable database.
 */

/** Why a repository call did not do what was asked. */
export type MetadataError =
  | { kind: 'invalid_slug'; detail: string }
  | { kind: 'slug_taken'; detail: string }
  | { kind: 'not_found'; detail: string }
  /** A unique value (an email, a membership) is already taken. */
  | { kind: 'conflict'; detail: string };

/** Success with a value, or a `MetadataError`. */
export type MetadataResult<T> = { ok: true; value: T } | { ok: false; error: MetadataError };

/** Wraps a successful value. */
export function success<T>(value: T): MetadataResult<T> {
  return { ok: true, value };
}

/** Wraps a failure. */
export function failure<T = never>(error: MetadataError): MetadataResult<T> {
  return { ok: false, error };
}
