/**
 * Slug rules for organizations and projects, after Sentry's `DEFAULT_SLUG_PATTERN`
 * (`src/sentry/slug/patterns.py`: `^(?![0-9]+$)[a-z0-9_\-]+$`) and its 50-character
 * `SentrySlugField` limit: lowercase ASCII letters, digits, `_` and `-`, not only digits
 * (so a path segment can be told apart from a numeric id).
 */

/** Longest accepted slug, in characters. */
export const MAX_SLUG_LENGTH = 50;

const SLUG = /^(?![0-9]+$)[a-z0-9_-]+$/;

/** Returns why `slug` is not acceptable, or `undefined` when it is. */
export function slugProblem(slug: string): string | undefined {
  if (slug.length === 0) return 'slug must not be empty';
  if (slug.length > MAX_SLUG_LENGTH) return `slug must be at most ${MAX_SLUG_LENGTH} characters`;
  if (!SLUG.test(slug)) {
    return 'slug may contain only lowercase letters, digits, underscores and hyphens, and not only digits';
  }
  return undefined;
}
