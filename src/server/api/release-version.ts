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
