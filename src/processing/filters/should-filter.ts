/**
 * The inbound filters in Relay's order (`relay-filter/src/lib.rs`, `should_filter`): generic,
 * CSP, client IP, releases, error messages, localhost, browser extensions, legacy browsers, web
 * crawlers, ignored transactions. The first match decides the stat key. Runs before rate
 * limiting and dynamic sampling (reference/relay-protocol.md §10).
 *
 * Settings are compiled (globs, networks, origins) once per settings object and cached weakly,
 * so callers can pass the same {@link FilterSettings} for every item.
 */
import type { JsonObject } from '../../protocol/json.js';
import { clientIpsFilter } from './client-ips.js';
import { KEEP, type FilterVerdict } from './common.js';
import type { FilterSettings, GenericFiltersConfig } from './config.js';
import { cspFilter, parseSchemeDomainPort, type SchemeDomainPort } from './csp.js';
import { errorMessagesFilter } from './error-messages.js';
import { eventFilterable, type Filterable } from './filterable.js';
import { genericFilter } from './generic.js';
import { GlobPatterns } from './glob.js';
import { parseIpNetwork, type IpNetwork } from './ip-network.js';
import { legacyBrowsersFilter } from './legacy-browsers.js';
import { localhostFilter } from './localhost.js';
import { browserExtensionsFilter } from './browser-extensions.js';
import { releasesFilter } from './releases.js';
import { transactionNameFilter } from './transaction-name.js';
import { webCrawlersFilter } from './web-crawlers.js';

/**
 * What the filters need to know about the request that carried the item. There is deliberately
 * no user agent here: Relay's filters read the item's own user agent (for events, the
 * `User-Agent` header inside `request.headers`; security reports get the HTTP request's copied
 * there by normalization), never the envelope request's.
 */
export interface FilterContext {
  /**
   * The client address of the envelope request (first `X-Forwarded-For` entry or the socket
   * peer), for the client-IP filter. Not the IP inside the item.
   */
  clientIp?: string;
  /** Generic filters of Relay's global config, merged after the project's. */
  globalGenericFilters?: GenericFiltersConfig;
}

/** Settings with their pattern lists compiled. */
interface CompiledSettings {
  settings: FilterSettings;
  networks: IpNetwork[];
  releases: GlobPatterns;
  errorMessages: GlobPatterns;
  ignoreTransactions: GlobPatterns;
  csp: SchemeDomainPort[];
}

const compiledCache = new WeakMap<FilterSettings, CompiledSettings>();

function compile(settings: FilterSettings): CompiledSettings {
  let compiled = compiledCache.get(settings);
  if (compiled === undefined) {
    compiled = {
      settings,
      networks: settings.clientIps.blacklistedIps.flatMap((ip) => parseIpNetwork(ip) ?? []),
      releases: new GlobPatterns(settings.releases.releases),
      errorMessages: new GlobPatterns(settings.errorMessages.patterns),
      ignoreTransactions: new GlobPatterns(settings.ignoreTransactions.patterns),
      csp: settings.csp.disallowedSources.map(parseSchemeDomainPort),
    };
    compiledCache.set(settings, compiled);
  }
  return compiled;
}

/**
 * Runs every inbound filter over a filterable item (see `filterable.ts` for the adapters of
 * each item type). Never throws for any item content.
 */
export function shouldFilterItem(
  item: Filterable,
  settings: FilterSettings,
  ctx: FilterContext = {},
): FilterVerdict {
  const c = compile(settings);
  const steps: (() => FilterVerdict)[] = [
    () => genericFilter(item.getter, settings.generic, ctx.globalGenericFilters),
    () => cspFilter(item, c.csp),
    () => clientIpsFilter(ctx.clientIp, c.networks),
    () => releasesFilter(item, c.releases),
    () => errorMessagesFilter(item, c.errorMessages),
    () => localhostFilter(item, settings.localhost),
    () => browserExtensionsFilter(item, settings.browserExtensions),
    () => legacyBrowsersFilter(item, settings.legacyBrowsers),
    () => webCrawlersFilter(item, settings.webCrawlers),
    () => transactionNameFilter(item, settings.ignoreTransactions.isEnabled, c.ignoreTransactions),
  ];
  for (const step of steps) {
    const verdict = step();
    if (verdict.filtered) return verdict;
  }
  return KEEP;
}

/**
 * Runs every inbound filter over a normalized event: error, default, transaction
 * (`type: "transaction"`, matched by its `transaction` name) or security report
 * (`type: "csp"` with Relay's `csp` object).
 */
export function shouldFilter(
  event: JsonObject,
  settings: FilterSettings,
  ctx: FilterContext = {},
): FilterVerdict {
  return shouldFilterItem(eventFilterable(event), settings, ctx);
}
