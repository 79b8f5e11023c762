/**
 * Relay's inbound filters (reference/relay-protocol.md §10): settings parsing, the filters in
 * Relay's order over events and the other item types, and the building blocks (globs, CIDR
 * networks, rule conditions). Pure: no I/O.
 */
export { FILTER_STAT_KEYS, KEEP, filteredBy } from './common.js';
export type { BuiltinFilterStatKey, FilterStatKey, FilterVerdict } from './common.js';
export {
  CSP_DEFAULT_DISALLOWED_SOURCES,
  HEALTH_CHECK_GLOBS,
  cspDisallowedSources,
  LEGACY_BROWSER_OPTIONS,
  MAX_GENERIC_FILTERS_VERSION,
  defaultFilterSettings,
  healthCheckFilter,
  parseFilterSettings,
  parseGenericFilters,
} from './config.js';
export type {
  FilterSettings,
  FilterSettingsResult,
  GenericFilterConfig,
  GenericFiltersConfig,
  IgnoreTransactionsFilterConfig,
  LegacyBrowserOption,
  LegacyBrowsersFilterConfig,
  ToggleFilterConfig,
} from './config.js';
export {
  attributesFilterable,
  eventFilterable,
  replayFilterable,
  sessionFilterable,
  spanFilterable,
} from './filterable.js';
export type {
  AttributeItemKind,
  AttributeLookup,
  FilterUserAgent,
  Filterable,
  ParsedBrowser,
  SessionFilterAttributes,
} from './filterable.js';
export { eventGetter } from './event-getter.js';
export { shouldFilter, shouldFilterItem } from './should-filter.js';
export type { FilterContext } from './should-filter.js';
export { matchesCondition, parseRuleCondition } from './condition.js';
export type { Getter, GetterValue, RuleCondition } from './condition.js';
export { GlobPatterns, GlobSyntaxError, compileGlob, globError, matchGlob } from './glob.js';
export { ipInNetworks, parseIp, parseIpNetwork } from './ip-network.js';
export type { IpNetwork } from './ip-network.js';
export { clientIpsFilter } from './client-ips.js';
export { releasesFilter } from './releases.js';
export { errorMessagesFilter, matchesErrorMessage } from './error-messages.js';
export { isLocalhost, localhostFilter } from './localhost.js';
export { browserExtensionsFilter, isBrowserExtensionError } from './browser-extensions.js';
export { browserFromUserAgent, isLegacyBrowser, legacyBrowsersFilter } from './legacy-browsers.js';
export { isWebCrawler, webCrawlersFilter } from './web-crawlers.js';
export { transactionNameFilter } from './transaction-name.js';
export { cspFilter, matchesAnyOrigin, parseSchemeDomainPort } from './csp.js';
export type { SchemeDomainPort } from './csp.js';
export { areGenericFiltersSupported, genericFilter, mergeGenericFilters } from './generic.js';
export {
  chunkLoadErrorFilter,
  errorMessageCondition,
  hydrationErrorFilter,
  logMessageFilter,
  traceMetricNameFilter,
} from './sentry-generic-filters.js';
