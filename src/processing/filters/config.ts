/**
 * Inbound filter settings: Relay's project config `config.filterSettings` (camelCase JSON) and
 * its validation.
 *
 * Follows `relay-filter/src/config.rs` (`ProjectFiltersConfig`, `LegacyBrowser`,
 * `GenericFiltersConfig`) and reference/relay-protocol.md §10. Which keys are required mirrors
 * Relay's serde rules (e.g. `localhost` without `isEnabled` is an error, `ignoreTransactions`
 * without `isEnabled` is disabled); what Relay tolerates silently (unknown keys, unknown legacy
 * browser options, invalid globs or IPs, duplicate or unsupported generic filters) is accepted
 * with a warning, so an API can show it.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { parseRuleCondition, type RuleCondition } from './condition.js';
import { globError } from './glob.js';
import { parseIpNetwork } from './ip-network.js';

/** `{isEnabled}` of the boolean filters (`localhost`, `browserExtensions`, `webCrawlers`). */
export interface ToggleFilterConfig {
  isEnabled: boolean;
}

/**
 * Options of the legacy browser filter (Relay's `LegacyBrowser`). The `*_pre_*`, `ie9`–`ie11`
 * and `default` options are Sentry's deprecated ones; the per-browser keys are the current ones.
 * Unknown options are kept and never match (Relay's `Unknown`).
 */
export const LEGACY_BROWSER_OPTIONS = [
  'default',
  'ie_pre_9',
  'ie9',
  'ie10',
  'ie11',
  'opera_pre_15',
  'opera_mini_pre_8',
  'android_pre_4',
  'safari_pre_6',
  'edge_pre_79',
  'ie',
  'safari',
  'safari_mobile',
  'opera',
  'opera_mobile',
  'opera_mini',
  'android',
  'firefox',
  'firefox_mobile',
  'chrome',
  'chrome_mobile',
  'edge',
  'edge_mobile',
] as const;

/** One of {@link LEGACY_BROWSER_OPTIONS}. */
export type LegacyBrowserOption = (typeof LEGACY_BROWSER_OPTIONS)[number];

/** `legacyBrowsers`: active when `isEnabled` and at least one option is set. */
export interface LegacyBrowsersFilterConfig {
  isEnabled: boolean;
  /** Option keys ({@link LEGACY_BROWSER_OPTIONS} or unknown strings), de-duplicated. */
  options: string[];
}

/** `ignoreTransactions`: active when `isEnabled` and `patterns` is not empty. */
export interface IgnoreTransactionsFilterConfig {
  patterns: string[];
  isEnabled: boolean;
}

/** One generic filter: dropped items get `id` as their stat key. */
export interface GenericFilterConfig {
  id: string;
  isEnabled: boolean;
  /**
   * The condition; `undefined` makes a project entry a flag that enables (or, disabled,
   * suppresses) the global filter of the same id.
   */
  condition?: RuleCondition;
  /** The condition as configured (JSON), for echoing the settings back. */
  conditionJson?: JsonValue;
}

/** `generic`: versioned list of generic filters (Relay supports version ≤ 1). */
export interface GenericFiltersConfig {
  version: number;
  /** Unique by `id`, in configuration order (the first of duplicates wins). */
  filters: GenericFilterConfig[];
}

/**
 * The normalized `filterSettings`: every filter present, defaults filled. Pattern lists are
 * the strings as configured (invalid ones kept, as Relay keeps them, and never matching).
 */
export interface FilterSettings {
  browserExtensions: ToggleFilterConfig;
  clientIps: { blacklistedIps: string[] };
  webCrawlers: ToggleFilterConfig;
  csp: { disallowedSources: string[] };
  errorMessages: { patterns: string[] };
  legacyBrowsers: LegacyBrowsersFilterConfig;
  localhost: ToggleFilterConfig;
  releases: { releases: string[] };
  ignoreTransactions: IgnoreTransactionsFilterConfig;
  generic: GenericFiltersConfig;
}

/** The highest `generic.version` Relay applies (`MAX_SUPPORTED_VERSION`). */
export const MAX_GENERIC_FILTERS_VERSION = 1;

/**
 * Sentry's default health-check transaction globs (`HEALTH_CHECK_GLOBS` in
 * `src/sentry/constants.py`), which Sentry sends as `ignoreTransactions.patterns` when the
 * "health check" filter is on (the default for new projects).
 */
export const HEALTH_CHECK_GLOBS: readonly string[] = Object.freeze([
  '*healthcheck*',
  '*heartbeat*',
  '*/health',
  '*/healthy',
  '*/healthz',
  '*/live',
  '*/livez',
  '*/ready',
  '*/readyz',
  '*/ping',
]);

/**
 * Sentry's default CSP sources to ignore (`DEFAULT_DISALLOWED_SOURCES` in
 * `src/sentry/interfaces/security.py`): browser-extension schemes and known injected hosts.
 * Sentry sends them as `csp.disallowedSources` when the project option
 * `sentry:csp_ignored_sources_defaults` is on (the default), followed by the project's own
 * `sentry:csp_ignored_sources` lines.
 */
export const CSP_DEFAULT_DISALLOWED_SOURCES: readonly string[] = Object.freeze([
  'about',
  'ms-browser-extension',
  'chrome://*',
  'chrome-extension://*',
  'chromeinvokeimmediate://*',
  'chromenull://*',
  'data:text/html,chromewebdata',
  'safari-extension://*',
  'mxaddon-pkg://*',
  'jar://*',
  'webviewprogressproxy://*',
  'ms-browser-extension://*',
  'tmtbff://*',
  'mbinit://*',
  'symres://*',
  'resource://*',
  'moz-extension://*',
  '*.metrext.com',
  'static.image2play.com',
  '*.tlscdn.com',
  '73a5b0806e464be8bd4e694c744624f0.com',
  '020dfefc4ac745dab7594f2f771c1ded.com',
  '*.superfish.com',
  'addons.mozilla.org',
  'v.zilionfast.in',
  'widgets.amung.us',
  'xls.searchfun.in',
  'istatic.datafastguru.info',
  'localhost',
  'resultshub-a.akamaihd.net',
  'pulseadnetwork.com',
  'gateway.zscalertwo.net',
  'www.passpack.com',
  'middlerush-a.akamaihd.net',
  'www.websmartcenter.com',
  'a.linkluster.com',
  'saveyoutime.ru',
  'cdncache-a.akamaihd.net',
  'x.rafomedia.com',
  'savingsslider-a.akamaihd.net',
  'injections.adguard.com',
  'icontent.us',
  'amiok.org',
  'connectionstrenth.com',
  'siteheart.net',
  'netanalitics.space',
  'printapplink.com',
  'godlinkapp.com',
  'devappstor.com',
  'hoholikik.club',
  'smartlink.cool',
  'promfflinkdev.com',
]);

/**
 * `csp.disallowedSources` as Sentry builds it from the project options: the defaults (unless
 * turned off) followed by the custom sources, one per line, blank lines skipped.
 */
export function cspDisallowedSources(useDefaults: boolean, customSources: string): string[] {
  const custom = customSources
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return [...(useDefaults ? CSP_DEFAULT_DISALLOWED_SOURCES : []), ...custom];
}

/** Settings with every filter off (what `{}` parses to). */
export function defaultFilterSettings(): FilterSettings {
  return {
    browserExtensions: { isEnabled: false },
    clientIps: { blacklistedIps: [] },
    webCrawlers: { isEnabled: false },
    csp: { disallowedSources: [] },
    errorMessages: { patterns: [] },
    legacyBrowsers: { isEnabled: false, options: [] },
    localhost: { isEnabled: false },
    releases: { releases: [] },
    ignoreTransactions: { patterns: [], isEnabled: false },
    generic: { version: 0, filters: [] },
  };
}

/** `ignoreTransactions` as Sentry configures its health-check filter. */
export function healthCheckFilter(): IgnoreTransactionsFilterConfig {
  return { patterns: [...HEALTH_CHECK_GLOBS], isEnabled: true };
}

/** Result of {@link parseFilterSettings}. */
export type FilterSettingsResult =
  | { ok: true; settings: FilterSettings; warnings: string[] }
  | { ok: false; errors: string[]; warnings: string[] };

const KNOWN_KEYS = new Set([
  'browserExtensions',
  'clientIps',
  'webCrawlers',
  'csp',
  'errorMessages',
  'legacyBrowsers',
  'localhost',
  'releases',
  'ignoreTransactions',
  'generic',
]);

const KNOWN_LEGACY_OPTIONS: ReadonlySet<string> = new Set(LEGACY_BROWSER_OPTIONS);

/** Collects problems with JSON paths rooted at `filterSettings`. */
class Issues {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];

  object(value: JsonValue | undefined, path: string): JsonObject | undefined {
    if (isJsonObject(value)) return value;
    this.errors.push(`${path}: expected an object`);
    return undefined;
  }

  bool(obj: JsonObject, key: string, path: string, required: boolean): boolean {
    const value = obj[key];
    if (typeof value === 'boolean') return value;
    if (value === undefined && !required) return false;
    this.errors.push(`${path}.${key}: ${value === undefined ? 'required' : 'expected'} boolean`);
    return false;
  }

  strings(obj: JsonObject, key: string, path: string, required: boolean): string[] {
    const value = obj[key];
    if (value === undefined && !required) return [];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...(value as string[])];
    this.errors.push(`${path}.${key}: ${value === undefined ? 'required' : 'expected'} list of strings`);
    return [];
  }

  warnUnknown(obj: JsonObject, known: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) this.warnings.push(`${path}.${key}: unknown field (ignored)`);
    }
  }
}

function parseToggle(raw: JsonValue | undefined, path: string, issues: Issues): ToggleFilterConfig {
  const obj = issues.object(raw, path);
  if (!obj) return { isEnabled: false };
  issues.warnUnknown(obj, ['isEnabled'], path);
  return { isEnabled: issues.bool(obj, 'isEnabled', path, true) };
}

function checkGlobs(patterns: string[], path: string, issues: Issues): void {
  patterns.forEach((pattern, i) => {
    const error = globError(pattern);
    if (error !== undefined) issues.warnings.push(`${path}[${i}]: ${error} (never matches)`);
  });
}

function parseGeneric(raw: JsonValue | undefined, path: string, issues: Issues): GenericFiltersConfig {
  const obj = issues.object(raw, path);
  if (!obj) return { version: 0, filters: [] };
  issues.warnUnknown(obj, ['version', 'filters'], path);
  const version = obj.version;
  let parsedVersion = 0;
  if (typeof version === 'number' && Number.isInteger(version) && version >= 0 && version <= 0xffff) {
    parsedVersion = version;
    if (version > MAX_GENERIC_FILTERS_VERSION) {
      issues.warnings.push(
        `${path}.version: ${version} is newer than the supported ${MAX_GENERIC_FILTERS_VERSION}; generic filters are not applied`,
      );
    }
  } else {
    issues.errors.push(`${path}.version: ${version === undefined ? 'required' : 'expected'} integer 0-65535`);
  }
  const filters: GenericFilterConfig[] = [];
  if (!Array.isArray(obj.filters)) {
    issues.errors.push(
      `${path}.filters: ${obj.filters === undefined ? 'required' : 'expected'} list of filters`,
    );
    return { version: parsedVersion, filters };
  }
  const seen = new Set<string>();
  obj.filters.forEach((entry, i) => {
    const at = `${path}.filters[${i}]`;
    const filter = issues.object(entry, at);
    if (!filter) return;
    issues.warnUnknown(filter, ['id', 'isEnabled', 'condition'], at);
    if (typeof filter.id !== 'string') {
      issues.errors.push(`${at}.id: ${filter.id === undefined ? 'required' : 'expected'} string`);
      return;
    }
    const isEnabled = issues.bool(filter, 'isEnabled', at, true);
    let condition: RuleCondition | undefined;
    if (filter.condition !== undefined && filter.condition !== null) {
      condition = parseRuleCondition(filter.condition, `${at}.condition`, issues);
    }
    if (seen.has(filter.id)) {
      issues.warnings.push(`${at}.id: duplicate filter "${filter.id}" (the first one wins)`);
      return;
    }
    seen.add(filter.id);
    filters.push(
      condition === undefined
        ? { id: filter.id, isEnabled }
        : { id: filter.id, isEnabled, condition, conditionJson: filter.condition },
    );
  });
  return { version: parsedVersion, filters };
}

/**
 * Parses and validates a `filterSettings` JSON value (`undefined`/`null` = all filters off).
 * Errors name the offending path (e.g. `filterSettings.localhost.isEnabled: required boolean`);
 * warnings list what Relay would silently ignore.
 */
export function parseFilterSettings(raw: JsonValue | undefined): FilterSettingsResult {
  const issues = new Issues();
  const settings = defaultFilterSettings();
  const root = 'filterSettings';
  if (raw === undefined || raw === null) return { ok: true, settings, warnings: [] };
  const obj = issues.object(raw, root);
  if (!obj) return { ok: false, errors: issues.errors, warnings: issues.warnings };

  for (const key of Object.keys(obj)) {
    if (!KNOWN_KEYS.has(key)) issues.warnings.push(`${root}.${key}: unknown filter (ignored)`);
  }
  const at = (key: string): string => `${root}.${key}`;

  if (obj.localhost !== undefined) settings.localhost = parseToggle(obj.localhost, at('localhost'), issues);
  if (obj.browserExtensions !== undefined) {
    settings.browserExtensions = parseToggle(obj.browserExtensions, at('browserExtensions'), issues);
  }
  if (obj.webCrawlers !== undefined)
    settings.webCrawlers = parseToggle(obj.webCrawlers, at('webCrawlers'), issues);

  if (obj.legacyBrowsers !== undefined) {
    const path = at('legacyBrowsers');
    const lb = issues.object(obj.legacyBrowsers, path);
    if (lb) {
      issues.warnUnknown(lb, ['isEnabled', 'options'], path);
      const options = [...new Set(issues.strings(lb, 'options', path, false))];
      for (const option of options) {
        if (!KNOWN_LEGACY_OPTIONS.has(option)) {
          issues.warnings.push(`${path}.options: unknown browser option "${option}" (never matches)`);
        }
      }
      settings.legacyBrowsers = { isEnabled: issues.bool(lb, 'isEnabled', path, true), options };
    }
  }

  if (obj.errorMessages !== undefined) {
    const path = at('errorMessages');
    const em = issues.object(obj.errorMessages, path);
    if (em) {
      issues.warnUnknown(em, ['patterns'], path);
      const patterns = issues.strings(em, 'patterns', path, true);
      checkGlobs(patterns, `${path}.patterns`, issues);
      settings.errorMessages = { patterns };
    }
  }

  if (obj.releases !== undefined) {
    const path = at('releases');
    const rel = issues.object(obj.releases, path);
    if (rel) {
      issues.warnUnknown(rel, ['releases'], path);
      const releases = issues.strings(rel, 'releases', path, true);
      checkGlobs(releases, `${path}.releases`, issues);
      settings.releases = { releases };
    }
  }

  if (obj.ignoreTransactions !== undefined) {
    const path = at('ignoreTransactions');
    const it = issues.object(obj.ignoreTransactions, path);
    if (it) {
      issues.warnUnknown(it, ['patterns', 'isEnabled'], path);
      const patterns = issues.strings(it, 'patterns', path, true);
      checkGlobs(patterns, `${path}.patterns`, issues);
      settings.ignoreTransactions = { patterns, isEnabled: issues.bool(it, 'isEnabled', path, false) };
    }
  }

  if (obj.clientIps !== undefined) {
    const path = at('clientIps');
    const ci = issues.object(obj.clientIps, path);
    if (ci) {
      issues.warnUnknown(ci, ['blacklistedIps'], path);
      const ips = issues.strings(ci, 'blacklistedIps', path, true);
      ips.forEach((ip, i) => {
        if (!parseIpNetwork(ip)) {
          issues.warnings.push(
            `${path}.blacklistedIps[${i}]: "${ip}" is not an IP address or CIDR range (ignored)`,
          );
        }
      });
      settings.clientIps = { blacklistedIps: ips };
    }
  }

  if (obj.csp !== undefined) {
    const path = at('csp');
    const csp = issues.object(obj.csp, path);
    if (csp) {
      issues.warnUnknown(csp, ['disallowedSources'], path);
      settings.csp = { disallowedSources: issues.strings(csp, 'disallowedSources', path, true) };
    }
  }

  if (obj.generic !== undefined) settings.generic = parseGeneric(obj.generic, at('generic'), issues);

  if (issues.errors.length > 0) return { ok: false, errors: issues.errors, warnings: issues.warnings };
  return { ok: true, settings, warnings: issues.warnings };
}

/** Parses the `generic` part of Relay's global config (`filters`), same rules as above. */
export function parseGenericFilters(
  raw: JsonValue | undefined,
):
  | { ok: true; generic: GenericFiltersConfig; warnings: string[] }
  | { ok: false; errors: string[]; warnings: string[] } {
  const issues = new Issues();
  const generic = parseGeneric(raw, 'filters', issues);
  if (issues.errors.length > 0) return { ok: false, errors: issues.errors, warnings: issues.warnings };
  return { ok: true, generic, warnings: issues.warnings };
}
