// Ports the tests of relay-filter/src/web_crawlers.rs: disabled filter, banned user agents,
// normal user agents (including the allowed Slackbot 1.x link expander).
import { describe, expect, it } from 'vitest';
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
      'BingBot',
      'BingPreview',
      'Baiduspider',
      'Slurp',
      'Sogou',
      'facebook',
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
    ]) {
      expect(webCrawlersFilter(eventWithUserAgent(ua), on).filtered, ua).toBe(false);
    }
  });
});
