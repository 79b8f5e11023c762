/**
 * Release versions as Sentry validates and describes them: the API's validity rule
 * (`Release.is_valid_version` in `src/sentry/models/release.py`) and the release's
 * `versionInfo` (`expose_version_info` in `src/sentry/api/serializers/models/release.py` over
 * the `sentry-release-parser` crate's `Release::parse`: `package@version`, a semver-like version
 * with up to four numeric components, a pre-release and a `+build`, and build hashes).
 */
import type { JsonObject } from '../../protocol/json.js';
import {
  MAX_RELEASE_LENGTH,
  isBuildHash,
  isValidReleaseName,
  parseRelease,
  parseVersion,
} from '../../protocol/release-version.js';

/** Longest version the API accepts (Sentry's `MAX_VERSION_LENGTH`). */
export const MAX_VERSION_LENGTH = MAX_RELEASE_LENGTH;

/**
 * Whether `version` may name a release: no line breaks, form feed, tab or slashes, and not
 * empty, `.`, `..` or `latest` (any case) once trimmed. Length is checked separately.
 */
export function isValidVersion(version: string): boolean {
  return isValidReleaseName(version);
}

/**
 * Sentry's `versionInfo` of a release version: `{package, version: {raw, major, minor, patch,
 * pre, buildCode, components}, description, buildHash}`, where `version` has only `raw` when the
 * version part does not parse (or is a build hash). `null` for a version the parser rejects.
 */
export function versionInfo(version: string): JsonObject | null {
  const release = parseRelease(version);
  if (release === undefined) return null;
  const pkg = release.package;
  const raw = release.versionRaw;
  const parsed = release.version;
  const buildHash =
    parsed?.buildCode !== undefined && isBuildHash(parsed.buildCode)
      ? parsed.buildCode
      : isBuildHash(raw)
        ? raw
        : null;
  const versionJson: JsonObject = { raw };
  let description: string;
  if (parsed !== undefined) {
    const components = parsed.quad.filter((c) => c !== undefined);
    Object.assign(versionJson, {
      major: Number(parsed.quad[0]),
      minor: Number(parsed.quad[1] ?? 0),
      patch: Number(parsed.quad[2] ?? 0),
      pre: parsed.pre ?? null,
      buildCode: parsed.buildCode ?? null,
      components: components.length,
    });
    description = components.join('.') + (parsed.pre === undefined ? '' : `-${parsed.pre}`);
    const shown = buildHash?.slice(0, 12) ?? parsed.buildCode;
    if (shown !== undefined) description += ` (${shown})`;
  } else {
    description = buildHash !== null ? buildHash.slice(0, 12) : release.raw;
  }
  return { package: pkg, version: versionJson, description, buildHash };
}

/** The semver columns Sentry stores on a release and orders `release:latest` by. */
export interface SemverKey {
  major: number;
  minor: number;
  patch: number;
  revision: number;
  /** The pre-release, `''` when there is none. */
  prerelease: string;
}

/**
 * The semver columns of `version` (Sentry's `Release.is_semver_version` and the
 * `major`/`minor`/`patch`/`revision`/`prerelease` it stores): a version without a package is
 * parsed as if it had one; null when the version is invalid, is a build hash or does not parse.
 */
export function semverKey(version: string): SemverKey | null {
  const raw = parseRelease(version)?.versionRaw;
  const parsed = raw === undefined || isBuildHash(raw) ? undefined : parseVersion(raw);
  if (parsed === undefined) return null;
  const [major, minor, patch, revision] = parsed.quad.map((c) => Number(c ?? 0));
  return {
    major: major ?? 0,
    minor: minor ?? 0,
    patch: patch ?? 0,
    revision: revision ?? 0,
    prerelease: parsed.pre ?? '',
  };
}

/**
 * Sentry's semver order of releases (`order_by_semver`): by major, minor, patch and revision,
 * a release above its pre-releases, pre-releases by text. Positive when `a` is the newer,
 * negative when it is the older, 0 when they rank the same.
 */
export function compareSemver(a: SemverKey, b: SemverKey): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    a.revision - b.revision ||
    Number(a.prerelease === '') - Number(b.prerelease === '') ||
    (a.prerelease < b.prerelease ? -1 : a.prerelease > b.prerelease ? 1 : 0)
  );
}
