/**
 * Release names as Sentry parses and orders them: the `sentry-release-parser` crate's
 * `Release::parse` (`package@version`, a version of up to four numeric components with an
 * optional pre-release and `+build`, or a build hash) and the version precedence Relay's
 * `compare_version` gives Sentry (`src/sentry/models/groupresolution.py`,
 * `src/sentry/models/release.py` `is_semver_version`). Pure; shared by the web API (`versionInfo`)
 * and the metadata store (regressions of issues resolved in a release).
 */

/** Longest release name Sentry accepts (`MAX_VERSION_LENGTH`). */
export const MAX_RELEASE_LENGTH = 200;

const BAD_VERSION_CHARACTERS = /[\r\n\f\t/\\]/;

/**
 * Whether `version` may name a release: no line breaks, form feed, tab or slashes, and not
 * empty, `.`, `..` or `latest` (any case) once trimmed. Length is checked separately.
 */
export function isValidReleaseName(version: string): boolean {
  if (BAD_VERSION_CHARACTERS.test(version)) return false;
  const trimmed = version.trim();
  return trimmed !== '' && trimmed !== '.' && trimmed !== '..' && trimmed.toLowerCase() !== 'latest';
}

const PACKAGE_VERSION = /^(@?[^@]+)@(.+?)$/;
const VERSION =
  /^([0-9][0-9]*)(?:\.([0-9][0-9]*))?(?:\.([0-9][0-9]*))?(?:\.([0-9][0-9]*))?((?:-|[a-z])(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)?(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const HEX = /^[a-fA-F0-9]+$/;

/** A build hash: 12, 16, 20, 32, 40 or 64 hex digits. */
export function isBuildHash(text: string): boolean {
  return [12, 16, 20, 32, 40, 64].includes(text.length) && HEX.test(text);
}

/** The version part of a release, as the parser splits it (components as written). */
export interface ParsedVersion {
  /** Major, then minor, patch and revision when written. */
  quad: [string, string | undefined, string | undefined, string | undefined];
  /** Pre-release without its leading `-`; undefined when none. */
  pre: string | undefined;
  /** What follows `+`; undefined when none. */
  buildCode: string | undefined;
}

/** A parsed release name. */
export interface ParsedRelease {
  /** The trimmed name. */
  raw: string;
  /** The part before `@`, or null when the name has no package. */
  package: string | null;
  /** The part after `@` (the whole name without a package). */
  versionRaw: string;
  /** The parsed version, when there is a package and the version part parses (not a hash). */
  version: ParsedVersion | undefined;
}

/** Parses a version (`1.2.3-rc.1+45`); undefined when it is not one. */
export function parseVersion(raw: string): ParsedVersion | undefined {
  const m = VERSION.exec(raw);
  if (m === null) return undefined;
  const pre = m[5] === undefined || m[5] === '' ? undefined : m[5].replace(/^-/, '');
  return { quad: [m[1] ?? '0', m[2], m[3], m[4]], pre: pre === '' ? undefined : pre, buildCode: m[6] };
}

/**
 * `Release::parse`: the trimmed name split into package and version (only names with a package
 * get a parsed version, as in the crate). Undefined for a name the parser rejects (too long,
 * restricted, bad characters).
 */
export function parseRelease(name: string): ParsedRelease | undefined {
  const raw = name.trim();
  if (raw.length > MAX_RELEASE_LENGTH || !isValidReleaseName(raw)) return undefined;
  const split = PACKAGE_VERSION.exec(raw);
  if (split === null) return { raw, package: null, versionRaw: raw, version: undefined };
  const versionRaw = split[2] ?? raw;
  return {
    raw,
    package: split[1] ?? null,
    versionRaw,
    version: isBuildHash(versionRaw) ? undefined : parseVersion(versionRaw),
  };
}

const MAX_BIGINT = 2n ** 63n - 1n;

/**
 * Sentry's `Release.is_semver_version`: a valid name with a package whose version parses and
 * whose numeric components fit a signed 64-bit integer.
 */
export function isSemverRelease(name: string): boolean {
  if (!name.includes('@')) return false;
  const version = parseRelease(name)?.version;
  return version !== undefined && version.quad.every((c) => c === undefined || BigInt(c) <= MAX_BIGINT);
}

function comparePreIdentifiers(a: string, b: string): number {
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const x = left[i];
    const y = right[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xNumeric = /^[0-9]+$/.test(x);
    const yNumeric = /^[0-9]+$/.test(y);
    if (xNumeric && yNumeric) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
    } else if (xNumeric !== yNumeric) {
      return xNumeric ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/**
 * Precedence of two parsed versions, as Relay's `compare_version`: numeric major, minor, patch and
 * revision; then a version without a pre-release above one with; pre-releases by semver's
 * identifier rules. Build codes do not count. Returns -1, 0 or 1.
 */
export function compareVersions(a: ParsedVersion, b: ParsedVersion): -1 | 0 | 1 {
  for (let i = 0; i < 4; i++) {
    const d = BigInt(a.quad[i] ?? '0') - BigInt(b.quad[i] ?? '0');
    if (d !== 0n) return d < 0n ? -1 : 1;
  }
  if (a.pre === undefined || b.pre === undefined) {
    if (a.pre === b.pre) return 0;
    return a.pre === undefined ? 1 : -1;
  }
  const pre = comparePreIdentifiers(a.pre, b.pre);
  return pre === 0 ? 0 : pre < 0 ? -1 : 1;
}

/**
 * `compare_version` on two release names' version parts (`version_raw`): -1, 0 or 1, or
 * undefined when either does not parse as a version.
 */
export function compareReleaseVersions(a: string, b: string): -1 | 0 | 1 | undefined {
  const left = parseRelease(a);
  const right = parseRelease(b);
  const x = left && parseVersion(left.versionRaw);
  const y = right && parseVersion(right.versionRaw);
  return x === undefined || y === undefined ? undefined : compareVersions(x, y);
}
