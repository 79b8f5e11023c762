/**
 * Per-frame memo: everything grouping derives from a frame's content (the fields stack trace
 * rules never change) is computed once per distinct frame and remembered in a bounded,
 * process-wide cache, because real traffic repeats the same frames endlessly. Consumers hang
 * their own derived values on the memo (candidate rules per rule set, the frame's grouping
 * component).
 *
 * Only content keys the cache: `in_app`, `client_in_app`, `in_app_rule` and `category` change
 * while rules run and are always read from the frame itself.
 */
import { BoundedTupleCache } from './bounded-cache.js';
import type { Component } from './component.js';
import type { WorkFrame } from './event-data.js';
import { functionNameForFrame, platformFamily, type PlatformFamily } from './functions.js';
import type { RuleSetIndex, FrameRuleInfo } from './rule-index.js';

/** Frame fields the rule matchers read that stack trace rules never change, normalised for matching. */
export interface FrameStatics {
  readonly family: PlatformFamily;
  /** Function name as Sentry matches it (trimmed; `<unknown>` when absent). */
  readonly function: string;
  readonly module: string | undefined;
  /** Lowercased, backslashes read as `/`. */
  readonly package: string | undefined;
  /** `abs_path`, else `filename`; lowercased, backslashes read as `/`. */
  readonly path: string | undefined;
  /** Lowercased, backslashes read as `/`. */
  readonly filename: string | undefined;
}

/** What grouping remembers about one distinct frame content. */
export interface FrameMemo {
  /** A process-unique number of this memo (for keys of memos built from several frames). */
  readonly id: number;
  readonly statics: FrameStatics;
  /** Per rule set: the frame's candidate rules. */
  readonly rules: Map<RuleSetIndex, FrameRuleInfo>;
  /** The frame's `frame` grouping component before any variant changed it (never handed out). */
  component?: Component;
}

/** Upper bound of remembered frame contents (an entry takes up to about 3 KB). */
const MAX_FRAMES = 5_000;
/** Frame content → memo; the key parts are listed in {@link frameMemo}. */
const memos = new BoundedTupleCache<FrameMemo>(9, MAX_FRAMES);
let nextId = 0;

function pathLike(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.toLowerCase().replaceAll('\\', '/');
}

/**
 * The memo of `frame`'s content (`eventPlatform` applies when the frame has no platform). The
 * memo is also stored on the frame (`frame.memo`), so a frame's content fields (all but `in_app`,
 * `client_in_app`, `in_app_rule`, `category`) must not change after the first call; grouping
 * calls it only once function names are trimmed and query strings stripped.
 */
export function frameMemo(frame: WorkFrame, eventPlatform: string | undefined): FrameMemo {
  if (frame.memo !== undefined) return frame.memo;
  const platform = frame.platform ?? eventPlatform;
  // Coarse parts first, so frames of one file share the upper levels of the cache.
  const key = [
    platform,
    frame.sourcemap_used ? 'sourcemap' : undefined,
    frame.abs_path,
    frame.filename,
    frame.module,
    frame.package,
    frame.function,
    frame.raw_function,
    frame.context_line,
  ];
  const memo = memos.get(key, () => ({
    id: nextId++,
    statics: {
      family: platformFamily(platform),
      function: functionNameForFrame(frame, eventPlatform) || '<unknown>',
      module: frame.module,
      package: pathLike(frame.package),
      path: pathLike(frame.abs_path || frame.filename),
      filename: pathLike(frame.filename),
    },
    rules: new Map(),
  }));
  frame.memo = memo;
  return memo;
}
