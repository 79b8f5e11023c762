/**
 * The legacy "data scrubbing" project settings (`config.datascrubbingSettings`) and their
 * compiled form. Follows `relay-pii/src/legacy.rs` and `relay-pii/src/convert.rs`
 * (reference/relay-protocol.md §9.1).
 */
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
 * Compiles settings; `undefined` means "nothing to do" (scrubbing off and IP scrubbing off,
 * Relay's `to_pii_config` returning `None`). Results are memoized per distinct settings, and
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
    sameList(previous.excludeFields, settings.excludeFields)
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
  ]);
  if (cache.has(cacheKey)) return cache.get(cacheKey);

  const defaults = settings.scrubData && settings.scrubDefaults;
  const general: Rule[] = [];
  if (defaults) general.push(...COMMON_FILTER);
  if (settings.scrubIpAddresses) general.push(IP_REPLACE);
  if (settings.scrubData) {
    const stripFields = sensitiveFieldsRule(settings.sensitiveFields ?? []);
    if (stripFields) general.push(stripFields);
  }

  let compiled: CompiledScrubbing | undefined;
  if (general.length > 0 || defaults || settings.scrubIpAddresses) {
    compiled = {
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
