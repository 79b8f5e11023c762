/**
 * Release, environment and dist validation.
 *
 * Follows `sentry-release-parser` `src/parser.rs` (`validate_release`, `validate_environment`)
 * as used by `relay-event-normalization/src/event.rs`, plus the schema attributes of
 * `Event.release` / `environment` / `dist` (trim whitespace, non-empty, `dist` ≤ 64 characters
 * of `a-zA-Z0-9_.-`). reference/relay-protocol.md §8.5 and §8 "Dist".
 */
import type { JsonObject } from '../../protocol/json.js';
import { charLength, type EventMeta } from './meta.js';

/** Longest accepted release, in characters. */
export const MAX_RELEASE_CHARS = 200;
/** Longest accepted environment, in characters. */
export const MAX_ENVIRONMENT_CHARS = 64;
/** Longest accepted dist, in characters. */
export const MAX_DIST_CHARS = 64;

// eslint-disable-next-line no-control-regex
const RELEASE_BAD_CHARS = /[/\r\n\t\x0c\x00]/;
// eslint-disable-next-line no-control-regex
const ENVIRONMENT_BAD_CHARS = /[/\x00-\x1f\x7f]/;
const DIST_CHARS = /^[a-zA-Z0-9_.-]+$/;

/** Why a release or environment is invalid, or `undefined` when it is valid. */
export type ValidationFailure = 'too_long' | 'restricted_name' | 'bad_characters' | undefined;

/**
 * Validates a release name: ≤ 200 characters, not `.`, `..` or `latest` (any case), no `/`,
 * `\r`, `\n`, `\t`, form feed or NUL, no surrounding whitespace.
 */
export function validateRelease(release: string): ValidationFailure {
  if (charLength(release) > MAX_RELEASE_CHARS) return 'too_long';
  if (release === '.' || release === '..' || release.toLowerCase() === 'latest') return 'restricted_name';
  if (RELEASE_BAD_CHARS.test(release) || release.trim() !== release) return 'bad_characters';
  return undefined;
}

/**
 * Validates an environment name: ≤ 64 characters, not `.`, `..` or `none` (any case), no `/`
 * and no control characters.
 */
export function validateEnvironment(environment: string): ValidationFailure {
  if (charLength(environment) > MAX_ENVIRONMENT_CHARS) return 'too_long';
  if (environment === '.' || environment === '..' || environment.toLowerCase() === 'none') {
    return 'restricted_name';
  }
  if (ENVIRONMENT_BAD_CHARS.test(environment)) return 'bad_characters';
  return undefined;
}

/** Numbers are accepted where Relay uses a `LenientString`; other non-strings are invalid. */
function lenientString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Shared handling of `release` and `environment`: trims, drops empty values silently, and
 * removes invalid ones with an `invalid_data` error keeping the original in `_meta`.
 */
function normalizeValidated(
  event: JsonObject,
  meta: EventMeta,
  key: 'release' | 'environment',
  validate: (value: string) => ValidationFailure,
): void {
  const raw = event[key];
  if (raw === undefined) return;
  if (raw === null) {
    delete event[key];
    return;
  }
  const text = lenientString(raw);
  if (text === undefined) {
    delete event[key];
    meta.addError([key], 'invalid_data', { data: { reason: 'expected a string' }, original: raw });
    return;
  }
  const trimmed = text.trim();
  if (trimmed === '') {
    delete event[key];
    return;
  }
  if (validate(trimmed) !== undefined) {
    delete event[key];
    meta.addError([key], 'invalid_data', { original: raw });
    return;
  }
  event[key] = trimmed;
}

/** Validates `release` in place (§8.5); invalid → removed with an `invalid_data` error. */
export function normalizeRelease(event: JsonObject, meta: EventMeta): void {
  normalizeValidated(event, meta, 'release', validateRelease);
}

/** Validates `environment` in place (§8.5); invalid → removed with an `invalid_data` error. */
export function normalizeEnvironment(event: JsonObject, meta: EventMeta): void {
  normalizeValidated(event, meta, 'environment', validateEnvironment);
}

/**
 * Normalizes `dist` in place: trimmed; empty → removed silently; longer than 64 characters →
 * removed with `value_too_long`; characters outside `a-zA-Z0-9_.-` → removed with `invalid_data`.
 */
export function normalizeDist(event: JsonObject, meta: EventMeta): void {
  const raw = event.dist;
  if (raw === undefined) return;
  const text = raw === null ? undefined : lenientString(raw);
  if (text === undefined) {
    delete event.dist;
    if (raw !== null)
      meta.addError(['dist'], 'invalid_data', { data: { reason: 'expected a string' }, original: raw });
    return;
  }
  const trimmed = text.trim();
  if (trimmed === '') {
    delete event.dist;
  } else if (charLength(trimmed) > MAX_DIST_CHARS) {
    delete event.dist;
    meta.addError(['dist'], 'value_too_long', { original: raw });
  } else if (!DIST_CHARS.test(trimmed)) {
    delete event.dist;
    meta.addError(['dist'], 'invalid_data', { data: { reason: 'invalid character' }, original: raw });
  } else {
    event.dist = trimmed;
  }
}
