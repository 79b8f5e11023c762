/**
 * JavaScript symbolication of one event, in place: Sentry's `process_js_stacktraces`
 * (`sentry: src/sentry/lang/javascript/processing.py`) around Symbolicator's per-frame work
 * (`resolve-frame.ts`); reference/sentry-semantics.md §9.2.
 *
 * - Stack traces: each exception's, the event's own (whose raw copy goes to the single
 *   exception, where normalization moves it) and each thread's.
 * - Frames handled: with an `abs_path` (or, before normalization, a `filename`) and a positive
 *   `lineno`, not native code and not a Node built-in; other frames stay as they are (native
 *   and built-in ones are marked not in-app).
 * - Each handled frame takes the resolved function, paths, position, source context, module,
 *   in-app flag and `data.{sourcemap, resolved_with, symbolicated}`; the frames as they came,
 *   with the minified file's context, are kept as the container's `raw_stacktrace`.
 * - Problems become `errors` entries with Sentry's types (`js_no_source`, `js_invalid_source`,
 *   `js_missing_sources_content`, `js_invalid_sourcemap_location`), deduplicated per frame URL;
 *   missing files under `node_modules` or of browser extensions are not reported.
 *
 * The processing threads run it after normalization, inbound filters and scrubbing and before
 * grouping (Sentry's order, see `processSymbolicatedErrorItem`), so grouping sees the resolved
 * frames; it also takes an event as the SDK sent it (a frame's `filename` then stands in for
 * its missing `abs_path`). The event changes only once every frame is resolved, so an exception
 * (a bug) leaves it as it was.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { normalizeFrame } from '../normalize/stacktrace.js';
import type { ContextLines } from './source-context.js';
import { resolveModule, type JsModule, type ModuleContext } from './modules.js';
import { isNativeFrame, isNodeBuiltIn, skipsMissingSourceError } from './paths.js';
import { normalizeDebugId } from './references.js';
import { resolveFrame, type JsModuleError, type SymbolicatedFrame } from './resolve-frame.js';

/** A stack trace of the event and the object its `raw_stacktrace` goes on (none for the event's own). */
interface StacktraceInfo {
  stacktrace: JsonObject;
  frames: JsonValue[];
  container: JsonObject | undefined;
}

const JS_PLATFORMS: ReadonlySet<unknown> = new Set(['javascript', 'node']);

/** The objects of a values interface (`{values: [...]}`, or the legacy bare list). */
function interfaceValues(value: JsonValue | undefined): JsonObject[] {
  const list = Array.isArray(value)
    ? value
    : isJsonObject(value) && Array.isArray(value.values)
      ? value.values
      : [];
  return list.filter(isJsonObject);
}

/** The event's stack traces with frames (Sentry's `find_stacktraces_in_data`). */
function findStacktraces(event: JsonObject): StacktraceInfo[] {
  const infos: StacktraceInfo[] = [];
  const add = (stacktrace: JsonValue | undefined, container: JsonObject | undefined): void => {
    if (!isJsonObject(stacktrace) || !Array.isArray(stacktrace.frames) || stacktrace.frames.length === 0)
      return;
    infos.push({ stacktrace, frames: stacktrace.frames, container });
  };
  const exceptions = interfaceValues(event.exception);
  for (const exception of exceptions) add(exception.stacktrace, exception);
  // Normalization gives a lone exception the event's stack trace (relay-protocol.md §8).
  add(event.stacktrace, exceptions.length === 1 ? exceptions[0] : undefined);
  for (const thread of interfaceValues(event.threads)) add(thread.stacktrace, thread);
  return infos;
}

/** A frame's URL: `abs_path`, else (before normalization moves it there) `filename`. */
function frameAbsPath(frame: JsonObject): string | undefined {
  const absPath = frame.abs_path;
  if (typeof absPath === 'string' && absPath !== '') return absPath;
  const filename = frame.filename;
  return typeof filename === 'string' && filename !== '' ? filename : undefined;
}

/** The frame's URL when symbolication handles it (Sentry's `_handles_frame`). */
function handledAbsPath(frame: JsonValue, platform: JsonValue | undefined): string | undefined {
  if (!isJsonObject(frame)) return undefined;
  const absPath = frameAbsPath(frame);
  const { lineno } = frame;
  if (absPath === undefined || typeof lineno !== 'number' || !Number.isInteger(lineno) || lineno <= 0)
    return undefined;
  if (isNativeFrame(absPath) || isNodeBuiltIn(absPath, platform)) return undefined;
  return absPath;
}

/** Platform `javascript`/`node` on the event or on any frame (Sentry's `is_js_event`). */
function isJsEvent(event: JsonObject, infos: readonly StacktraceInfo[]): boolean {
  if (JS_PLATFORMS.has(event.platform)) return true;
  return infos.some(({ frames }) => frames.some((f) => isJsonObject(f) && JS_PLATFORMS.has(f.platform)));
}

/** `release` / `dist` as Relay reads them (lenient strings: numbers become text). */
function lenientString(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** `code_file` → debug id of the `debug_meta.images` of type `sourcemap` (Sentry's `is_sourcemap_image`). */
function sourcemapImages(event: JsonObject): Map<string, string> {
  const images = new Map<string, string>();
  const debugMeta = event.debug_meta;
  if (!isJsonObject(debugMeta) || !Array.isArray(debugMeta.images)) return images;
  for (const image of debugMeta.images) {
    if (!isJsonObject(image) || image.type !== 'sourcemap' || typeof image.code_file !== 'string') continue;
    const debugId = normalizeDebugId(image.debug_id);
    if (debugId !== undefined) images.set(image.code_file, debugId);
  }
  return images;
}

/** What symbolicating an event needs from the caller. */
export type EventSymbolicationContext = Omit<ModuleContext, 'release' | 'dist'>;

/**
 * Cheap checks before the lookups: a JavaScript event with frames to handle, and a release or a
 * `sourcemap` debug image to find artifacts with (other events are left alone).
 */
export function needsSymbolication(event: JsonObject): boolean {
  const infos = findStacktraces(event);
  if (!isJsEvent(event, infos)) return false;
  if (lenientString(event.release) === undefined && sourcemapImages(event).size === 0) return false;
  return infos.some(({ frames }) => frames.some((f) => handledAbsPath(f, event.platform) !== undefined));
}

/**
 * Symbolicates `event` in place (see the module comment). Returns whether it changed: `false`
 * for events {@link needsSymbolication} rejects.
 */
export async function symbolicateEvent(event: JsonObject, ctx: EventSymbolicationContext): Promise<boolean> {
  if (!needsSymbolication(event)) return false;
  const moduleContext: ModuleContext = {
    ...ctx,
    release: lenientString(event.release),
    dist: lenientString(event.dist),
  };
  const images = sourcemapImages(event);
  const modules = new Map<string, Promise<JsModule>>();
  const moduleAt = (absPath: string): Promise<JsModule> => {
    let module = modules.get(absPath);
    if (module === undefined) {
      module = resolveModule(moduleContext, absPath, images.get(absPath));
      modules.set(absPath, module);
    }
    return module;
  };

  const infos = findStacktraces(event);
  // Every file's lookups start at once, so that those of a batch's events travel together.
  for (const { frames } of infos) {
    for (const frame of frames) {
      const absPath = handledAbsPath(frame, event.platform);
      if (absPath !== undefined) moduleAt(withoutAsyncPrefix(absPath)).catch(() => undefined);
    }
  }

  const errors: JsModuleError[] = [];
  const updates: Array<{ info: StacktraceInfo; frames: JsonValue[]; rawFrames: JsonValue[] }> = [];
  for (const info of infos) {
    const frames: JsonValue[] = [];
    const rawFrames: JsonValue[] = [];
    let callsite: string | undefined;
    for (const original of info.frames) {
      const absPath = handledAbsPath(original, event.platform);
      if (absPath === undefined || !isJsonObject(original)) {
        rawFrames.push(rawCopy(original));
        frames.push(isJsonObject(original) ? unhandledFrame(original, event.platform) : original);
        continue;
      }
      const url = withoutAsyncPrefix(absPath);
      const colno = original.colno;
      const resolution = await resolveFrame(
        moduleContext,
        await moduleAt(url),
        {
          absPath: url,
          lineno: original.lineno as number,
          colno: typeof colno === 'number' && Number.isInteger(colno) && colno >= 0 ? colno : undefined,
          function: typeof original.function === 'string' ? original.function : undefined,
        },
        callsite,
      );
      callsite = resolution.tokenName;
      errors.push(...resolution.errors);
      rawFrames.push(withContext(rawCopy(original) as JsonObject, resolution.rawContext));
      frames.push(mergeFrame(original, resolution.frame));
    }
    updates.push({ info, frames, rawFrames });
  }
  for (const { info, frames, rawFrames } of updates) {
    info.stacktrace.frames = frames;
    if (info.container !== undefined) info.container.raw_stacktrace = { frames: rawFrames };
  }
  const mapped = eventErrors(errors);
  if (mapped.length > 0) {
    const existing = Array.isArray(event.errors) ? event.errors : [];
    existing.push(...mapped);
    event.errors = existing;
  }
  return true;
}

/** The URL without the `async ` prefix old SDKs left on the URL of async frames. */
function withoutAsyncPrefix(absPath: string): string {
  return absPath.startsWith('async ') ? absPath.slice('async '.length) : absPath;
}

/** A deep copy of a JSON value (much cheaper than `structuredClone` for small frames). */
function cloneJson(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (!isJsonObject(value)) return value;
  const copy: JsonObject = {};
  for (const key of Object.keys(value)) copy[key] = cloneJson(value[key]!);
  return copy;
}

/** A raw frame as Sentry keeps it: the frame after Relay's normalization, not shared with the processed one. */
function rawCopy(frame: JsonValue): JsonValue {
  if (!isJsonObject(frame)) return frame;
  const copy = cloneJson(frame) as JsonObject;
  normalizeFrame(copy);
  return copy;
}

/** Native and Node built-in frames are never in-app (Sentry's `_normalize_nonhandled_frame`). */
function unhandledFrame(frame: JsonObject, platform: JsonValue | undefined): JsonObject {
  const copy = { ...frame };
  const absPath = frameAbsPath(frame);
  if (absPath !== undefined && (isNativeFrame(absPath) || isNodeBuiltIn(absPath, platform)))
    copy.in_app = false;
  return copy;
}

/** Sets non-empty context fields (Sentry's `_merge_frame_context`). */
function withContext(frame: JsonObject, context: ContextLines | undefined): JsonObject {
  if (context === undefined) return frame;
  // Copies: contexts are remembered per artifact and shared by many events.
  if (context.pre.length > 0) frame.pre_context = context.pre.slice();
  if (context.line !== '') frame.context_line = context.line;
  if (context.post.length > 0) frame.post_context = context.post.slice();
  return frame;
}

/** The event frame updated with what symbolication set (Sentry's `_merge_frame`: only non-empty values). */
function mergeFrame(original: JsonObject, resolved: SymbolicatedFrame): JsonObject {
  const frame: JsonObject = { ...original };
  if (resolved.function) frame.function = resolved.function;
  if (resolved.abs_path) frame.abs_path = resolved.abs_path;
  if (resolved.filename) frame.filename = resolved.filename;
  if (resolved.lineno) frame.lineno = resolved.lineno;
  if (resolved.colno) frame.colno = resolved.colno;
  withContext(frame, resolved.context);
  const data: JsonObject = isJsonObject(original.data) ? { ...original.data } : {};
  if (resolved.data.sourcemap) data.sourcemap = resolved.data.sourcemap;
  if (resolved.data.resolved_with) data.resolved_with = resolved.data.resolved_with;
  data.symbolicated = resolved.data.symbolicated;
  frame.data = data;
  if (resolved.module) frame.module = resolved.module;
  if (resolved.in_app !== undefined) frame.in_app = resolved.in_app;
  // Sentry re-normalizes the processed event (paths derived from each other, context lines).
  normalizeFrame(frame);
  return frame;
}

/** Symbolicator's error kinds in declaration order: errors sort by URL, then by this. */
const KIND_ORDER: Readonly<Record<JsModuleError['type'], number>> = {
  invalid_location: 0,
  missing_source_content: 3,
  missing_source: 4,
  malformed_sourcemap: 5,
  missing_sourcemap: 6,
};

/**
 * The event's `errors` entries for the frames' problems (Sentry's
 * `map_symbolicator_process_js_errors`), after Symbolicator's deduplication and order.
 */
function eventErrors(errors: readonly JsModuleError[]): JsonObject[] {
  const unique = new Map<string, JsModuleError>();
  for (const error of errors) unique.set(JSON.stringify(error), error);
  const sorted = [...unique.entries()].sort(([ka, a], [kb, b]) => {
    if (a.abs_path !== b.abs_path) return a.abs_path < b.abs_path ? -1 : 1;
    return KIND_ORDER[a.type] - KIND_ORDER[b.type] || (ka < kb ? -1 : ka > kb ? 1 : 0);
  });
  const out: JsonObject[] = [];
  for (const [, error] of sorted) {
    switch (error.type) {
      case 'missing_source':
      case 'missing_sourcemap':
        if (!skipsMissingSourceError(error.abs_path))
          out.push({ symbolicator_type: error.type, type: 'js_no_source', url: error.abs_path });
        break;
      case 'malformed_sourcemap':
        out.push({ symbolicator_type: error.type, type: 'js_invalid_source', url: error.url });
        break;
      case 'missing_source_content':
        out.push({
          symbolicator_type: error.type,
          type: 'js_missing_sources_content',
          source: error.source,
          sourcemap: error.sourcemap,
        });
        break;
      case 'invalid_location':
        out.push({
          symbolicator_type: error.type,
          type: 'js_invalid_sourcemap_location',
          column: error.col ?? null,
          row: error.line,
          source: error.abs_path,
        });
        break;
    }
  }
  return out;
}
