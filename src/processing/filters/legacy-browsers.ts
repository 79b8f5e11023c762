/**
 * The legacy-browsers filter (stat key `legacy-browsers`), following
 * `relay-filter/src/legacy_browsers.rs`.
 *
 * The browser comes from the item's already-parsed browser (attribute-based items) or from its
 * raw user agent, parsed with the `ua-parser-js` setup of `src/processing/normalize/user-agent.ts`
 * and mapped to uap-core's family names, which Relay's options are written against (`IE Mobile`
 * counts as `IE`; the stock `Android` browser is versioned by the Android release). Only the
 * major version is compared. With the `default` option, the other options are ignored and
 * Sentry's historical minimum versions apply (IE < 10, Safari < 6, Opera < 15, Opera Mini < 8,
 * Android < 4). The filter is active only when `isEnabled` is set and there is an option.
 */
import { parseUserAgent } from '../normalize/user-agent.js';
import { KEEP, filteredBy, type FilterVerdict } from './common.js';
import type { LegacyBrowsersFilterConfig } from './config.js';
import type { Filterable, FilterUserAgent, ParsedBrowser } from './filterable.js';

/** Minimum major versions of the `default` option (Sentry's `MIN_VERSIONS`). */
const DEFAULT_MIN_VERSIONS: Readonly<Record<string, number>> = {
  Chrome: 0,
  IE: 10,
  Firefox: 0,
  Safari: 6,
  Edge: 0,
  Opera: 15,
  Android: 4,
  'Opera Mini': 8,
};

/**
 * Each option: the uap family it applies to and which major versions it drops. The
 * per-browser keys use the cut-offs Sentry's settings page shows ("110 and lower", …).
 */
const OPTION_RULES: Readonly<Record<string, { family: string; drops: (major: number) => boolean }>> = {
  ie_pre_9: { family: 'IE', drops: (v) => v <= 8 },
  ie9: { family: 'IE', drops: (v) => v === 9 },
  ie10: { family: 'IE', drops: (v) => v === 10 },
  ie11: { family: 'IE', drops: (v) => v === 11 },
  opera_mini_pre_8: { family: 'Opera Mini', drops: (v) => v < 8 },
  opera_pre_15: { family: 'Opera', drops: (v) => v < 15 },
  android_pre_4: { family: 'Android', drops: (v) => v < 4 },
  safari_pre_6: { family: 'Safari', drops: (v) => v < 6 },
  edge_pre_79: { family: 'Edge', drops: (v) => v < 79 },
  ie: { family: 'IE', drops: (v) => v <= 11 },
  chrome: { family: 'Chrome', drops: (v) => v <= 110 },
  chrome_mobile: { family: 'Chrome Mobile', drops: (v) => v <= 110 },
  safari: { family: 'Safari', drops: (v) => v <= 15 },
  safari_mobile: { family: 'Mobile Safari', drops: (v) => v <= 15 },
  firefox: { family: 'Firefox', drops: (v) => v <= 110 },
  firefox_mobile: { family: 'Firefox Mobile', drops: (v) => v <= 110 },
  edge: { family: 'Edge', drops: (v) => v <= 110 },
  edge_mobile: { family: 'Edge Mobile', drops: (v) => v <= 110 },
  opera: { family: 'Opera', drops: (v) => v <= 99 },
  opera_mobile: { family: 'Opera Mobile', drops: (v) => v <= 73 },
  opera_mini: { family: 'Opera Mini', drops: (v) => v <= 34 },
  android: { family: 'Android', drops: (v) => v <= 3 },
};

function major(version: string | undefined): string | undefined {
  return version === undefined ? undefined : version.split('.', 1)[0];
}

/**
 * Parses a raw user agent into uap-core's browser family and major version. `ua-parser-js`
 * names differ from uap-core's for a few browsers; those are mapped here.
 */
export function browserFromUserAgent(raw: string): ParsedBrowser | undefined {
  const parsed = parseUserAgent(raw);
  const browser = parsed.browser;
  if (!browser) return undefined;
  let family = browser.name;
  let version = browser.version;
  switch (family) {
    case 'IEMobile':
      family = 'IE Mobile';
      break;
    case 'Android Browser':
      // uap-core versions the stock browser by the Android release (`Version/4.0` is WebKit's).
      family = 'Android';
      version = parsed.os?.name === 'Android' ? parsed.os.version : undefined;
      break;
    case 'Opera Mobi':
      family = 'Opera Mobile';
      break;
    case 'Edge':
      if (/\bEdg(A|iOS)\//.test(raw)) family = 'Edge Mobile';
      break;
    case 'Firefox':
      if (/\bFxiOS\//.test(raw)) family = 'Firefox iOS';
      else if (parsed.os?.name === 'Android' && /\bMobile\b/.test(raw)) family = 'Firefox Mobile';
      break;
    case 'Chrome':
      if (/\bCriOS\//.test(raw)) family = 'Chrome Mobile iOS';
      break;
    case 'Opera':
      if (parsed.os?.name === 'Android' && /\bMobile\b/.test(raw)) family = 'Opera Mobile';
      break;
  }
  const result: ParsedBrowser = { family };
  const m = major(version);
  if (m !== undefined) result.major = m;
  return result;
}

function resolveBrowser(ua: FilterUserAgent | undefined): ParsedBrowser | undefined {
  if (ua?.parsed) return ua.parsed;
  return ua?.raw === undefined ? undefined : browserFromUserAgent(ua.raw);
}

function majorNumber(browser: ParsedBrowser): number | undefined {
  return browser.major !== undefined && /^\d{1,9}$/.test(browser.major) ? Number(browser.major) : undefined;
}

/** True when `browser` is one of the legacy browsers selected by `options`. */
export function isLegacyBrowser(browser: ParsedBrowser, options: readonly string[]): boolean {
  const family = browser.family === 'IE Mobile' ? 'IE' : browser.family;
  const version = majorNumber(browser);
  if (version === undefined) return false;
  if (options.includes('default')) {
    const min = DEFAULT_MIN_VERSIONS[family];
    return min !== undefined && min > version;
  }
  return options.some((option) => {
    const rule = OPTION_RULES[option];
    return rule !== undefined && rule.family === family && rule.drops(version);
  });
}

/** Applies the legacy-browsers filter. */
export function legacyBrowsersFilter(item: Filterable, config: LegacyBrowsersFilterConfig): FilterVerdict {
  if (!config.isEnabled || config.options.length === 0) return KEEP;
  const browser = resolveBrowser(item.userAgent?.());
  return browser !== undefined && isLegacyBrowser(browser, config.options)
    ? filteredBy('legacy-browsers')
    : KEEP;
}
