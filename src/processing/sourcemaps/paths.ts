/**
 * Path and URL rules of JavaScript symbolication: joining a source map's `sources` to the URL
 * they are relative to, the module name and in-app flag of a resolved frame, and webpack's
 * filename clean-up. Ports of `symbolicator: crates/symbolicator-js/src/utils.rs`
 * (`join_paths`, `strip_hostname`, `generate_module`, `fixup_webpack_filename`) and of the
 * in-app rule of `sentry: src/sentry/lang/javascript/processing.py` (`is_in_app`, as its tests in
 * `tests/sentry/lang/javascript/test_processing.py` pin it down); reference/sentry-semantics.md §9.2.
 */

/**
 * Joins `right` (a source map reference or a `sources` entry) to `base` (the URL of the file it
 * is relative to), as Symbolicator does: `right` with a scheme (`://`) or `webpack:` is kept; a
 * leading `~` counts as the host root; `..` and `.` segments are resolved (`..` above an HTTP
 * root is dropped). A `base` without scheme is a file path. Never throws.
 */
export function joinPaths(base: string, right: string): string {
  if (right.includes('://') || right.startsWith('webpack:')) return right;
  const schemeEnd = base.indexOf('://');
  const scheme = schemeEnd === -1 ? 'file' : base.slice(0, schemeEnd);
  const rest = schemeEnd === -1 ? base : base.slice(schemeEnd + 3);
  const rel = right.startsWith('~') ? right.slice(1) : right;
  if (rel.startsWith('/')) {
    if (scheme === 'file') return rel;
    // A leading `//` skips the hostname.
    if (rel.startsWith('//')) return `${scheme}://${rel.slice(2)}`;
    const slash = rest.indexOf('/');
    const hostname = slash === -1 ? rest : rest.slice(0, slash);
    return `${scheme}://${hostname}${rel}`;
  }
  const left = rest.split('/');
  let start = 0;
  let out = '';
  if (scheme !== 'file') {
    out = `${scheme}://${left[0] ?? ''}`;
    start = 1;
  } else if (left[0] === '') {
    start = 1;
  }
  // The basename of `base` is dropped; `rest.split` always yields at least one segment.
  const segments = left.slice(start, Math.max(start, left.length - 1));
  const isHttp = scheme === 'http' || scheme === 'https';
  let first = true;
  for (const segment of rel.split('/')) {
    if (segment === '..' && (segments.pop() !== undefined || isHttp)) continue;
    if (segment === '.' && (isHttp || first)) continue;
    first = false;
    segments.push(segment);
  }
  for (const segment of segments) if (segment !== '') out += `/${segment}`;
  return out;
}

/** The path after the host (or after a leading `~`) with its leading `/`; other paths as they are. */
export function stripHostname(path: string): string {
  if (path.startsWith('~')) return path.slice(1);
  const schemeEnd = path.indexOf('://');
  if (schemeEnd === -1) return path;
  const rest = path.slice(schemeEnd + 3);
  const slash = rest.indexOf('/');
  return slash === -1 ? rest : rest.slice(slash);
}

// Symbolicator's `CLEAN_MODULE_RE` (case-insensitive, extended syntax written out): leading
// slashes and common folder prefixes, versions and hashes as path segments, or a trailing commitish.
const CLEAN_MODULE_RE =
  /^(?:\/|(?:(?:java)?scripts?|js|build|static|node_modules|bower_components|[_.~].*?|v?(?:\d+\.)*\d+|[a-f0-9]{7,8}|[a-f0-9]{32}|[a-f0-9]{40})\/)+|(?:[-.][a-f0-9]{7,}$)/gi;
const HEX = /^[0-9a-fA-F]*$/;

/**
 * A made-up module name for a URL or path (Symbolicator's `generate_module`): the path without
 * host, query, fragment, extension and `.min`, the part after a 32/40-character hash segment if
 * there is one, else without common folder prefixes and version segments. E.g.
 * `http://example.com/js/v1.0/foo/bar/baz.js` → `foo/bar/baz`.
 */
export function generateModule(absPath: string): string {
  let path = stripHostname(absPath);
  const cut = path.search(/[#?]/);
  if (cut !== -1) path = path.slice(0, cut);
  const lastDot = path.lastIndexOf('.');
  if (lastDot !== -1 && lastDot > path.lastIndexOf('/')) path = path.slice(0, lastDot);
  if (path.endsWith('.min')) path = path.slice(0, -4);
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    // Symbolicator's condition reads `len == 32 || (len == 40 && hex)`.
    if (segment.length === 32 || (segment.length === 40 && HEX.test(segment)))
      return segments.slice(i + 1).join('/');
  }
  return path.replace(CLEAN_MODULE_RE, '');
}

const WEBPACK_NAMESPACE_RE = /^webpack(-internal)?:\/\/[a-zA-Z0-9_\-@.]+\/\.\//;

/**
 * The filename of a `webpack:` source as Sentry shows it (Symbolicator's
 * `fixup_webpack_filename`): `webpack:///./src/App.jsx` → `./src/App.jsx`,
 * `webpack:///../node_modules/x.js` → `../node_modules/x.js`, `…/~/x` → `~/x`.
 */
export function fixupWebpackFilename(filename: string): string {
  const tilde = filename.indexOf('/~/');
  if (tilde !== -1) return `~/${filename.slice(tilde + 3)}`;
  if (WEBPACK_NAMESPACE_RE.test(filename)) return filename.replace(WEBPACK_NAMESPACE_RE, './');
  if (filename.startsWith('webpack:///')) return filename.slice('webpack:///'.length);
  if (filename.startsWith('webpack-internal:///')) return filename.slice('webpack-internal:///'.length);
  return filename;
}

const NODE_MODULES_RE = /\bnode_modules\//;

/**
 * The in-app flag of a resolved frame (Sentry's `is_in_app`): `webpack:` sources are in-app
 * unless under `~/` or `node_modules/`, `app:` sources unless under `node_modules/`; other
 * sources under `node_modules/` are not in-app; anything else is `undefined` (the SDK's flag stays).
 */
export function isInApp(absPath: string, filename: string): boolean | undefined {
  if (absPath.startsWith('webpack:')) return !filename.startsWith('~/') && !NODE_MODULES_RE.test(filename);
  if (absPath.startsWith('app:')) return !NODE_MODULES_RE.test(filename);
  if (NODE_MODULES_RE.test(filename)) return false;
  return undefined;
}

/** Matches Sentry's `NON_BUILTIN_PATH_REGEX`: `app:`, `webpack:`, a drive letter, or `/`. */
const NON_BUILTIN_PATH_RE = /^((app|webpack|[a-zA-Z]):|\/)/;

/** A Node built-in module frame (`node:internal/...`, `events.js`) of a `node` event (Sentry's `_is_built_in`). */
export function isNodeBuiltIn(absPath: string, platform: unknown): boolean {
  return platform === 'node' && !NON_BUILTIN_PATH_RE.test(absPath);
}

/** A frame of native code (`native`, `[native code]`; Sentry's `_is_native_frame`). */
export function isNativeFrame(absPath: string): boolean {
  return absPath === 'native' || absPath === '[native code]';
}

/**
 * Whether a missing file at `absPath` is not worth an error: third-party code under
 * `node_modules` and browser extensions rarely have uploaded artifacts (Sentry's
 * `should_skip_missing_source_error`).
 */
export function skipsMissingSourceError(absPath: string): boolean {
  return absPath.includes('node_modules') || absPath.startsWith('chrome-extension:');
}
