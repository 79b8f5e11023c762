// Ports the tests of relay-filter/src/web_crawlers.rs: disabled filter, banned user agents,
// normal user agents (including the allowed Slackbot 1.x, SentryUptimeBot and ChatGPT-User), and
// items that carry only a parsed user agent (logs, trace metrics, v2 spans).
import { describe, expect, it } from 'vitest';
import { attributesFilterable } from './filterable.js';
import { eventWithUserAgent } from './test-helpers.js';
import { webCrawlersFilter } from './web-crawlers.js';

const on = { isEnabled: true };

describe('web crawlers filter', () => {
  it('does nothing when disabled', () => {
    expect(webCrawlersFilter(eventWithUserAgent('Googlebot'), { isEnabled: false }).filtered).toBe(false);
  });

  it('filters banned user agents', () => {
    for (const ua of [
      'Mediapartners-Google',
      'AdsBot-Google',
      'Googlebot',
      'FeedFetcher-Google',
      'Storebot-Google',
      'Mozilla/5.0 (X11; Linux x86_64; Storebot-Google/1.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36',
      'BingBot',
      'BingPreview',
      'Baiduspider',
      'Slurp',
      'Sogou',
      'facebook',
      'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
      'facebookcatalog/1.0',
      'meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)',
      'meta-externalfetcher/1.1',
      'ia_archiver',
      'bots ',
      'bots;',
      'bots)',
      'spider ',
      'spider;',
      'spider)',
      'Calypso AppCrawler',
      'pingdom',
      'lyticsbot',
      'AWS Security Scanner',
      'Mozilla/5.0 (Linux; Android 6.0.1; Calypso AppCrawler Build/MMB30Y; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/53.0.2785.124 Mobile Safari/537.36',
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'Slack-ImgProxy 0.19 (+https://api.slack.com/robots)',
      'Twitterbot/1.0',
      'FeedFetcher-Google; (+http://www.google.com/feedfetcher.html)',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'AdsBot-Google (+http://www.google.com/adsbot.html)',
      'Mozilla/5.0 (compatible; HubSpot Crawler; web-crawlers@hubspot.com)',
      'Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)',
      'Better Uptime Bot Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36',
      'Mozilla/5.0 (compatible;Cloudflare-Healthchecks/1.0;+https://www.cloudflare.com/; healthcheck-id: 0d1ca23e292c8c14)',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/117.0.0.0 Safari/537.36 GTmetrix',
      'Mozilla/5.0 (compatible; BrightEdgeOnCrawl/1.0; +http://www.oncrawl.com)',
      'ELB-HealthChecker/2.0',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko; compatible; Yeti/1.1; +https://naver.me/spd) Chrome/127.0.0.0 Safari/537.36',
      'Mozilla/5.0; ClaudeBot',
      'Mozilla/5.0; CCBot',
      '; OAI-SearchBot/1.0; +https://openai.com/searchbot',
      'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.1; +https://openai.com/gptbot',
      'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)',
      'Mozilla/5.0 (Device; OS_version) AppleWebKit/WebKit_version (KHTML, like Gecko)Version/Safari_version [Mobile/Mobile_version] Safari/WebKit_version (Applebot/Applebot_version; +http://www.apple.com/go/applebot)',
      'DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)',
    ]) {
      expect(webCrawlersFilter(eventWithUserAgent(ua), on), ua).toEqual({
        filtered: true,
        statKey: 'web-crawlers',
      });
    }
  });

  it('keeps normal user agents', () => {
    for (const ua of [
      'some user agent',
      'IE',
      'ie',
      'opera',
      'safari',
      'APIs-Google (+https://developers.google.com/webmasters/APIs-Google.html)',
      'Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.36',
      'Slackbot 1.0(+https://api.slack.com/robots)',
      'SentryUptimeBot/1.0 (+http://docs.sentry.io/product/alerts/uptime-monitoring/)',
      'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot',
    ]) {
      expect(webCrawlersFilter(eventWithUserAgent(ua), on).filtered, ua).toBe(false);
    }
  });

  it('falls back to the parsed browser family when the item has no raw user agent', () => {
    const attrs: Record<string, string> = { 'browser.name': 'Twitterbot', 'browser.version': '1.0' };
    const log = attributesFilterable('log', (key) => attrs[key]);
    expect(webCrawlersFilter(log, on)).toEqual({ filtered: true, statKey: 'web-crawlers' });
    attrs['browser.name'] = 'Other';
    expect(webCrawlersFilter(log, on).filtered).toBe(false);
  });
});
