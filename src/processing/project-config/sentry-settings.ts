/**
 * Sentry's project settings (inbound filter states, data scrubbing fields, filter options) read
 * from and written onto the Relay-shaped project config JSON, the way Sentry's relay config
 * builder turns its project options into that JSON:
 * - filters: `src/sentry/ingest/inbound_filters.py` (`get_all_filter_specs`, `set_filter_state`,
 *   `get_filter_state`) and `get_filter_settings` / `_filter_option_to_config_setting` in
 *   `src/sentry/relay/config/__init__.py` (a disabled filter is left out of `filterSettings`;
 *   legacy browsers `"1"` → `options: ["default"]`, a subfilter list → the sorted list; the
 *   health-check filter → `ignoreTransactions` with `HEALTH_CHECK_GLOBS`);
 * - data scrubbing: `get_datascrubbing_settings` and `get_pii_config` in
 *   `src/sentry/datascrubbing.py` (all five `datascrubbingSettings` keys; the project's
 *   `relayPiiConfig` merged under the prefix `project:`);
 * - options `filters:blacklisted_ips`, `filters:releases`, `filters:error_messages`:
 *   `ProjectDetailsEndpoint.put` (`clean_newline_inputs`) → `clientIps.blacklistedIps`,
 *   `releases.releases`, `errorMessages.patterns`;
 * - allowed domains: the `allowedDomains` field and the `sentry:origins` option
 *   (`ProjectAdminSerializer`'s `OriginField`, `ProjectDetailsEndpoint.put`) → `allowedDomains`
 *   as `get_origins` in `src/sentry/utils/http.py` hands them to Relay;
 * - new projects: `set_default_inbound_filters` (`src/sentry/ingest/inbound_filters.py` callers).
 * Pure: every function returns a new object and leaves its input alone.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import {
  HEALTH_CHECK_GLOBS,
  defaultFilterSettings,
  parseFilterSettings,
  type FilterSettings,
} from '../filters/config.js';
import { parseSelectorOrThrow } from '../pii/selectors.js';
import { DEFAULT_ALLOWED_DOMAINS } from './config.js';
import { DEFAULT_DATA_SCRUBBING } from '../pii/settings.js';

/** The `filterSettings` keys of the filters Sentry's filter endpoints manage. */
export type InboundFilterKey =
  'localhost' | 'browserExtensions' | 'legacyBrowsers' | 'webCrawlers' | 'ignoreTransactions';

/** One filter of Sentry's `get_all_filter_specs`: its API id, config key and texts. */
export interface InboundFilterSpec {
  /** The id in the filter endpoints' paths and in `filtered` outcomes (`web-crawlers`). */
  id: string;
  /** Its key in `filterSettings`. */
  configKey: InboundFilterKey;
  name: string;
  description: string;
}

/** Sentry's filters, in Sentry's order (`_FilterSpec` instances of `inbound_filters.py`). */
export const INBOUND_FILTER_SPECS: readonly InboundFilterSpec[] = Object.freeze([
  {
    id: 'localhost',
    configKey: 'localhost',
    name: 'Filter out events coming from localhost',
    description: 'This applies to both IPv4 (``127.0.0.1``) and IPv6 (``::1``) addresses.',
  },
  {
    id: 'browser-extensions',
    configKey: 'browserExtensions',
    name: 'Filter out errors known to be caused by browser extensions',
    description: 'Certain browser extensions will inject inline scripts and are known to cause errors.',
  },
  {
    id: 'legacy-browsers',
    configKey: 'legacyBrowsers',
    name: 'Filter out known errors from legacy browsers',
    description:
      'Older browsers often give less accurate information, and while they may report valid issues, ' +
      'the context to understand them is incorrect or missing.',
  },
  {
    id: 'web-crawlers',
    configKey: 'webCrawlers',
    name: 'Filter out known web crawlers',
    description:
      'Some crawlers may execute pages in incompatible ways which then cause errors that' +
      ' are unlikely to be seen by a normal user.',
  },
  {
    id: 'filtered-transaction',
    configKey: 'ignoreTransactions',
    name: 'Filter out health check transactions',
    description: 'Filter transactions that match most common naming patterns for health checks.',
  },
]);

/** The spec of filter `id`, or `undefined` for an id Sentry does not know. */
export function inboundFilterSpec(id: string): InboundFilterSpec | undefined {
  return INBOUND_FILTER_SPECS.find((spec) => spec.id === id);
}

/**
 * The `subfilters` Sentry's `_LegacyBrowserFilterSerializer` accepts (current per-browser ones,
 * then the deprecated ones).
 */
export const LEGACY_BROWSER_SUBFILTERS: readonly string[] = Object.freeze([
  'ie',
  'edge',
  'safari',
  'firefox',
  'chrome',
  'opera',
  'android',
  'opera_mini',
  'ie_pre_9',
  'ie9',
  'ie10',
  'ie11',
  'opera_pre_15',
  'android_pre_4',
  'safari_pre_6',
  'opera_mini_pre_8',
  'edge_pre_79',
]);

/**
 * A filter's state as Sentry's API shows it: on/off, or for `legacy-browsers` the sorted list of
 * active subfilters (`true` means the old `default` set).
 */
export type InboundFilterState = boolean | string[];

/** A state change as Sentry's `PUT .../filters/{id}/` takes it (validated). */
export interface InboundFilterUpdate {
  active?: boolean;
  /** Only for `legacy-browsers`. */
  subfilters?: string[];
}

/** The normalized filter settings of a config JSON (all off when they do not parse). */
function filterSettingsOf(json: JsonObject): FilterSettings {
  const parsed = parseFilterSettings(json.filterSettings);
  return parsed.ok ? parsed.settings : defaultFilterSettings();
}

/** Sentry's `get_filter_state` for the filter of `spec`, read off a config JSON. */
export function inboundFilterState(json: JsonObject, spec: InboundFilterSpec): InboundFilterState {
  const settings = filterSettingsOf(json);
  switch (spec.configKey) {
    case 'legacyBrowsers': {
      const { isEnabled, options } = settings.legacyBrowsers;
      if (!isEnabled || options.length === 0) return false;
      if (options.length === 1 && options[0] === 'default') return true;
      return [...options].sort();
    }
    case 'ignoreTransactions':
      return settings.ignoreTransactions.isEnabled && settings.ignoreTransactions.patterns.length > 0;
    default:
      return settings[spec.configKey].isEnabled;
  }
}

/** `filterSettings` of `json` as an object to edit (a copy). */
function editableFilterSettings(json: JsonObject): JsonObject {
  return isJsonObject(json.filterSettings) ? { ...json.filterSettings } : {};
}

/** `json` with `filterSettings` replaced (dropped when empty). */
function withFilterSettings(json: JsonObject, filterSettings: JsonObject): JsonObject {
  const { filterSettings: _old, ...rest } = json;
  return Object.keys(filterSettings).length > 0 ? { ...rest, filterSettings } : rest;
}

/**
 * `json` with the filter of `spec` set as Sentry's `set_filter_state` stores it and its relay
 * config builder emits it: a boolean filter is on when `update.active` is true (absent = off, as
 * in Sentry); `legacy-browsers` takes `active` (`true` = the `default` set) or else a non-empty
 * `subfilters` list (sorted, de-duplicated), anything else turns it off; the health-check filter
 * becomes `ignoreTransactions` with {@link HEALTH_CHECK_GLOBS}. A filter turned off is removed
 * from `filterSettings` (Relay's default is off).
 */
export function withInboundFilterState(
  json: JsonObject,
  spec: InboundFilterSpec,
  update: InboundFilterUpdate,
): JsonObject {
  const filterSettings = editableFilterSettings(json);
  let setting: JsonObject | undefined;
  if (spec.configKey === 'legacyBrowsers') {
    if (update.active !== undefined) {
      setting = update.active ? { isEnabled: true, options: ['default'] } : undefined;
    } else if (update.subfilters !== undefined && update.subfilters.length > 0) {
      setting = { isEnabled: true, options: [...new Set(update.subfilters)].sort() };
    }
  } else if (update.active === true) {
    setting =
      spec.configKey === 'ignoreTransactions'
        ? { patterns: [...HEALTH_CHECK_GLOBS], isEnabled: true }
        : { isEnabled: true };
  }
  if (setting === undefined) delete filterSettings[spec.configKey];
  else filterSettings[spec.configKey] = setting;
  return withFilterSettings(json, filterSettings);
}

/** Django REST framework's `BooleanField` inputs (`to_internal_value`). */
const DRF_TRUE = new Set<JsonValue>([
  't',
  'T',
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  '1',
  1,
  true,
]);
const DRF_FALSE = new Set<JsonValue>([
  'f',
  'F',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  '0',
  0,
  0.0,
  false,
]);

/** A value as DRF's `BooleanField` reads it, or `undefined` when it is not a valid boolean. */
export function drfBoolean(value: JsonValue | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (DRF_TRUE.has(value)) return true;
  if (DRF_FALSE.has(value)) return false;
  return undefined;
}

/**
 * Field errors in DRF's shape: `{field: [message, ...]}`, or for a list field whose items failed
 * `{field: {index: [message, ...]}}` (`ListField.run_child_validation`).
 */
export type FieldErrors = Record<string, string[] | Record<string, string[]>>;

/**
 * Validates the body of Sentry's `PUT .../filters/{id}/` (`_FilterSerializer`, or
 * `_LegacyBrowserFilterSerializer` for `legacy-browsers`; partial, unknown fields ignored).
 */
export function parseInboundFilterUpdate(
  spec: InboundFilterSpec,
  body: unknown,
): { ok: true; update: InboundFilterUpdate } | { ok: false; errors: FieldErrors } {
  const data = isJsonObject(body) ? body : {};
  const errors: FieldErrors = {};
  const update: InboundFilterUpdate = {};
  if (data.active !== undefined) {
    const active = drfBoolean(data.active);
    if (active === undefined) errors.active = ['Must be a valid boolean.'];
    else update.active = active;
  }
  if (spec.configKey === 'legacyBrowsers' && data.subfilters !== undefined) {
    const raw = data.subfilters;
    if (typeof raw === 'string' || !Array.isArray(raw)) {
      errors.subfilters = [`Expected a list of items but got type "${pythonTypeName(raw)}".`];
    } else {
      const invalid = raw.find((v) => typeof v !== 'string' || !LEGACY_BROWSER_SUBFILTERS.includes(v));
      if (invalid !== undefined) errors.subfilters = [`"${String(invalid)}" is not a valid choice.`];
      else update.subfilters = raw as string[];
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, update };
}

/** Python's type name of a JSON value, for DRF's messages (`str`, `int`, `list`, `dict`...). */
export function pythonTypeName(value: JsonValue | null): string {
  if (value === null) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return Array.isArray(value) ? 'list' : 'dict';
}

/**
 * The config JSON of a newly created project: Sentry's `set_default_inbound_filters` turns on
 * `browser-extensions`, `legacy-browsers` (subfilters `ie`, `firefox`, `chrome`, `safari`,
 * `opera`, `opera_mini`, `android`, `edge`), `web-crawlers` and `filtered-transaction`
 * (health checks). Everything else keeps Relay's and Sentry's defaults (no quotas, scrubbing
 * on with the default rules). Sentry's default CSP ignored sources are not included: its
 * `localhost` entry would drop CSP reports from local test pages.
 */
export function newProjectConfigJson(): JsonObject {
  let json: JsonObject = {};
  for (const id of ['browser-extensions', 'legacy-browsers', 'web-crawlers', 'filtered-transaction']) {
    const spec = inboundFilterSpec(id)!;
    json = withInboundFilterState(
      json,
      spec,
      id === 'legacy-browsers'
        ? { subfilters: ['ie', 'firefox', 'chrome', 'safari', 'opera', 'opera_mini', 'android', 'edge'] }
        : { active: true },
    );
  }
  return json;
}

/** Sentry's data scrubbing fields of a project (`DetailedProjectSerializer`). */
export interface SentryScrubbingFields {
  dataScrubber: boolean;
  dataScrubberDefaults: boolean;
  sensitiveFields: string[];
  safeFields: string[];
  scrubIPAddresses: boolean;
  /** The project's advanced rules as JSON text (without Sentry's `project:` prefix), or null. */
  relayPiiConfig: string | null;
}

/**
 * `allowedDomains` of a config JSON as Sentry's project details show it: the list stored, else
 * Relay's and Sentry's default `['*']`.
 */
export function sentryAllowedDomains(json: JsonObject): string[] {
  return Array.isArray(json.allowedDomains) ? stringsOf(json.allowedDomains) : [...DEFAULT_ALLOWED_DOMAINS];
}

/**
 * Sentry's `OriginField.is_valid_origin`: `*`, or an origin pattern whose host part (after an
 * optional `scheme://`, before the first `/`) has no port: `parse_uri_match` keeps a port in the
 * domain and "ports are not supported on matching expressions".
 */
export function isAcceptableOrigin(value: string): boolean {
  if (value === '*') return true;
  const rest = value.includes('://') ? value.slice(value.indexOf('://') + 3) : value;
  const slash = rest.indexOf('/');
  return !(slash === -1 ? rest : rest.slice(0, slash)).includes(':');
}

/**
 * Sentry's `get_origins(project)` over the `sentry:origins` option: entries lowercased, a
 * trailing `/` stripped, blank ones dropped, each kept once (Sentry returns a frozenset; the
 * first occurrence keeps its place here).
 */
export function relayAllowedDomains(origins: readonly string[]): string[] {
  const out = new Set<string>();
  for (const origin of origins) {
    const entry = origin.toLowerCase().replace(/\/+$/, '');
    if (entry !== '') out.add(entry);
  }
  return [...out];
}

/** Sentry's filter options of a project: newline-separated lists, as its API shows them. */
export interface SentryFilterOptions {
  'filters:blacklisted_ips': string;
  'filters:releases': string;
  'filters:error_messages': string;
}

/** The prefix Sentry's `get_pii_config` gives the project's own rule ids. */
export const PROJECT_PII_RULE_PREFIX = 'project:';

function stringsOf(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Sentry's data scrubbing fields, read off a config JSON (Sentry's defaults where unset). */
export function sentryScrubbingFields(json: JsonObject): SentryScrubbingFields {
  const ds = isJsonObject(json.datascrubbingSettings) ? json.datascrubbingSettings : {};
  const bool = (value: JsonValue | undefined, dflt: boolean): boolean =>
    typeof value === 'boolean' ? value : dflt;
  return {
    dataScrubber: bool(ds.scrubData, DEFAULT_DATA_SCRUBBING.scrubData),
    dataScrubberDefaults: bool(ds.scrubDefaults, DEFAULT_DATA_SCRUBBING.scrubDefaults),
    sensitiveFields: stringsOf(ds.sensitiveFields),
    safeFields: stringsOf(ds.excludeFields),
    scrubIPAddresses: bool(ds.scrubIpAddresses, DEFAULT_DATA_SCRUBBING.scrubIpAddresses),
    relayPiiConfig: relayPiiConfigText(json.piiConfig),
  };
}

/** Sentry's filter options, read off a config JSON. */
export function sentryFilterOptions(json: JsonObject): SentryFilterOptions {
  const filters = isJsonObject(json.filterSettings) ? json.filterSettings : {};
  const list = (key: string, field: string): string => {
    const setting = filters[key];
    return isJsonObject(setting) ? stringsOf(setting[field]).join('\n') : '';
  };
  return {
    'filters:blacklisted_ips': list('clientIps', 'blacklistedIps'),
    'filters:releases': list('releases', 'releases'),
    'filters:error_messages': list('errorMessages', 'patterns'),
  };
}

/**
 * Sentry's `clean_newline_inputs`: one entry per line, stripped, blank lines dropped, lowercased
 * unless `caseInsensitive` is false (error messages keep their case).
 */
export function cleanNewlineInputs(value: string, caseInsensitive = true): string[] {
  const out: string[] = [];
  for (const line of value.split('\n')) {
    const entry = (caseInsensitive ? line.toLowerCase() : line).trim();
    if (entry !== '') out.push(entry);
  }
  return out;
}

/**
 * A change to Sentry's project settings, already validated: every field is optional; lists are
 * the cleaned entries (see {@link cleanNewlineInputs} for the options).
 */
export interface SentrySettingsUpdate {
  dataScrubber?: boolean;
  dataScrubberDefaults?: boolean;
  sensitiveFields?: string[];
  safeFields?: string[];
  scrubIPAddresses?: boolean;
  /** The advanced rules as JSON text; `''` (or blanks) removes them. */
  relayPiiConfig?: string;
  /** `filters:blacklisted_ips`. */
  blacklistedIps?: string[];
  /** `filters:releases`. */
  releases?: string[];
  /** `filters:error_messages`. */
  errorMessages?: string[];
  /** `allowedDomains` (or the `sentry:origins` option): the origins as entered. */
  allowedDomains?: string[];
}

/**
 * `json` with Sentry's settings applied as its relay config builder would emit them:
 * `datascrubbingSettings` with all five keys (`excludeFields`, `scrubData`, `scrubIpAddresses`,
 * `sensitiveFields`, `scrubDefaults`) whenever a scrubbing field changes; `piiConfig` = the rules
 * merged under the `project:` prefix ({@link prefixProjectPiiConfig}), removed for blank text;
 * `clientIps`, `releases` and `errorMessages` filters set, or removed for an empty list;
 * `allowedDomains` as {@link relayAllowedDomains} cleans them (removed when it is the default
 * `['*']`; an empty list is kept: it refuses every request with an origin).
 * `relayPiiConfig` must be valid JSON (validate it first).
 */
export function withSentrySettings(json: JsonObject, update: SentrySettingsUpdate): JsonObject {
  let out: JsonObject = { ...json };
  const scrubbingKeys = [
    'dataScrubber',
    'dataScrubberDefaults',
    'sensitiveFields',
    'safeFields',
    'scrubIPAddresses',
  ] as const;
  if (scrubbingKeys.some((key) => update[key] !== undefined)) {
    const current = sentryScrubbingFields(json);
    out.datascrubbingSettings = {
      excludeFields: update.safeFields ?? current.safeFields,
      scrubData: update.dataScrubber ?? current.dataScrubber,
      scrubIpAddresses: update.scrubIPAddresses ?? current.scrubIPAddresses,
      sensitiveFields: update.sensitiveFields ?? current.sensitiveFields,
      scrubDefaults: update.dataScrubberDefaults ?? current.dataScrubberDefaults,
    };
  }
  if (update.relayPiiConfig !== undefined) {
    const text = update.relayPiiConfig.trim();
    const merged = text === '' ? {} : prefixProjectPiiConfig(JSON.parse(text) as JsonValue);
    const { piiConfig: _old, ...rest } = out;
    out = Object.keys(merged).length > 0 ? { ...rest, piiConfig: merged } : rest;
  }
  const filterLists: Array<[keyof SentrySettingsUpdate, string, string]> = [
    ['blacklistedIps', 'clientIps', 'blacklistedIps'],
    ['releases', 'releases', 'releases'],
    ['errorMessages', 'errorMessages', 'patterns'],
  ];
  if (filterLists.some(([key]) => update[key] !== undefined)) {
    const filterSettings = editableFilterSettings(out);
    for (const [key, configKey, field] of filterLists) {
      const list = update[key] as string[] | undefined;
      if (list === undefined) continue;
      if (list.length === 0) delete filterSettings[configKey];
      else filterSettings[configKey] = { [field]: list };
    }
    out = withFilterSettings(out, filterSettings);
  }
  if (update.allowedDomains !== undefined) {
    const allowedDomains = relayAllowedDomains(update.allowedDomains);
    const { allowedDomains: _old, ...rest } = out;
    const isDefault = allowedDomains.length === 1 && allowedDomains[0] === DEFAULT_ALLOWED_DOMAINS[0];
    out = isDefault ? rest : { ...rest, allowedDomains };
  }
  return out;
}

/**
 * Sentry's `_merge_pii_configs([("project:", config)])`: custom rule ids get the prefix, and so
 * do references to them in `applications` and in `multiple` rules' `rules` (Sentry's
 * `_prefix_rule_references_in_rule`; an `alias` rule's `rule` is left as it is, as in Sentry).
 * Only `rules` and `applications` are kept (Sentry drops `vars`). Anything but an object gives `{}`.
 */
export function prefixProjectPiiConfig(config: JsonValue): JsonObject {
  if (!isJsonObject(config)) return {};
  const rules = isJsonObject(config.rules) ? config.rules : {};
  const isCustom = (id: JsonValue): boolean => typeof id === 'string' && Object.hasOwn(rules, id);
  const prefix = (id: JsonValue): JsonValue =>
    isCustom(id) ? `${PROJECT_PII_RULE_PREFIX}${String(id)}` : id;
  const merged: JsonObject = {};
  for (const [id, rule] of Object.entries(rules)) {
    let spec = rule as JsonValue;
    if (isJsonObject(spec) && spec.type === 'multiple') {
      if (Array.isArray(spec.rules) && spec.rules.length > 0)
        spec = { ...spec, rules: spec.rules.map(prefix) };
      else if (typeof spec.rule === 'string' && spec.rule !== '' && isCustom(spec.rule))
        spec = { ...spec, rule: prefix(spec.rule) };
    }
    ((merged.rules ??= {}) as JsonObject)[`${PROJECT_PII_RULE_PREFIX}${id}`] = spec;
  }
  if (isJsonObject(config.applications)) {
    for (const [selector, ids] of Object.entries(config.applications)) {
      const list = (((merged.applications ??= {}) as JsonObject)[selector] ??= []) as JsonValue[];
      if (Array.isArray(ids)) list.push(...ids.map(prefix));
    }
  }
  return merged;
}

/**
 * The inverse of {@link prefixProjectPiiConfig} for display: rule ids that carry the `project:`
 * prefix, and references to them, lose it. A config with no prefixed rule (set through Vigil's
 * own config API) is returned unchanged.
 */
export function unprefixProjectPiiConfig(config: JsonObject): JsonObject {
  const rules = isJsonObject(config.rules) ? config.rules : {};
  const prefixed = new Set(Object.keys(rules).filter((id) => id.startsWith(PROJECT_PII_RULE_PREFIX)));
  if (prefixed.size === 0) return config;
  const strip = (id: JsonValue): JsonValue =>
    typeof id === 'string' && prefixed.has(id) ? id.slice(PROJECT_PII_RULE_PREFIX.length) : id;
  const out: JsonObject = { ...config, rules: {} };
  for (const [id, rule] of Object.entries(rules)) {
    let spec = rule as JsonValue;
    if (isJsonObject(spec) && spec.type === 'multiple') {
      if (Array.isArray(spec.rules)) spec = { ...spec, rules: spec.rules.map(strip) };
      else if (typeof spec.rule === 'string') spec = { ...spec, rule: strip(spec.rule) };
    }
    (out.rules as JsonObject)[strip(id) as string] = spec;
  }
  if (isJsonObject(config.applications)) {
    out.applications = Object.fromEntries(
      Object.entries(config.applications).map(([selector, ids]) => [
        selector,
        Array.isArray(ids) ? ids.map(strip) : (ids ?? null),
      ]),
    );
  }
  return out;
}

/** `relayPiiConfig` as Sentry's API shows it: the unprefixed rules as JSON text, or null. */
function relayPiiConfigText(piiConfig: JsonValue | undefined): string | null {
  if (piiConfig === undefined || piiConfig === null) return null;
  let value: JsonValue = piiConfig;
  if (typeof piiConfig === 'string') {
    try {
      value = JSON.parse(piiConfig) as JsonValue;
    } catch {
      return piiConfig;
    }
  }
  if (!isJsonObject(value)) return typeof piiConfig === 'string' ? piiConfig : JSON.stringify(value);
  if (Object.keys(value).length === 0) return null;
  const shown = unprefixProjectPiiConfig(value);
  return shown === value && typeof piiConfig === 'string' ? piiConfig : JSON.stringify(shown);
}

/**
 * Sentry's `validate_pii_selectors` for `safeFields`: every entry must be a selector; the
 * messages say which line failed (`Invalid selector ... (line 2)`), joined as Sentry joins them.
 * Returns `undefined` when all are valid.
 */
export function safeFieldsProblem(fields: readonly string[]): string | undefined {
  const errors: string[] = [];
  fields.forEach((field, i) => {
    try {
      parseSelectorOrThrow(field);
    } catch (error) {
      const message = `${error instanceof Error ? error.message : String(error)} (line ${i + 1})`;
      errors.push(message.charAt(0).toUpperCase() + message.slice(1));
    }
  });
  return errors.length > 0 ? errors.join(',\n') : undefined;
}
