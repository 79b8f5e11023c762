/**
 * Stack trace and exception normalization.
 *
 * Follows `relay-event-normalization/src/stacktrace.rs` (`filename` / `abs_path` derived from
 * each other, URL paths), `normalize/mod.rs` (null context lines become `""`, `context_line`
 * defaults to `""` when context exists), `event.rs` (`normalize_exceptions`: a single exception
 * absorbs the top-level stacktrace), Sentry's store normalization of exceptions (`"Type: value"`
 * split, exceptions without type and value dropped) and `FrameVars` (arrays become objects).
 * reference/relay-protocol.md §8 "Stack traces", "Exceptions".
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import type { EventMeta, EventPath } from './meta.js';

function isUrl(filename: string): boolean {
  return (
    filename.startsWith('file:') ||
    filename.startsWith('http:') ||
    filename.startsWith('https:') ||
    filename.startsWith('applewebdata:')
  );
}

const URL_PATH_CACHE_LIMIT = 1000;
const urlPathCache = new Map<string, string | undefined>();

/** The path of a URL, memoized (frames of one release share their URLs). `undefined` if unparsable. */
function urlPath(url: string): string | undefined {
  if (urlPathCache.has(url)) return urlPathCache.get(url);
  let path: string | undefined;
  try {
    path = new URL(url).pathname;
  } catch {
    // Unparsable URLs keep the full string, as in Relay.
    path = undefined;
  }
  if (urlPathCache.size >= URL_PATH_CACHE_LIMIT) urlPathCache.clear();
  urlPathCache.set(url, path);
  return path;
}

function isEmpty(value: JsonValue | undefined): boolean {
  return value === undefined || value === null || value === '';
}

/** Normalizes one non-raw frame in place (paths, context lines, `vars`). */
export function normalizeFrame(frame: JsonObject): void {
  // Relay moves `filename` into an empty `abs_path` and then derives `filename` back from it;
  // assigning (instead of deleting and re-adding keys) keeps the frame objects in V8's fast mode.
  const filename = frame.filename;
  let absPath = frame.abs_path;
  if (isEmpty(absPath) && !isEmpty(filename)) {
    frame.abs_path = filename as JsonValue;
    absPath = filename;
    frame.filename = null;
  }
  if (isEmpty(frame.filename) && typeof absPath === 'string') {
    frame.filename = absPath;
    if (isUrl(absPath)) {
      const path = urlPath(absPath);
      if (path !== undefined && path !== '' && path !== '/') frame.filename = path;
    }
  }
  for (const key of ['abs_path', 'filename'] as const) {
    const value = frame[key];
    if (value === null || value === '') delete frame[key];
  }

  let hasContext = false;
  for (const key of ['pre_context', 'post_context'] as const) {
    const lines = frame[key];
    if (Array.isArray(lines)) {
      for (let i = 0; i < lines.length; i++) {
        if (lines[i] === null || lines[i] === undefined) lines[i] = '';
      }
      hasContext ||= lines.length > 0;
    }
  }
  if (hasContext && (frame.context_line === undefined || frame.context_line === null))
    frame.context_line = '';

  const vars = frame.vars;
  if (Array.isArray(vars)) {
    const object: JsonObject = {};
    vars.forEach((value, i) => {
      object[String(i)] = value;
    });
    frame.vars = object;
  } else if (vars !== undefined && !isJsonObject(vars)) {
    delete frame.vars;
  }
}

/**
 * Normalizes `stacktrace.frames` in place: non-object frames are dropped (with an error at
 * `path`), and unless `raw` (for `raw_stacktrace`) every frame goes through
 * {@link normalizeFrame}. A stack trace that is not an object is removed.
 */
export function normalizeStacktrace(
  owner: JsonObject,
  key: string,
  path: EventPath,
  meta: EventMeta,
  raw: boolean,
): void {
  const stacktrace = owner[key];
  if (stacktrace === undefined) return;
  if (!isJsonObject(stacktrace)) {
    delete owner[key];
    if (stacktrace !== null) meta.addInvalid(path, 'expected a stacktrace', stacktrace);
    return;
  }
  const frames = stacktrace.frames;
  if (frames === undefined || frames === null) return;
  if (!Array.isArray(frames)) {
    delete stacktrace.frames;
    meta.addInvalid([...path, 'frames'], 'expected an array', frames);
    return;
  }
  let write = 0;
  for (let read = 0; read < frames.length; read++) {
    const frame = frames[read];
    if (!isJsonObject(frame)) {
      if (frame !== null) meta.addInvalid([...path, 'frames', read], 'expected a frame', frame);
      continue;
    }
    if (!raw) normalizeFrame(frame);
    frames[write++] = frame;
  }
  frames.length = write;
}

/** Accepts the legacy list form of a values interface (`[..]` → `{values: [..]}`). */
export function valuesInterface(event: JsonObject, key: string, meta: EventMeta): JsonValue[] | undefined {
  const value = event[key];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    event[key] = { values: value };
    return value;
  }
  if (!isJsonObject(value)) {
    delete event[key];
    if (value !== null) meta.addInvalid([key], 'expected a values interface', value);
    return undefined;
  }
  const values = value.values;
  if (values === undefined || values === null) {
    delete value.values;
    return undefined;
  }
  if (!Array.isArray(values)) {
    delete value.values;
    meta.addInvalid([key, 'values'], 'expected an array', values);
    return undefined;
  }
  return values;
}

// Relay's `^(\w+):(.*)$` with Unicode word characters; `.` stops at newlines, `$` is end of text.
const TYPE_VALUE = /^([\p{L}\p{M}\p{Nd}\p{Pc}]+):(.*)$/u;

/** `JsonLenientString`: strings kept, other values printed or serialized as JSON. */
function lenientText(value: JsonValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * Normalizes exceptions in place:
 * - `exception` as a plain list becomes `{values}`; non-object values are dropped;
 * - a single exception takes over the top-level `stacktrace`;
 * - `value` becomes a string; a missing `type` is split off `"Type: value"` values;
 * - exceptions with neither `type` nor `value` are dropped (`missing_attribute`);
 * - every exception's `stacktrace` (and `raw_stacktrace`) is normalized.
 * Also normalizes the top-level `stacktrace` and `threads[].stacktrace`.
 */
export function normalizeExceptionsAndStacktraces(event: JsonObject, meta: EventMeta): void {
  const values = valuesInterface(event, 'exception', meta);
  if (values) {
    let write = 0;
    for (let read = 0; read < values.length; read++) {
      const exception = values[read];
      if (!isJsonObject(exception)) {
        if (exception !== null)
          meta.addInvalid(['exception', 'values', read], 'expected an exception', exception);
        continue;
      }
      values[write++] = exception;
    }
    values.length = write;

    if (values.length === 1 && event.stacktrace !== undefined && event.stacktrace !== null) {
      const only = values[0] as JsonObject;
      only.stacktrace = event.stacktrace;
      delete event.stacktrace;
    }

    write = 0;
    for (let read = 0; read < values.length; read++) {
      const exception = values[read] as JsonObject;
      const path: EventPath = ['exception', 'values', write];
      if (exception.value === null) delete exception.value;
      else if (exception.value !== undefined) exception.value = lenientText(exception.value);
      if (exception.type === null || exception.type === '') delete exception.type;
      else if (exception.type !== undefined && typeof exception.type !== 'string') {
        meta.addInvalid([...path, 'type'], 'expected a string', exception.type);
        delete exception.type;
      }
      if (exception.type === undefined && typeof exception.value === 'string') {
        const m = TYPE_VALUE.exec(exception.value);
        if (m) {
          exception.type = m[1] ?? '';
          exception.value = (m[2] ?? '').trim();
        }
      }
      if (exception.type === undefined && (exception.value === undefined || exception.value === '')) {
        meta.addError(['exception', 'values', read], 'missing_attribute', {
          data: { attribute: 'type or value' },
          original: exception,
        });
        continue;
      }
      normalizeStacktrace(exception, 'stacktrace', [...path, 'stacktrace'], meta, false);
      normalizeStacktrace(exception, 'raw_stacktrace', [...path, 'raw_stacktrace'], meta, true);
      values[write++] = exception;
    }
    values.length = write;
  }

  normalizeStacktrace(event, 'stacktrace', ['stacktrace'], meta, false);

  const threads = valuesInterface(event, 'threads', meta);
  threads?.forEach((thread, i) => {
    if (!isJsonObject(thread)) return;
    normalizeStacktrace(thread, 'stacktrace', ['threads', 'values', i, 'stacktrace'], meta, false);
    normalizeStacktrace(thread, 'raw_stacktrace', ['threads', 'values', i, 'raw_stacktrace'], meta, true);
  });
}
