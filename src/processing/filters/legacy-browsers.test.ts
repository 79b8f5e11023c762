// Ports the tests of relay-filter/src/legacy_browsers.rs: disabled filter, default browsers,
// default above minimum versions, configured browsers, unconfigured browsers, and the Sentry
// compatibility user agents (test_filter_sentry_user_agents,
// test_dont_filter_sentry_allowed_user_agents). Adds edge_pre_79 and the per-browser options.
import { describe, expect, it } from 'vitest';
import { attributesFilterable } from './filterable.js';
import { browserFromUserAgent, legacyBrowsersFilter } from './legacy-browsers.js';
import { eventWithUserAgent } from './test-helpers.js';

const IE8_UA = 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.0; Trident/4.0)';
const IE_MOBILE9_UA =
  'Mozilla/5.0 (compatible; MSIE 9.0; Windows Phone OS 7.5; Trident/5.0; IEMobile/9.0; NOKIA; Lumia 710)';
const IE9_UA = 'Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 7.1; Trident/5.0)';
const IE10_UA = 'Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)';
const IE11_UA = 'Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko';
const OPERA_MINI_PRE8_UA =
  'Opera/9.80 (J2ME/MIDP; Opera Mini/7.0.32796/59.323; U; fr) Presto/2.12.423 Version/12.16';
const OPERA_MINI_8_UA =
  'Opera/9.80 (J2ME/MIDP; Opera Mini/8.0.35158/36.2534; U; en) Presto/2.12.423 Version/12.16';
const OPERA_PRE15_UA =
  'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/27.0.1453.12 Safari/537.36 OPR/14.0.1116.4';
const OPERA_15_UA =
  'Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/28.0.1500.45 Safari/537.36 OPR/15.0.1147.61 (Edition Next)';
const ANDROID_PRE4_UA =
  'Mozilla/5.0 (Linux; U; Android 3.2; nl-nl; GT-P6800 Build/HTJ85B) AppleWebKit/534.13 (KHTML, like Gecko) Version/4.0 Safari/534.13';
const ANDROID_4_UA =
  'Mozilla/5.0 (Linux; U; Android 4.1.1; en-gb; Build/KLP) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Safari/534.30';
const SAFARI_PRE6_UA =
  'Mozilla/5.0 (Macintosh; U; Intel Mac OS X 1063; tr-DE) AppleWebKit/533.16 (KHTML like Gecko) Version/5.0 Safari/533.16';
const SAFARI_6_UA =
  'Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.17.4; en-GB) AppleWebKit/605.1.5 (KHTML, like Gecko) Version/6.0 Safari/605.1.5';

// Sentry's user agents (sentry_compatibility module).
const ANDROID2_S_UA =
  'Mozilla/5.0 (Linux; U; Android 2.3.5; en-us; HTC Vision Build/GRI40) AppleWebKit/533.1 (KHTML, like Gecko) Version/4.0 Mobile Safari/533.1';
const ANDROID4_S_UA =
  'Mozilla/5.0 (Linux; Android 4.0.4; Galaxy Nexus Build/IMM76B) AppleWebKit/535.19 (KHTML, like Gecko) Chrome/18.0.1025.133 Mobile Safari/535.19';
const IE5_S_UA = 'Mozilla/4.0 (compatible; MSIE 5.50; Windows NT; SiteKiosk 4.9; SiteCoach 1.0)';
const IE8_S_UA =
  'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Win64; x64; Trident/4.0; .NET CLR 2.0.50727; SLCC2; .NET CLR 3.5.30729; .NET CLR 3.0.30729; Media Center PC 6.0; MDDC; Tablet PC 2.0)';
const IE9_S_UA = 'Mozilla/5.0 (Windows; U; MSIE 9.0; WIndows NT 9.0; en-US))';
const IE_MOBILE9_S_UA = IE_MOBILE9_UA;
const IE10_S_UA =
  'Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 7.0; InfoPath.3; .NET CLR 3.1.40767; Trident/6.0; en-IN)';
const IE_MOBILE10_S_UA =
  'Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; Trident/6.0; IEMobile/10.0; ARM; Touch; NOKIA; Lumia 520)';
const OPERA11_S_UA = 'Opera/9.80 (Windows NT 5.1; U; it) Presto/2.7.62 Version/11.00';
const OPERA_12_S_UA = 'Opera/9.80 (X11; Linux i686; Ubuntu/14.10) Presto/2.12.388 Version/12.16';
const OPERA_15_S_UA =
  'Mozilla/5.0 (X11; Linux x86_64; Debian) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/28.0.1500.52 Safari/537.36 OPR/15.0.1147.100';
const CHROME_S_UA =
  'Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.36';
const EDGE_S_UA =
  'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36 Edge/12.10136';
const SAFARI5_S_UA =
  'Mozilla/5.0 (Windows; U; Windows NT 6.1; zh-HK) AppleWebKit/533.18.1 (KHTML, like Gecko) Version/5.0.2 Safari/533.18.5';
const SAFARI7_S_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_3) AppleWebKit/537.75.14 (KHTML, like Gecko) Version/7.0.3 Safari/7046A194A';
const OPERA_MINI8_S_UA = OPERA_MINI_8_UA;
const OPERA_MINI7_S_UA = OPERA_MINI_PRE8_UA;

const filtered = (ua: string, options: string[], isEnabled = true): boolean =>
  legacyBrowsersFilter(eventWithUserAgent(ua), { isEnabled, options }).filtered;

describe('legacy browsers filter', () => {
  it('does nothing when disabled or without options', () => {
    expect(filtered(IE8_UA, ['default'], false)).toBe(false);
    expect(filtered(IE8_UA, [])).toBe(false);
  });

  it('filters the default browsers', () => {
    for (const ua of [
      IE9_UA,
      IE_MOBILE9_UA,
      SAFARI_PRE6_UA,
      OPERA_PRE15_UA,
      ANDROID_PRE4_UA,
      OPERA_MINI_PRE8_UA,
    ]) {
      expect(
        legacyBrowsersFilter(eventWithUserAgent(ua), { isEnabled: true, options: ['default'] }),
        ua,
      ).toEqual({ filtered: true, statKey: 'legacy-browsers' });
    }
  });

  it('keeps browsers at the default minimum versions', () => {
    for (const ua of [IE10_UA, SAFARI_6_UA, OPERA_15_UA, ANDROID_4_UA, OPERA_MINI_8_UA]) {
      expect(filtered(ua, ['default']), ua).toBe(false);
    }
  });

  it('filters configured browsers', () => {
    const configs: [string, string[]][] = [
      [IE10_UA, ['android_pre_4', 'ie10']],
      [IE11_UA, ['ie11']],
      [IE10_UA, ['ie10']],
      [IE9_UA, ['ie9']],
      [IE_MOBILE9_UA, ['ie9']],
      [IE9_UA, ['android_pre_4', 'ie9']],
      [IE8_UA, ['ie_pre_9']],
      [IE8_UA, ['opera_pre_15', 'ie_pre_9']],
      [OPERA_PRE15_UA, ['opera_pre_15']],
      [OPERA_PRE15_UA, ['ie10', 'opera_pre_15']],
      [OPERA_MINI_PRE8_UA, ['opera_mini_pre_8']],
      [OPERA_MINI_PRE8_UA, ['ie10', 'opera_mini_pre_8']],
      [ANDROID_PRE4_UA, ['android_pre_4']],
      [ANDROID_PRE4_UA, ['ie10', 'android_pre_4']],
      [SAFARI_PRE6_UA, ['safari_pre_6']],
      [SAFARI_PRE6_UA, ['opera_pre_15', 'safari_pre_6']],
    ];
    for (const [ua, options] of configs) expect(filtered(ua, options), `${options.join()} ${ua}`).toBe(true);
  });

  it('keeps browsers not configured', () => {
    const configs: [string, string][] = [
      [IE11_UA, 'ie10'],
      [IE10_UA, 'ie9'],
      [IE10_UA, 'ie11'],
      [IE9_UA, 'ie_pre_9'],
      [OPERA_15_UA, 'opera_pre_15'],
      [OPERA_MINI_8_UA, 'opera_mini_pre_8'],
      [ANDROID_4_UA, 'android_pre_4'],
      [SAFARI_6_UA, 'safari_pre_6'],
    ];
    for (const [ua, option] of configs) expect(filtered(ua, [option]), `${option} ${ua}`).toBe(false);
  });

  describe('Sentry compatibility', () => {
    it('filters Sentry user agents', () => {
      const configs: [string, string][] = [
        [ANDROID2_S_UA, 'default'],
        [IE9_S_UA, 'default'],
        [IE_MOBILE9_S_UA, 'default'],
        [IE5_S_UA, 'default'],
        [OPERA11_S_UA, 'default'],
        [OPERA_12_S_UA, 'default'],
        [OPERA_MINI7_S_UA, 'default'],
        [OPERA_12_S_UA, 'opera_pre_15'],
        [OPERA_MINI7_S_UA, 'opera_mini_pre_8'],
        [IE8_S_UA, 'ie_pre_9'],
        [IE8_S_UA, 'default'],
        [IE9_S_UA, 'ie9'],
        [IE_MOBILE9_S_UA, 'ie9'],
        [IE10_S_UA, 'ie10'],
        [IE_MOBILE10_S_UA, 'ie10'],
        [SAFARI5_S_UA, 'safari_pre_6'],
        [SAFARI5_S_UA, 'default'],
        [ANDROID2_S_UA, 'android_pre_4'],
      ];
      for (const [ua, option] of configs) expect(filtered(ua, [option]), `${option} ${ua}`).toBe(true);
    });

    it('keeps Sentry allowed user agents', () => {
      for (const ua of [
        ANDROID4_S_UA,
        IE10_S_UA,
        IE_MOBILE10_S_UA,
        CHROME_S_UA,
        EDGE_S_UA,
        OPERA_15_S_UA,
        OPERA_MINI8_S_UA,
        SAFARI7_S_UA,
      ]) {
        expect(filtered(ua, ['default']), ua).toBe(false);
      }
    });
  });

  it('filters legacy Edge (12-18) with edge_pre_79', () => {
    expect(filtered(EDGE_S_UA, ['edge_pre_79'])).toBe(true);
    const edge79 =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0.3945.74 Safari/537.36 Edg/79.0.309.43';
    expect(filtered(edge79, ['edge_pre_79'])).toBe(false);
  });

  it('applies the per-browser options', () => {
    const chrome110 =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/110.0.0.0 Safari/537.36';
    const chrome111 = chrome110.replace('Chrome/110', 'Chrome/111');
    expect(filtered(chrome110, ['chrome'])).toBe(true);
    expect(filtered(chrome111, ['chrome'])).toBe(false);
    expect(filtered(IE11_UA, ['ie'])).toBe(true);
    expect(filtered(IE_MOBILE10_S_UA, ['ie'])).toBe(true);
    expect(filtered(chrome110, ['firefox', 'safari'])).toBe(false);
    const ipad9 =
      'Mozilla/5.0 (iPad; CPU OS 9_3_6 like Mac OS X) AppleWebKit/601.1.46 (KHTML, like Gecko) Version/9.0 Mobile/13G37 Safari/601.1';
    expect(filtered(ipad9, ['safari_mobile'])).toBe(true);
    expect(filtered(ipad9, ['safari'])).toBe(false);
    expect(filtered(ANDROID2_S_UA, ['android'])).toBe(true);
    expect(filtered(chrome110, ['unknown_option'])).toBe(false);
  });

  it('prefers an already parsed browser (attribute-based items)', () => {
    const attrs: Record<string, string> = {
      'browser.name': 'Chrome',
      'browser.version': '100.0.1',
      'user_agent.original': 'x',
    };
    const log = attributesFilterable('log', (key) => attrs[key]);
    expect(legacyBrowsersFilter(log, { isEnabled: true, options: ['chrome'] }).filtered).toBe(true);
  });

  it('maps ua-parser-js names to uap-core families', () => {
    expect(browserFromUserAgent(ANDROID_PRE4_UA)).toEqual({ family: 'Android', major: '3' });
    expect(browserFromUserAgent(IE_MOBILE9_UA)).toEqual({ family: 'IE Mobile', major: '9' });
    expect(browserFromUserAgent(ANDROID4_S_UA)).toEqual({ family: 'Chrome Mobile', major: '18' });
    const criOS =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 14_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/87.0.4280.77 Mobile/15E148 Safari/604.1';
    expect(browserFromUserAgent(criOS)).toEqual({ family: 'Chrome Mobile iOS', major: '87' });
    const edgeAndroid =
      'Mozilla/5.0 (Linux; Android 10; HD1913) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/94.0.4606.85 Mobile Safari/537.36 EdgA/46.1.2.5140';
    expect(browserFromUserAgent(edgeAndroid)).toEqual({ family: 'Edge Mobile', major: '46' });
  });
});
