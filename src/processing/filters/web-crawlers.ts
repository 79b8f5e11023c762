/**
 * The web-crawlers filter (stat key `web-crawlers`), following `relay-filter/src/web_crawlers.rs`:
 * the item's raw user agent (else the browser family already parsed from it, all an attribute-based
 * item may carry) against known crawlers and generic bot/spider tokens, except Slack's link
 * expander `Slackbot 1.x`, Sentry's uptime checker and ChatGPT's user-prompted fetches.
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
    'Storebot-Google',
    'BingBot', // Bing search
    'BingPreview',
    'Baiduspider', // Baidu search
    'Slurp', // Yahoo
    'Sogou',
    'facebook',
    'meta-', // meta/facebook
    'ia_archiver', // Alexa
    String.raw`bots?([/\s);]|$)`, // generic bot
    String.raw`spider([/\s);]|$)`, // generic spider
    'Slack', // https://api.slack.com/robots
    String.raw`Calypso\sAppCrawler`, // Google indexing bot
    'pingdom',
    'lyticsbot',
    String.raw`AWS\sSecurity\sScanner`,
    String.raw`HubSpot\sCrawler`,
    'Bytespider', // Bytedance
    String.raw`Better\sUptime`,
    'Cloudflare-Healthchecks',
    'GTmetrix',
    'BrightEdgeOnCrawl',
    'ELB-HealthChecker', // AWS Elastic Load Balancing
    'naver.me/spd', // Yeti (Naver)
    'ClaudeBot', // Anthropic
    'CCBot', // Common Crawl
    'OAI-SearchBot', // OpenAI
    'GPTBot', // OpenAI
    'PerplexityBot',
    'Applebot',
    'DuckDuckBot',
  ].join('|'),
  'i',
);

/** Relay's `ALLOWED_WEB_CRAWLERS`: crawlers acting for real users. */
const ALLOWED_WEB_CRAWLERS = /Slackbot\s1\.\d+|SentryUptimeBot|ChatGPT-User/i;

/** True when the user agent belongs to a known web crawler. */
export function isWebCrawler(userAgent: string): boolean {
  return WEB_CRAWLERS.test(userAgent) && !ALLOWED_WEB_CRAWLERS.test(userAgent);
}

/**
 * Applies the web-crawlers filter when enabled: the raw user agent is the better input (some
 * crawlers parse as a generic family), the parsed family the fallback.
 */
export function webCrawlersFilter(item: Filterable, config: ToggleFilterConfig): FilterVerdict {
  if (!config.isEnabled) return KEEP;
  const ua = item.userAgent?.();
  const subject = ua?.raw ?? ua?.parsed?.family;
  return subject !== undefined && isWebCrawler(subject) ? filteredBy('web-crawlers') : KEEP;
}
