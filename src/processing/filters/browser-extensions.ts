/**
 * The browser-extensions filter (stat key `browser-extensions`), following
 * `relay-filter/src/browser_extensions.rs`.
 *
 * Looks at the first exception of `exception.values` only: its `value` against known noise from
 * extensions and injected scripts, and the `abs_path` of its last frame that is not anonymous
 * (`<anonymous>`, `[native code]`) against extension schemes and third-party sources. A last
 * frame without `abs_path` ends the search, as in Relay.
 */
import { asArray, asObject, asString, isJsonObject } from '../../protocol/json.js';
import { KEEP, filteredBy, type FilterVerdict } from './common.js';
import type { ToggleFilterConfig } from './config.js';
import type { Filterable } from './filterable.js';

/** Relay's `EXTENSION_EXC_VALUES` (case-insensitive, unanchored). */
const EXTENSION_EXC_VALUES = new RegExp(
  [
    // Random plugins/extensions
    String.raw`top\.GLOBALS`,
    // http://blog.errorception.com/2012/03/tale-of-unfindable-js-error.html
    'originalCreateNotification',
    'canvas.contentDocument',
    'MyApp_RemoveAllHighlights',
    String.raw`http://tt\.epicplay\.com`,
    String.raw`Can't\sfind\svariable:\sZiteReader`,
    String.raw`jigsaw\sis\snot\sdefined`,
    String.raw`ComboSearch\sis\snot\sdefined`,
    String.raw`http://loading\.retry\.widdit\.com/`,
    'atomicFindClose',
    // Facebook borked
    'fb_xd_fragment',
    // ISP "optimizing" proxy
    'bmi_SafeAddOnload',
    'EBCallBackMessageReceived',
    '_gCrWeb',
    'conduitPage',
    // Google Search app (iOS)
    String.raw`null\sis\snot\san\sobject\s\(evaluating\s'elt.parentNode'\)`,
    // Dragon Web Extension from Nuance Communications
    String.raw`plugin\.setSuspendState\sis\snot\sa\sfunction`,
    // Chrome extension message passing failure
    String.raw`Extension\scontext\sinvalidated`,
    'webkit-masked-url:',
    // Firefox: an extension touching a DOM node that no longer exists
    String.raw`can't\saccess\sdead\sobject`,
  ].join('|'),
  'i',
);

/** Relay's `EXTENSION_EXC_SOURCES` (case-insensitive). */
const EXTENSION_EXC_SOURCES = new RegExp(
  [
    String.raw`graph\.facebook\.com`,
    String.raw`connect\.facebook\.net`,
    String.raw`eatdifferent\.com\.woopra-ns\.com`,
    String.raw`static\.woopra\.com/js/woopra\.js`,
    String.raw`^chrome(-extension)?://`,
    String.raw`^moz-extension://`,
    String.raw`^safari(-web)?-extension://`,
    'webkit-masked-url',
    String.raw`127\.0\.0\.1:4001/isrunning`,
    String.raw`webappstoolbarba\.texthelp\.com/`,
    String.raw`metrics\.itunes\.apple\.com\.edgesuite\.net/`,
    String.raw`kaspersky-labs\.com`,
  ].join('|'),
  'i',
);

/** Frames without useful source: no function name, or native V8 code. */
const ANONYMOUS_FRAMES: readonly string[] = ['<anonymous>', '[native code]'];

function exceptionSource(exception: Record<string, unknown>): string | undefined {
  const frames = asArray(asObject(exception.stacktrace)?.frames);
  if (!frames) return undefined;
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i];
    const path = isJsonObject(frame) ? asString(frame.abs_path) : undefined;
    if (path === undefined) return undefined;
    if (!ANONYMOUS_FRAMES.includes(path)) return path;
  }
  return undefined;
}

/** True when the item's first exception comes from a known problematic extension. */
export function isBrowserExtensionError(item: Filterable): boolean {
  const first = item.exceptions?.()?.[0];
  if (!isJsonObject(first)) return false;
  const value = asString(first.value);
  if (value !== undefined && EXTENSION_EXC_VALUES.test(value)) return true;
  const source = exceptionSource(first);
  return source !== undefined && EXTENSION_EXC_SOURCES.test(source);
}

/** Applies the browser-extensions filter when enabled. */
export function browserExtensionsFilter(item: Filterable, config: ToggleFilterConfig): FilterVerdict {
  return config.isEnabled && isBrowserExtensionError(item) ? filteredBy('browser-extensions') : KEEP;
}
