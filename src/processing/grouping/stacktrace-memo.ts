/**
 * Per-stack-trace and per-exception memos: real traffic sends the same stack traces over and
 * over, so what the stack trace rules decide for a whole stack trace (each frame's `in_app`,
 * `in_app_rule` and `category`), the stack trace components built from it, and the components
 * of whole exceptions are remembered in bounded caches.
 *
 * The key holds everything those results depend on: the rule set, each frame's content (as its
 * {@link FrameMemo} number, which covers the effective platform), the SDK's `in_app` flag and the
 * category each frame arrives with, whether each frame repeats the previous one (recursion
 * reads `lineno` / `colno`, which are not frame content), and the exception's type, value and
 * mechanism when some rule reads them.
 */
import { BoundedCache } from './bounded-cache.js';
import type { Component } from './component.js';
import { applyClassifierRules, type Enhancements, type ExceptionMatchData } from './enhancements.js';
import type { WorkException, WorkFrame, WorkStacktrace } from './event-data.js';
import { frameMemo } from './frame-memo.js';
import { isRecursiveFrame } from './frame-strategy.js';
import type { RuleSetIndex } from './rule-index.js';

/** The `app` and `system` stack trace components of a stack trace (see `stacktraceStrategy`). */
export interface StacktraceComponents {
  readonly app: Component;
  readonly system: Component;
}

/** What grouping remembers about one stack trace under one rule set. */
export interface StacktraceMemo {
  /** A process-unique number of this memo (for exception memo keys). */
  readonly id: number;
  /** The rule set the memo was made with. */
  readonly rules: RuleSetIndex;
  /** Per frame, after the classifier rules: `in_app`, `in_app_rule`, `category`. */
  readonly inApp: readonly (boolean | undefined)[];
  readonly inAppRule: readonly (string | undefined)[];
  readonly category: readonly (string | undefined)[];
  /**
   * The stack trace components, built on first use. Never handed out: callers get copies of the
   * two top nodes, whose frame components are shared and final.
   */
  components?: StacktraceComponents;
}

/** Upper bound of remembered stack traces (an entry takes about 1 KB per frame). */
const MAX_STACKTRACES = 500;
const memos = new BoundedCache<string, StacktraceMemo>(MAX_STACKTRACES);
let nextId = 0;

function keyPart(value: string | undefined): string {
  // Length-prefixed, so the parts of a key can always be told apart.
  return value === undefined ? '-' : `${value.length}:${value}`;
}

function stacktraceKey(
  rules: RuleSetIndex,
  frames: readonly WorkFrame[],
  platform: string | undefined,
  exception: ExceptionMatchData,
): string {
  let key = `${rules.id}|`;
  if (rules.readsException)
    key += keyPart(exception.type) + keyPart(exception.value) + keyPart(exception.mechanism);
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i] as WorkFrame;
    key += frameMemo(frame, platform).id;
    key += frame.in_app === undefined ? 'u' : frame.in_app ? 't' : 'f';
    if (frame.category !== undefined) key += keyPart(frame.category);
    if (isRecursiveFrame(frame, frames[i - 1])) key += 'r';
    key += ',';
  }
  return key;
}

/**
 * Applies the classifier rules to one stack trace (as `applyClassifierRules` does), reusing a
 * remembered outcome for a stack trace seen before, and attaches the memo to `stacktrace`.
 * Frames must be final apart from `in_app` / `in_app_rule` / `category` (function names
 * trimmed, query strings stripped).
 */
export function classifyStacktrace(
  enhancements: Enhancements,
  stacktrace: WorkStacktrace,
  platform: string | undefined,
  exception: ExceptionMatchData,
): void {
  const { frames } = stacktrace;
  const key = stacktraceKey(enhancements.index, frames, platform, exception);
  let memo = memos.get(key);
  if (memo === undefined) {
    applyClassifierRules(enhancements, frames, platform, exception);
    memo = memos.set(key, {
      id: nextId++,
      rules: enhancements.index,
      inApp: frames.map((frame) => frame.in_app),
      inAppRule: frames.map((frame) => frame.in_app_rule),
      category: frames.map((frame) => frame.category),
    });
  } else {
    const { inApp, inAppRule, category } = memo;
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i] as WorkFrame;
      frame.in_app = inApp[i];
      frame.in_app_rule = inAppRule[i];
      frame.category = category[i];
    }
  }
  stacktrace.memo = memo;
}

/**
 * The stack trace components of `stacktrace` under `enhancements`: remembered ones when the
 * stack trace was classified with the same rules, else `build()`'s (remembered for next time).
 */
export function stacktraceComponents(
  stacktrace: WorkStacktrace,
  enhancements: Enhancements,
  build: () => StacktraceComponents,
): StacktraceComponents {
  const memo = stacktrace.memo;
  if (memo === undefined || memo.rules !== enhancements.index) return build();
  if (memo.components === undefined) {
    const { app, system } = build();
    memo.components = { app: app.seal(), system: system.seal() };
  }
  return memo.components;
}

/** Upper bound of remembered exceptions, and of the exception values they are remembered for. */
const MAX_EXCEPTIONS = 500;
const MAX_EXCEPTION_VALUE_LENGTH = 512;
const exceptionMemos = new BoundedCache<string, readonly (readonly [string, Component])[]>(MAX_EXCEPTIONS);

function nsErrorPart(value: string | number | undefined): string {
  if (value === undefined) return '-';
  return typeof value === 'number'
    ? `#${keyPart(Object.is(value, -0) ? '-0' : String(value))}`
    : keyPart(value);
}

/**
 * The components of one exception (`single-exception:v1`, keyed by variant): remembered ones for
 * an exception seen before (same stack trace memo, type, value, mechanism flags), else
 * `build()`'s (remembered for next time when the exception's stack trace was classified with
 * `enhancements`). Returned top nodes are fresh copies; everything below them is shared and final.
 */
export function exceptionComponents(
  exception: WorkException,
  enhancements: Enhancements,
  build: () => Map<string, Component>,
): Map<string, Component> {
  const stacktrace = exception.stacktrace;
  const memo = stacktrace?.memo;
  if (
    (stacktrace !== undefined && (memo === undefined || memo.rules !== enhancements.index)) ||
    (exception.value?.length ?? 0) > MAX_EXCEPTION_VALUE_LENGTH
  ) {
    return build();
  }
  const nsError = exception.mechanism?.ns_error;
  const key =
    `${enhancements.index.id}|${memo?.id ?? '-'}|` +
    keyPart(exception.type) +
    keyPart(exception.value) +
    (exception.mechanism?.synthetic ? 's' : 'n') +
    (nsError === undefined ? '-' : `N${nsErrorPart(nsError.domain)}${nsErrorPart(nsError.code)}`);
  let entries = exceptionMemos.get(key);
  if (entries === undefined) {
    entries = exceptionMemos.set(
      key,
      [...build()].map(([variant, component]) => [variant, component.seal()] as const),
    );
  }
  return new Map(entries.map(([variant, component]) => [variant, component.shallowCopy()]));
}
