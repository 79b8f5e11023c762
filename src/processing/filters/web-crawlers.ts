/**
 * The web-crawlers filter (stat key `web-crawlers`), following `relay-filter/src/web_crawlers.rs`:
 * the item's raw user agent against known crawlers and generic bot/spider tokens, except Slack's
 * link expander `Slackbot 1.x`, which acts for real users.
 */
import { KEEP, filteredBy, type FilterVerdict } from './common.js';
import type { ToggleFilterConfig } from './config.js';
import type { Filterable } from './filterable.js';

/** Relay's `WEB_CRAWLERS` (case-insensitive, unanchored). */
const WEB_CRAWLERS = new RegExp(
  [
    'Mediapartners-Google',
    'AdsBot-Google',
    'Googlebot',
    'FeedFetcher-Google',
    'BingBot', // Bing search
    'BingPreview',
    'Baiduspider', // Baidu search
    'Slurp', // Yahoo
    'Sogou',
    'facebook',
    'ia_archiver', // Alexa
    String.raw`bots?[/\s);]`, // generic bot
    String.raw`spider[/\s);]`, // generic spider
    'Slack', // https://api.slack.com/robots
    String.raw`Calypso\sAppCrawler`, // Google indexing bot
    'pingdom',
    'lyticsbot',
    String.raw`AWS\sSecurity\sScanner`,
    String.raw`HubSpot\sCrawler`,
    'Bytespider', // Bytedance
    String.raw`Better\sUptime`,
  ].join('|'),
  'i',
);

/** Relay's `ALLOWED_WEB_CRAWLERS`: Slack's link expander. */
const ALLOWED_WEB_CRAWLERS = /Slackbot\s1\.\d+/i;

/** True when the user agent belongs to a known web crawler. */
export function isWebCrawler(userAgent: string): boolean {
  return WEB_CRAWLERS.test(userAgent) && !ALLOWED_WEB_CRAWLERS.test(userAgent);
}

/** Applies the web-crawlers filter when enabled. */
export function webCrawlersFilter(item: Filterable, config: ToggleFilterConfig): FilterVerdict {
  if (!config.isEnabled) return KEEP;
  const raw = item.userAgent?.().raw;
  return raw !== undefined && isWebCrawler(raw) ? filteredBy('web-crawlers') : KEEP;
}
