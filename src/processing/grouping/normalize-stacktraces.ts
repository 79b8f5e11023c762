/**
 * Normalisation of stack traces before grouping: trims function names, strips query strings
 * from JavaScript filenames, applies the stack trace rules' in-app / category classification and
 * defaults every remaining `in_app` to `false`.
 *
 * Follows `sentry: src/sentry/stacktraces/processing.py` (`normalize_stacktraces_for_grouping`,
 * `_normalize_in_app`, `_trim_function_name`). Works on a {@link WorkEvent} copy in place.
 */
import type { Enhancements } from './enhancements.js';
import { allStacktraces, type WorkEvent, type WorkFrame } from './event-data.js';
import { trimFunctionName } from './functions.js';
import { classifyStacktrace } from './stacktrace-memo.js';

/** The mix of in-app and system frames over all stack traces (Sentry's `in_app_frame_mix`). */
export type InAppFrameMix = 'in-app-only' | 'system-only' | 'mixed';

function trimFunction(frame: WorkFrame, platform: string | undefined): void {
  if (!frame.function || frame.raw_function !== undefined) return;
  const trimmed = trimFunctionName(frame.function, frame.platform ?? platform);
  if (trimmed !== frame.function) {
    frame.raw_function = frame.function;
    frame.function = trimmed;
  }
}

/** Removes `?query` from a filename the way `urlparse(...).query` + `str.replace` would. */
function stripQueryString(filename: string): string {
  const hash = filename.indexOf('#');
  const beforeFragment = hash === -1 ? filename : filename.slice(0, hash);
  const q = beforeFragment.indexOf('?');
  if (q === -1) return filename;
  const query = beforeFragment.slice(q + 1);
  return query === '' ? filename : filename.replaceAll(`?${query}`, '');
}

/**
 * Normalises every stack trace of `work` in place and returns the event's in-app frame mix
 * (`undefined` when the event has no frames). What the rules decide is remembered per stack
 * trace and attached to it (see `stacktrace-memo.ts`), for the grouping strategies to reuse.
 */
export function normalizeStacktracesForGrouping(
  work: WorkEvent,
  enhancements: Enhancements,
): InAppFrameMix | undefined {
  const stacktraces = allStacktraces(work);
  if (stacktraces.length === 0) return undefined;
  for (const { stacktrace } of stacktraces) {
    for (const frame of stacktrace.frames) {
      trimFunction(frame, work.platform);
      frame.client_in_app = frame.in_app;
      if (work.platform === 'javascript' && frame.filename !== undefined) {
        frame.filename = stripQueryString(frame.filename);
      }
    }
  }
  for (const { stacktrace, exception } of stacktraces) {
    classifyStacktrace(enhancements, stacktrace, work.platform, {
      type: exception?.type,
      value: exception?.value,
      mechanism: exception?.mechanism?.type,
    });
  }
  const mixes = stacktraces.map(({ stacktrace }) => {
    let inApp = false;
    let system = false;
    for (const frame of stacktrace.frames) {
      if (frame.in_app === undefined) frame.in_app = false;
      if (frame.in_app) inApp = true;
      else system = true;
    }
    return inApp && system ? 'mixed' : inApp ? 'in-app-only' : 'system-only';
  });
  if (mixes.every((m) => m === 'in-app-only')) return 'in-app-only';
  if (mixes.every((m) => m === 'system-only')) return 'system-only';
  return 'mixed';
}
