/**
 * The release filters Sentry answers from its release table before querying events:
 * `release.version` (semver comparisons and wildcards), `release.package` and `release.build`.
 * Each selects, among the release versions of the request's projects, those that match, and the
 * events filter then becomes `release IN (those versions)` — Sentry's
 * `semver_filter_converter`, `semver_package_filter_converter` and
 * `semver_build_filter_converter` (`src/sentry/search/events/datasets/filter_aliases.py`),
 * `parse_semver` (`src/sentry/search/events/filter.py`) and `ReleaseQuerySet.filter_by_semver` /
 * `filter_by_semver_build` (`src/sentry/models/releases/util.py`).
 *
 * A release's semver columns are those Sentry stores when it creates the release
 * (`massage_semver_cols_into_release_object_data`): only a `package@version` name whose version
 * parses (src/protocol/release-version.ts) and whose numeric parts fit a signed 64-bit integer
 * has them. Versions compare as Sentry's `SEMVER_COLS` row: major, minor, patch, revision, a
 * release above its pre-releases, then the pre-release text. Pure; every Sentry limit on how
 * many versions it passes to Snuba (`MAX_SEARCH_RELEASES`) is unnecessary here, since the
 * matching versions are one bound array parameter.
 */
import { parseRelease } from '../protocol/release-version.js';
import { searchError, type SearchResult } from './errors.js';
import type { SearchFilter, SearchOperator } from './filters.js';

/** The keys this module answers. */
export const RELEASE_LOOKUP_KEYS = ['release.version', 'release.package', 'release.build'] as const;

/** One of {@link RELEASE_LOOKUP_KEYS}. */
export type ReleaseLookupKey = (typeof RELEASE_LOOKUP_KEYS)[number];

/** Sentry's message for a `release.version` value that is neither a version nor a wildcard. */
export const INVALID_SEMVER_MESSAGE =
  'Invalid format of semantic version. For searching non-semver releases, use "release:" instead.';

/** The package Sentry's `parse_semver` puts before a version written without one. */
const FAKE_PACKAGE = '__sentry_fake__';
/** Parts of a wildcard version that end it (`SEMVER_WILDCARDS`). */
const WILDCARDS: ReadonlySet<string> = new Set(['X', '*']);
const MIN_BIGINT = -(2n ** 63n);
const MAX_BIGINT = 2n ** 63n - 1n;

/** One column of the semver row: a number, or the pre-release text. */
type SemverPart = bigint | string;

/** The release columns the filters read (`Release.package`, `major` … `prerelease`, `build_*`). */
export interface ReleaseColumns {
  version: string;
  /** Null when the release is not semver. */
  package: string | null;
  /** `[major, minor, patch, revision, prerelease_case, prerelease]`; null when not semver. */
  semver: SemverPart[] | null;
  buildCode: string | null;
  /** The build code as a 64-bit integer, when it is one. */
  buildNumber: bigint | null;
}

const fitsBigint = (n: bigint): boolean => n >= MIN_BIGINT && n <= MAX_BIGINT;

/** `int(text)` when `text` is an integer fitting 64 bits (Sentry's `validate_bigint`), else null. */
function bigintOf(text: string | undefined): bigint | null {
  if (text === undefined || !/^-?\d+$/.test(text)) return null;
  const n = BigInt(text);
  return fitsBigint(n) ? n : null;
}

/** The semver row of a parsed version (`prerelease_case` is 1 for a release, 0 for a pre-release). */
function semverRow(quad: readonly (string | undefined)[], pre: string | undefined): SemverPart[] | null {
  const numbers = [0, 1, 2, 3].map((i) => bigintOf(quad[i] ?? '0'));
  if (numbers.some((n) => n === null)) return null;
  const prerelease = pre ?? '';
  return [...(numbers as bigint[]), prerelease === '' ? 1n : 0n, prerelease];
}

/** The columns Sentry stores for release `version`. */
export function releaseColumns(version: string): ReleaseColumns {
  const parsed = parseRelease(version);
  const v = parsed?.version;
  const semver = v === undefined ? null : semverRow(v.quad, v.pre);
  if (parsed === undefined || v === undefined || semver === null) {
    return { version, package: null, semver: null, buildCode: null, buildNumber: null };
  }
  const buildCode = v.buildCode ?? null;
  return { version, package: parsed.package, semver, buildCode, buildNumber: bigintOf(v.buildCode) };
}

/** Row comparison of the first `a.length` columns (Postgres `ROW(...) op ROW(...)`). */
function compareRows(a: readonly SemverPart[], b: readonly SemverPart[]): number {
  for (let i = 0; i < b.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || x === y) continue;
    return x < y ? -1 : 1;
  }
  return 0;
}

type Comparison = '=' | '>' | '>=' | '<' | '<=';

function holds(cmp: number, op: Comparison): boolean {
  switch (op) {
    case '=':
      return cmp === 0;
    case '>':
      return cmp > 0;
    case '>=':
      return cmp >= 0;
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
  }
}

/** `handle_operator_negation` + `OPERATOR_TO_DJANGO`: `!=` is a negated `=`, lists are refused. */
function comparison(op: SearchOperator): SearchResult<{ op: Comparison; negated: boolean }> {
  if (op === 'IN' || op === 'NOT IN') {
    return {
      ok: false,
      error: searchError('invalid_filter', "Invalid operation 'IN' for semantic version filter."),
    };
  }
  return { ok: true, value: op === '!=' ? { op: '=', negated: true } : { op, negated: false } };
}

/** What `parse_semver` makes of a `release.version` value. */
interface SemverFilter {
  op: Comparison;
  parts: SemverPart[];
  package: string | null;
  negated: boolean;
}

/** Sentry's `parse_semver`: a full version compares all columns; a wildcard (`1.2.*`) is an exact prefix. */
function parseSemverFilter(raw: string, operator: SearchOperator): SearchResult<SemverFilter> {
  const cmp = comparison(operator);
  if (!cmp.ok) return cmp;
  const text = raw.includes('@') ? raw : `${FAKE_PACKAGE}@${raw}`;
  const parsed = parseRelease(text);
  const version = parsed?.version;
  const ownPackage = (p: string | null | undefined): string | null =>
    p === undefined || p === null || p === '' || p === FAKE_PACKAGE ? null : p;
  if (parsed !== undefined && version !== undefined) {
    const row = semverRow(version.quad, version.pre);
    if (row !== null)
      return { ok: true, value: { ...cmp.value, parts: row, package: ownPackage(parsed.package) } };
  }
  // A wildcard match: the integer parts before the first `*` / `X`, compared for equality.
  const at = text.indexOf('@');
  const pkg = text.slice(0, at);
  const rest = text.slice(at + 1);
  const parts: SemverPart[] = [];
  if (rest !== '') {
    for (const part of splitMax(rest, '.', 3)) {
      if (WILDCARDS.has(part)) break;
      const n = /^\s*[+-]?\d+\s*$/.test(part) ? BigInt(part.trim()) : null;
      if (n === null) return { ok: false, error: searchError('invalid_filter', INVALID_SEMVER_MESSAGE) };
      parts.push(n);
    }
  }
  return { ok: true, value: { op: '=', parts, package: ownPackage(pkg), negated: cmp.value.negated } };
}

/** Python's `text.split(sep, max)`. */
function splitMax(text: string, sep: string, max: number): string[] {
  const pieces = text.split(sep);
  return pieces.length <= max + 1 ? pieces : [...pieces.slice(0, max), pieces.slice(max).join(sep)];
}

/**
 * `filter_by_semver`: releases of `filter.package` (when given) whose first semver columns
 * compare with `filter.parts` by `filter.op`. Negated, both conditions are excluded (Django's
 * chained `exclude`): releases of other packages (or none) whose semver row does not match. No
 * parts and no package match every release; a release without semver columns never matches a
 * row condition.
 */
function matchesSemver(release: ReleaseColumns, filter: SemverFilter): boolean {
  if (filter.package !== null && (release.package === filter.package) === filter.negated) return false;
  if (filter.parts.length === 0) return true;
  if (release.semver === null) return false;
  return holds(compareRows(release.semver, filter.parts), filter.op) !== filter.negated;
}

/**
 * `filter_by_semver_build`: a decimal value that fits 64 bits compares with the build number by
 * the operator; anything else is an exact build code, or a prefix when it ends with `*`. A
 * negated filter (`!=`) keeps every other release (releases without a build too, as Django's
 * `exclude` does).
 */
function matchesBuild(release: ReleaseColumns, build: string, op: Comparison, negated: boolean): boolean {
  const number = /^\d+$/.test(build) ? bigintOf(build) : null;
  let match: boolean;
  if (number !== null) {
    match =
      release.buildNumber !== null &&
      holds(release.buildNumber < number ? -1 : release.buildNumber > number ? 1 : 0, op);
  } else if (build === '' || build.endsWith('*')) {
    match = release.buildCode !== null && release.buildCode.startsWith(build.slice(0, -1));
  } else {
    match = release.buildCode === build;
  }
  return negated ? !match : match;
}

function textsOf(filter: SearchFilter): string[] | null {
  const { value } = filter;
  if (value.kind === 'text') return [value.value];
  if (value.kind === 'textList') return value.values;
  if (value.kind === 'number') return [String(value.value)];
  return null;
}

/**
 * The versions among `versions` (the request's projects' releases) a `release.version`,
 * `release.package` or `release.build` filter selects; the caller filters events on
 * `release IN` them (none: no event matches). Errors carry Sentry's messages (an `IN` list for
 * a version or build, a malformed version).
 *
 * `release.package` lists select any of their packages; negated (`!release.package:x`), the
 * releases of other packages and without one (Sentry ignores the negation there, which this
 * does not copy).
 */
export function selectReleases(filter: SearchFilter, versions: readonly string[]): SearchResult<string[]> {
  const texts = textsOf(filter);
  if (texts === null || texts.length === 0) {
    return { ok: false, error: searchError('invalid_filter', `Invalid value for ${filter.key}`) };
  }
  const releases = [...new Set(versions)].map(releaseColumns);
  const pick = (keep: (r: ReleaseColumns) => boolean): SearchResult<string[]> => ({
    ok: true,
    value: releases.filter(keep).map((r) => r.version),
  });
  switch (filter.key as ReleaseLookupKey) {
    case 'release.package': {
      const negated = filter.operator === '!=' || filter.operator === 'NOT IN';
      return pick((r) => (r.package !== null && texts.includes(r.package)) !== negated);
    }
    case 'release.build': {
      const cmp = comparison(filter.operator);
      if (!cmp.ok) return cmp;
      const build = texts[0] ?? '';
      return pick((r) => matchesBuild(r, build, cmp.value.op, cmp.value.negated));
    }
    default: {
      const semver = parseSemverFilter(texts[0] ?? '', filter.operator);
      if (!semver.ok) return semver;
      return pick((r) => matchesSemver(r, semver.value));
    }
  }
}

/** Whether `key` is one of {@link RELEASE_LOOKUP_KEYS}. */
export function isReleaseLookupKey(key: string): key is ReleaseLookupKey {
  return (RELEASE_LOOKUP_KEYS as readonly string[]).includes(key);
}
