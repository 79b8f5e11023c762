/**
 * The legacy "data scrubbing" project settings (`config.datascrubbingSettings`), the project's
 * advanced PII config (`config.piiConfig`) and their compiled form. Follows
 * `relay-pii/src/legacy.rs` and `relay-pii/src/convert.rs` (reference/relay-protocol.md §9.1)
 * and `relay-pii/src/config.rs` (§9.3).
 */
import { compilePiiConfig, parsePiiConfig, type CompiledPiiConfig } from './pii-config.js';
import { COMMON_FILTER, IP_REPLACE, sensitiveFieldsRule, type Rule } from './rules.js';
import { parseSafeField, type Selector } from './selectors.js';

/** A project's data scrubbing settings (camelCase, as in Sentry's project config). */
export interface DataScrubbingSettings {
  /** Master switch for server-side scrubbing. Default `true`. */
  scrubData: boolean;
  /** Apply the default rules (`@common:filter`, sensitive cookies, replace-only rules). Default `true`. */
  scrubDefaults: boolean;
  /** Extra key names whose values are replaced with `[Filtered]` (case-insensitive substring match). */
  sensitiveFields: string[];
  /** "Safe fields": selectors (or plain keys) the general rules never touch. */
  excludeFields: string[];
  /** Remove known IP fields and replace IP-looking strings with `[ip]`. Default `false`. */
  scrubIpAddresses: boolean;
  /**
   * The project's advanced PII config (`config.piiConfig` beside `datascrubbingSettings` in
   * Relay's project config; its JSON object, or the JSON text Sentry stores). Carried here so
   * that every caller that scrubs applies both, in Relay's order: this config first, then the
   * settings above. Applies even when `scrubData` is off. Treated as immutable once used.
   * Invalid parts are skipped (validate with `parsePiiConfig` when the config is saved).
   */
  piiConfig?: unknown;
}

/** Sentry's defaults for a new project. */
export const DEFAULT_DATA_SCRUBBING: Readonly<DataScrubbingSettings> = Object.freeze({
  scrubData: true,
  scrubDefaults: true,
  sensitiveFields: [],
  excludeFields: [],
  scrubIpAddresses: false,
});

/** The settings turned into what the scrubber applies (Relay's `to_pii_config`). */
export interface CompiledScrubbing {
  /** The compiled advanced PII config, applied first; `undefined` when there is none. */
  advanced: CompiledPiiConfig | undefined;
  /** Whether the legacy settings do anything (Relay's `to_pii_config` returning a config). */
  legacy: boolean;
  /** Rules for all pii-marked values (minus ignored paths and safe fields). */
  general: readonly Rule[];
  /** Safe-field selectors. */
  exclusions: readonly Selector[];
  /** `@anything:remove` on the known IP fields. */
  removeKnownIps: boolean;
  /** Replace-only rules on `$logentry.formatted` and gen-AI span data. */
  replaceOnly: boolean;
  /** `@anything:filter` on sensitive cookies. */
  sensitiveCookies: boolean;
}

const cache = new Map<string, CompiledScrubbing | undefined>();
const CACHE_LIMIT = 256;

/** What a settings object held when it was compiled, to notice later changes to it. */
interface Compiled {
  scrubData: boolean;
  scrubDefaults: boolean;
  scrubIpAddresses: boolean;
  sensitiveFields: readonly string[] | undefined;
  excludeFields: readonly string[] | undefined;
  piiConfig: unknown;
  result: CompiledScrubbing | undefined;
}

/** The last compilation per settings object (projects reuse theirs for every event). */
const bySettings = new WeakMap<DataScrubbingSettings, Compiled>();

/** A copy of a list setting (anything else is kept as is: compiling either rejects or ignores it). */
function snapshot(list: readonly string[] | undefined): readonly string[] | undefined {
  return Array.isArray(list) ? [...list] : list;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) return a === b;
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/**
 * Compiles settings; `undefined` means "nothing to do" (no advanced rules, scrubbing off and IP
 * scrubbing off: Relay's `to_pii_config` returning `None`). Results are memoized per distinct settings, and
 * per settings object: a reused object skips building the memo key, after checking that its
 * fields (and list items) still hold what they held when it was compiled.
 */
export function compileScrubbing(settings: DataScrubbingSettings): CompiledScrubbing | undefined {
  const previous = bySettings.get(settings);
  if (
    previous &&
    previous.scrubData === settings.scrubData &&
    previous.scrubDefaults === settings.scrubDefaults &&
    previous.scrubIpAddresses === settings.scrubIpAddresses &&
    sameList(previous.sensitiveFields, settings.sensitiveFields) &&
    sameList(previous.excludeFields, settings.excludeFields) &&
    previous.piiConfig === settings.piiConfig
  ) {
    return previous.result;
  }
  const result = compileDistinct(settings);
  bySettings.set(settings, {
    scrubData: settings.scrubData,
    scrubDefaults: settings.scrubDefaults,
    scrubIpAddresses: settings.scrubIpAddresses,
    sensitiveFields: snapshot(settings.sensitiveFields),
    excludeFields: snapshot(settings.excludeFields),
    piiConfig: settings.piiConfig,
    result,
  });
  return result;
}

/** Compiles settings, memoized per distinct values. */
function compileDistinct(settings: DataScrubbingSettings): CompiledScrubbing | undefined {
  const cacheKey = JSON.stringify([
    settings.scrubData,
    settings.scrubDefaults,
    settings.scrubIpAddresses,
    settings.sensitiveFields,
    settings.excludeFields,
    typeof settings.piiConfig === 'string' ? settings.piiConfig : (settings.piiConfig ?? null),
  ]);
  if (cache.has(cacheKey)) return cache.get(cacheKey);
  const advanced = compileAdvanced(settings.piiConfig);

  const defaults = settings.scrubData && settings.scrubDefaults;
  const general: Rule[] = [];
  if (defaults) general.push(...COMMON_FILTER);
  if (settings.scrubIpAddresses) general.push(IP_REPLACE);
  if (settings.scrubData) {
    const stripFields = sensitiveFieldsRule(settings.sensitiveFields ?? []);
    if (stripFields) general.push(stripFields);
  }

  let compiled: CompiledScrubbing | undefined;
  const legacy = general.length > 0 || defaults || settings.scrubIpAddresses;
  if (legacy || advanced) {
    compiled = {
      advanced,
      legacy,
      general,
      exclusions: (settings.excludeFields ?? [])
        .map((field) => field.trim())
        .filter((field) => field !== '')
        .map(parseSafeField),
      removeKnownIps: settings.scrubIpAddresses,
      replaceOnly: defaults,
      sensitiveCookies: defaults,
    };
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(cacheKey, compiled);
  return compiled;
}

/** Compiles the usable parts of a PII config; `undefined` when it applies no rule anywhere. */
function compileAdvanced(piiConfig: unknown): CompiledPiiConfig | undefined {
  if (piiConfig === undefined || piiConfig === null) return undefined;
  const compiled = compilePiiConfig(parsePiiConfig(piiConfig).config);
  return compiled.applications.length > 0 ? compiled : undefined;
}
