/**
 * The `frame:v1` strategy: the grouping component of one stack frame, made of `module`,
 * `filename`, `function` and (for platforms with reliable source) `context-line`.
 *
 * Follows `sentry: src/sentry/grouping/strategies/newstyle.py` (`frame`, `get_filename_component`,
 * `get_module_component`, `get_function_component`, `get_contextline_component`) as configured by
 * `newstyle:2023-01-11`; reference/sentry-semantics.md §3.3.
 */
import { Component } from './component.js';
import type { WorkFrame } from './event-data.js';
import { frameMemo } from './frame-memo.js';
import { platformFamily, trimFunctionName } from './functions.js';
import { pyRegex, pySplitWhitespace } from './py-regex.js';

/** Platforms whose context lines are trusted for grouping. */
const CONTEXTLINE_PLATFORMS = new Set(['javascript', 'node', 'python', 'php', 'ruby']);

const RUBY_ERB_FUNC = pyRegex('__\\d{4,}_\\d{4,}$');
// JVM code generators append random ids to class names; these keep the marker, drop the id.
const JAVA_CODEGEN_MARKERS = [
  pyRegex('(sun\\.reflect\\.Generated(?:Serialization)?ConstructorAccessor)\\d+', 'g'),
  pyRegex('(\\$\\$[\\w_]+?CGLIB\\$\\$)[a-fA-F0-9]+(?:_[0-9]+)?', 'g'),
  pyRegex('(\\$\\$_javassist)(?:_seam)?(?:_[0-9]+)?', 'g'),
  pyRegex('(\\$fn__)\\d+', 'g'),
  pyRegex('(\\$\\$?EnhancerBy[\\w_]+?\\$?\\$)[a-fA-F0-9]+(?:_[0-9]+)?', 'g'),
  pyRegex('(\\$\\$?FastClassBy[\\w_]+?\\$?\\$)[a-fA-F0-9]+(?:_[0-9]+)?', 'g'),
  pyRegex('(\\$\\$?HibernateProxy\\$?\\$)\\w+(?:_[0-9]+)?', 'g'),
];
const JAVASSIST = JAVA_CODEGEN_MARKERS[2] as RegExp;
const UNKNOWN_JS_FUNCTIONS = new Set(['?', '<anonymous function>', '<anonymous>', 'Anonymous function']);
const LOW_QUALITY_JS_PATHS = new Set(['[native code]', 'native code', 'eval code', '<anonymous>']);

/**
 * Sentry's `has_url_origin`: the path is an http(s)/applewebdata/blob URL, or a `file:` URL when
 * `filesCountAsUrls`.
 */
export function hasUrlOrigin(path: string | undefined, filesCountAsUrls: boolean): boolean {
  if (!path) return false;
  if (/^(?:http:|https:|applewebdata:|blob:)/u.test(path)) return true;
  return path.startsWith('file:') ? filesCountAsUrls : false;
}

/** Python's `str.rsplit(sep, 1)[-1]`. */
function afterLast(text: string, sep: string): string {
  const idx = text.lastIndexOf(sep);
  return idx === -1 ? text : text.slice(idx + sep.length);
}

function filenameComponent(
  absPath: string | undefined,
  filename: string | undefined,
  platform: string | undefined,
) {
  if (filename === undefined) return new Component('filename');
  const base = filename
    .slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1)
    .toLowerCase();
  const component = new Component('filename', { values: [base] });
  if (hasUrlOrigin(absPath, false)) {
    component.update({ contributes: false, hint: 'ignored because frame points to a URL' });
  } else if (base === '<anonymous>') {
    component.update({ contributes: false, hint: 'ignored because filename is anonymous' });
  } else if (base === '[native code]') {
    component.update({ contributes: false, hint: 'ignored because filename suggests native code' });
  } else if (platform === 'java') {
    const cleaned = base.replace(JAVASSIST, '$1<auto>');
    if (cleaned !== base) component.update({ values: [cleaned], hint: 'cleaned javassist parts' });
  }
  return component;
}

function moduleComponent(
  absPath: string | undefined,
  module: string | undefined,
  platform: string | undefined,
) {
  if (module === undefined) return new Component('module');
  const component = new Component('module', { values: [module] });
  if (platform === 'javascript' && module.includes('/') && absPath && absPath.endsWith(module)) {
    component.update({ contributes: false, hint: 'ignored bad javascript module' });
  } else if (platform === 'java') {
    if (module.includes('$$Lambda$')) component.update({ contributes: false, hint: 'ignored java lambda' });
    const reflection = [
      'sun.reflect.GeneratedMethodAccessor',
      'jdk.internal.reflect.GeneratedMethodAccessor',
    ].find((prefix) => module.startsWith(prefix));
    if (reflection !== undefined) {
      component.update({ values: [reflection], hint: 'removed reflection marker' });
    } else {
      const cleaned = JAVA_CODEGEN_MARKERS.reduce((m, re) => m.replace(re, '$1<auto>'), module);
      if (cleaned !== module) component.update({ values: [cleaned], hint: 'removed codegen marker' });
    }
  }
  return component;
}

function functionComponent(
  frame: WorkFrame,
  platform: string | undefined,
  contextLineAvailable: boolean,
): Component {
  let func: string | undefined;
  if (platform === 'csharp') {
    // C# names were trimmed late in Sentry's history; the raw name keeps old hashes stable.
    func = frame.raw_function || frame.function;
  } else {
    func = frame.function || frame.raw_function;
    if (!frame.raw_function && frame.function) func = trimFunctionName(frame.function, platform);
  }
  if (!func) return new Component('function');
  const component = new Component('function', { values: [func] });
  const family = platformFamily(platform);
  if (platform === 'ruby') {
    if (func.startsWith('block ')) component.update({ values: ['block'], hint: 'ruby block' });
    else {
      const cleaned = func.replace(RUBY_ERB_FUNC, '');
      if (cleaned !== func)
        component.update({ values: [cleaned], hint: 'removed generated erb template suffix' });
    }
  } else if (platform === 'php') {
    if (func.startsWith('[Anonymous') || func.startsWith('class@anonymous\x00')) {
      component.update({ contributes: false, hint: 'ignored anonymous function' });
    }
    if (func.startsWith('class@anonymous')) {
      const method = afterLast(func, '::');
      if (method !== func) component.update({ values: [method], hint: 'anonymous class method' });
    }
  } else if (platform === 'java') {
    if (func.startsWith('lambda$')) component.update({ contributes: false, hint: 'ignored lambda function' });
  } else if (family === 'native' && (func === '<redacted>' || func === '<unknown>')) {
    component.update({ contributes: false, hint: 'ignored unknown function' });
  } else if (family === 'javascript') {
    // `Object.foo` / `Foo.foo` -> `foo`: browsers disagree about the receiver part.
    const trimmed = afterLast(func, '.');
    if (trimmed !== func) component.update({ values: [trimmed], hint: 'trimmed javascript function' });
    // Source-mapped names are unreliable; the context line is the better signal.
    if (frame.sourcemap_used && contextLineAvailable) {
      component.update({
        contributes: false,
        hint: 'ignored because sourcemap used and context line available',
      });
    }
  }
  return component;
}

function contextLineComponent(frame: WorkFrame, platform: string | undefined): Component {
  const raw = frame.context_line ?? '';
  const line = pySplitWhitespace(raw).join(' ');
  if (line === '') return new Component('context-line');
  const component = new Component('context-line', { values: [line] });
  // Code points, like Python's len(); a string of at most 120 UTF-16 units has no more.
  if (raw.length > 120 && [...raw].length > 120) {
    component.update({ contributes: false, hint: 'ignored because line is too long' });
  } else if (
    platformFamily(platform) === 'javascript' &&
    !frame.function &&
    hasUrlOrigin(frame.abs_path, true)
  ) {
    component.update({
      contributes: false,
      hint: 'ignored because file path is a URL and function name is missing',
    });
  }
  return component;
}

/**
 * Builds the `frame` component of `frame` (event platform `eventPlatform` as the fallback). It
 * only depends on the frame's content (and `in_app`), so it is built once per distinct frame
 * and remembered on the frame's {@link frameMemo}; callers get a copy of the frame node they may
 * change, whose child components (`module`, `filename`, ...) are shared and must not be changed.
 */
export function frameComponent(frame: WorkFrame, eventPlatform: string | undefined): Component {
  const memo = frameMemo(frame, eventPlatform);
  memo.component ??= buildFrameComponent(frame, eventPlatform);
  const component = memo.component.shallowCopy();
  component.inApp = frame.in_app;
  return component;
}

function buildFrameComponent(frame: WorkFrame, eventPlatform: string | undefined): Component {
  const platform = frame.platform ?? eventPlatform;
  const filename = filenameComponent(frame.abs_path, frame.filename, platform);
  const module = moduleComponent(frame.abs_path, frame.module, platform);
  if (module.contributes && filename.contributes) {
    filename.update({ contributes: false, hint: 'ignored because module takes precedence' });
  }
  const contextLine =
    frame.context_line && platform !== undefined && CONTEXTLINE_PLATFORMS.has(platform)
      ? contextLineComponent(frame, platform)
      : undefined;
  const func = functionComponent(frame, platform, contextLine?.contributes === true);
  const values = contextLine === undefined ? [module, filename, func] : [module, filename, func, contextLine];
  const component = new Component('frame', { values });

  if (platformFamily(platform) === 'javascript') {
    const raw = frame.raw_function || frame.function;
    const name = raw ? afterLast(raw, '.') : raw;
    if (!name) func.update({ contributes: false });
    else if (UNKNOWN_JS_FUNCTIONS.has(name) || name.endsWith('/<')) {
      func.update({ contributes: false, hint: 'ignored unknown function name' });
    }
    if (name === 'eval' || (frame.abs_path !== undefined && LOW_QUALITY_JS_PATHS.has(frame.abs_path))) {
      component.update({ contributes: false, hint: 'ignored low quality javascript frame' });
    }
  }
  return component;
}

const RECURSION_FIELDS = [
  'abs_path',
  'package',
  'module',
  'filename',
  'function',
  'lineno',
  'colno',
] as const;

/** True when `frame` repeats `previous` exactly (a recursive call). */
export function isRecursiveFrame(frame: WorkFrame, previous: WorkFrame | undefined): boolean {
  if (previous === undefined) return false;
  return RECURSION_FIELDS.every((field) => frame[field] === previous[field]);
}
