// Ports the tests of relay-filter/src/browser_extensions.rs: disabled filter, known extension
// sources (with trailing anonymous frames), known exception values, unknown sources/values.
import { describe, expect, it } from 'vitest';
import { browserExtensionsFilter } from './browser-extensions.js';
import { eventWithException } from './test-helpers.js';

const on = { isEnabled: true };
const withSource = (src: string) =>
  eventWithException({
    stacktrace: { frames: [{ abs_path: src }, { abs_path: '<anonymous>' }, { abs_path: '<anonymous>' }] },
  });
const withValue = (value: string) => eventWithException({ value });

describe('browser extensions filter', () => {
  it('does nothing when disabled', () => {
    for (const event of [
      withSource('https://fscr.kaspersky-labs.com/B-9B72-7B7/main.js'),
      withValue('fb_xd_fragment'),
    ]) {
      expect(browserExtensionsFilter(event, { isEnabled: false }).filtered).toBe(false);
    }
  });

  it('filters known extension sources', () => {
    for (const source of [
      'https://graph.facebook.com/',
      'https://connect.facebook.net/en_US/sdk.js',
      'https://eatdifferent.com.woopra-ns.com/main.js',
      'https://static.woopra.com/js/woopra.js',
      'chrome-extension://my-extension/or/something',
      'chrome://my-extension/or/something',
      'moz-extension://my-extension/or/something',
      'safari-extension://my-extension/or/something',
      'safari-web-extension://my-extension/or/something',
      '127.0.0.1:4001/isrunning',
      'webappstoolbarba.texthelp.com/',
      'http://metrics.itunes.apple.com.edgesuite.net/itunespreview/itunes/browser:firefo',
      'https://fscr.kaspersky-labs.com/B-9B72-7B7/main.js',
      'webkit-masked-url:',
    ]) {
      expect(browserExtensionsFilter(withSource(source), on), source).toEqual({
        filtered: true,
        statKey: 'browser-extensions',
      });
    }
  });

  it('filters known extension values', () => {
    for (const value of [
      'what does conduitPage even do',
      "null is not an object (evaluating 'elt.parentNode')",
      'some error on top.GLOBALS',
      'biiig problem on originalCreateNotification',
      'canvas.contentDocument',
      'MyApp_RemoveAllHighlights',
      'http://tt.epicplay.com/not/very/good',
      "Can't find variable: ZiteReader, I wonder why?",
      "jigsaw is not defined and I'm not happy about it",
      'ComboSearch is not defined',
      'http://loading.retry.widdit.com/some/obscure/error',
      'atomicFindClose has messed up',
      'bad news, we have a fb_xd_fragment',
      'oh no! we have a case of: bmi_SafeAddOnload, again !',
      'watch out ! EBCallBackMessageReceived',
      'error _gCrWeb',
      'conduitPage',
      'plugin.setSuspendState is not a function',
      'Extension context invalidated',
      'useless error webkit-masked-url: please filter',
      "TypeError: can't access dead object because dead stuff smells bad",
    ]) {
      expect(browserExtensionsFilter(withValue(value), on).filtered, value).toBe(true);
    }
  });

  it('keeps reasonable sources and values', () => {
    expect(browserExtensionsFilter(withSource('https://some/resonable/source.js'), on).filtered).toBe(false);
    expect(browserExtensionsFilter(withValue('some perfectly reasonable value'), on).filtered).toBe(false);
  });

  it('only looks at the first exception and stops at a last frame without abs_path', () => {
    const second = eventWithException({ value: 'fine' });
    expect(browserExtensionsFilter(second, on).filtered).toBe(false);
    const noPath = eventWithException({
      stacktrace: { frames: [{ abs_path: 'chrome-extension://x/y.js' }, { function: 'f' }] },
    });
    expect(browserExtensionsFilter(noPath, on).filtered).toBe(false);
  });
});
