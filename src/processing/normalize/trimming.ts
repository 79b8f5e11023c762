/**
 * Trimming of over-long strings, over-sized data bags and over-long stack traces.
 *
 * Follows `relay-event-normalization/src/trimming.rs` (`trim_string` with the `!limit` remark,
 * bag depth/size accounting, JSON-stringifying containers at the last allowed depth, frame
 * hard limit 250 keeping the newest frames, `slim_frame_data` with an allowance of 50) and the
 * `max_chars` / `bag_size` attributes of `relay-event-schema`. reference/relay-protocol.md §8.7.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { charLength, type EventMeta, type EventPath } from './meta.js';

/** A string limit: cut to `limit` characters once longer than `limit + allowance`. */
export interface MaxChars {
  limit: number;
  allowance: number;
}

/** Relay's `MaxChars` presets. */
export const MAX_CHARS = {
  hash: { limit: 128, allowance: 0 },
  enumlike: { limit: 128, allowance: 0 },
  summary: { limit: 1024, allowance: 100 },
  message: { limit: 8192, allowance: 200 },
  symbol: { limit: 256, allowance: 20 },
  path: { limit: 256, allowance: 40 },
  shortPath: { limit: 128, allowance: 20 },
  email: { limit: 75, allowance: 0 },
  culprit: { limit: 200, allowance: 0 },
} as const satisfies Record<string, MaxChars>;

/** A data bag limit: maximum nesting depth and maximum serialized size in bytes. */
export interface BagSize {
  maxDepth: number;
  maxBytes: number;
}

/** Relay's `BagSize` presets. */
export const BAG_SIZE = {
  small: { maxDepth: 3, maxBytes: 1024 },
  medium: { maxDepth: 5, maxBytes: 2048 },
  large: { maxDepth: 7, maxBytes: 8192 },
  larger: { maxDepth: 7, maxBytes: 16384 },
  massive: { maxDepth: 7, maxBytes: 262144 },
} as const satisfies Record<string, BagSize>;

/** Breadcrumb `data`: depth 5, 2 KiB (`Breadcrumb.data` attributes). */
const BREADCRUMB_DATA: BagSize = { maxDepth: 5, maxBytes: 2048 };

/** Frames kept per stack trace (the newest ones). */
export const MAX_FRAMES = 250;
/** Frames that keep `vars` and source context in long stack traces. */
export const FRAME_ALLOWANCE = 50;

/**
 * Cuts `value` to `limit` characters (the last three being `...`) when it is longer than
 * `limit + allowance`; records `["!limit", "s", limit-3, limit]` and the original length.
 * Returns the (possibly) new string.
 */
export function trimString(value: string, max: MaxChars, path: EventPath, meta: EventMeta): string {
  const length = charLength(value);
  if (length <= max.limit + max.allowance) return value;
  const keep = Math.max(0, max.limit - 3);
  const chars = length === value.length ? value.slice(0, keep) : Array.from(value).slice(0, keep).join('');
  meta.addRemark(path, ['!limit', 's', keep, keep + 3], length);
  return `${chars}...`;
}

/** Trims `parent[key]` in place when it is a string; `prefix` is the path of `parent`. */
function trimField(parent: JsonObject, key: string, max: MaxChars, prefix: EventPath, meta: EventMeta): void {
  const value = parent[key];
  // Checked here so the path array is only built for values that are actually cut.
  if (typeof value === 'string' && value.length > max.limit + max.allowance) {
    parent[key] = trimString(value, max, [...prefix, key], meta);
  }
}

/** Size of a value in JSON without its children, as Relay's `estimate_size_flat`. */
function flatSize(value: JsonValue | undefined): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value === 'number') return String(value).length;
  if (typeof value === 'boolean') return value ? 4 : 5;
  if (value === null || value === undefined) return 4;
  return 2;
}

interface BagState {
  maxDepth: number;
  rootDepth: number;
  remaining: number;
}

const DELETE = Symbol('delete');

/**
 * Walks one data bag with Relay's bookkeeping: each processed value costs its flat size + 1
 * bytes in every enclosing bag; once a bag is exhausted the following members are dropped
 * (the container keeps its original length in `_meta`); strings are cut to what is left;
 * containers at the last allowed depth become JSON strings; deeper values are dropped.
 */
class BagTrimmer {
  private readonly stack: BagState[] = [];
  /** The current path; mutated while walking (meta writes copy what they need). */
  private readonly path: (string | number)[];

  constructor(
    private readonly meta: EventMeta,
    root: EventPath,
  ) {
    this.path = [...root];
  }

  private remainingSize(): number {
    let min = Infinity;
    for (const state of this.stack) min = Math.min(min, state.remaining);
    return min;
  }

  private remainingDepth(depth: number): number {
    let min = Infinity;
    for (const state of this.stack)
      min = Math.min(min, Math.max(0, state.maxDepth - (depth - state.rootDepth)));
    return min;
  }

  /**
   * Processes `value` at `depth`; `bag` opens a new bag at this value, `childBag` one at each
   * direct child (Relay's per-value `ExtraValue` bags). Returns the new value or `DELETE`.
   */
  process(value: JsonValue, depth: number, bag?: BagSize, childBag?: BagSize): JsonValue | typeof DELETE {
    if (bag) this.stack.push({ maxDepth: bag.maxDepth, rootDepth: depth, remaining: bag.maxBytes });
    let result: JsonValue | typeof DELETE = value;

    if (this.remainingSize() === 0 || this.remainingDepth(depth) === 0) {
      result = DELETE;
    } else {
      if ((Array.isArray(value) || isJsonObject(value)) && this.remainingDepth(depth) === 1) {
        const empty = Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
        if (!empty) result = JSON.stringify(value);
      }
      if (typeof result === 'string') {
        const innermost = this.stack[this.stack.length - 1];
        if (innermost && result.length > innermost.remaining) {
          result = trimString(result, { limit: innermost.remaining, allowance: 0 }, this.path, this.meta);
        }
      } else if (Array.isArray(result)) {
        this.processArray(result, depth, childBag);
      } else if (isJsonObject(result)) {
        this.processObject(result, depth, childBag);
      }
    }

    if (bag) this.stack.pop();
    if (result !== DELETE) {
      const cost = flatSize(result) + 1;
      for (const state of this.stack) state.remaining = Math.max(0, state.remaining - cost);
    }
    return result;
  }

  private processArray(array: JsonValue[], depth: number, childBag?: BagSize): void {
    const original = array.length;
    let write = 0;
    for (let read = 0; read < array.length; read++) {
      if (this.remainingSize() === 0) break;
      this.path.push(read);
      const out = this.process(array[read] as JsonValue, depth + 1, childBag);
      this.path.pop();
      if (out !== DELETE) array[write++] = out;
    }
    array.length = write;
    if (write !== original) this.meta.setOriginalLength(this.path, original);
  }

  private processObject(object: JsonObject, depth: number, childBag?: BagSize): void {
    const keys = Object.keys(object);
    let cut = false;
    for (const key of keys) {
      const item = object[key];
      if (item === undefined) continue;
      if (cut || this.remainingSize() === 0) {
        cut = true;
        delete object[key];
        continue;
      }
      this.path.push(key);
      const out = this.process(item, depth + 1, childBag);
      this.path.pop();
      if (out === DELETE) delete object[key];
      else if (out !== item) object[key] = out;
    }
    if (cut || Object.keys(object).length !== keys.length)
      this.meta.setOriginalLength(this.path, keys.length);
  }
}

/** Trims the data bag at `parent[key]` in place. */
function trimBag(
  parent: JsonObject,
  key: string,
  path: EventPath,
  meta: EventMeta,
  bag: BagSize,
  childBag?: BagSize,
): void {
  const value = parent[key];
  if (value === undefined || value === null) return;
  const out = new BagTrimmer(meta, path).process(value, 0, bag, childBag);
  if (out === DELETE) delete parent[key];
  else parent[key] = out;
}

/** Relay's `slim_frame_data`: strips `vars` and source context from middle frames. */
function slimFrames(frames: JsonValue[], allowance: number): void {
  if (frames.length <= allowance) return;
  const app: number[] = [];
  const system: number[] = [];
  frames.forEach((frame, i) => {
    if (!isJsonObject(frame)) return;
    (frame.in_app === true ? app : system).push(i);
  });
  const systemHalf = Math.floor(Math.max(0, allowance - app.length) / 2);
  const systemRemove =
    system.length > 2 * systemHalf ? system.slice(systemHalf, system.length - systemHalf) : [];
  const remaining = Math.max(0, frames.length - allowance - systemRemove.length);
  const appHalf = Math.floor(Math.max(0, app.length - remaining) / 2);
  const appRemove = app.length > 2 * appHalf ? app.slice(appHalf, app.length - appHalf) : [];
  for (const i of [...systemRemove, ...appRemove]) {
    const frame = frames[i];
    if (isJsonObject(frame)) {
      delete frame.vars;
      delete frame.pre_context;
      delete frame.post_context;
    }
  }
}

/** Trims one stack trace: frame hard limit, per-frame strings and bags, then slimming. */
function trimStacktrace(owner: JsonObject, key: string, path: EventPath, meta: EventMeta): void {
  const stacktrace = owner[key];
  if (!isJsonObject(stacktrace) || !Array.isArray(stacktrace.frames)) return;
  const frames = stacktrace.frames;
  if (frames.length > MAX_FRAMES) {
    meta.setOriginalLength([...path, 'frames'], frames.length);
    frames.splice(0, frames.length - MAX_FRAMES);
  }
  frames.forEach((frame, i) => {
    if (!isJsonObject(frame)) return;
    const framePath = [...path, 'frames', i];
    for (const field of ['function', 'raw_function', 'symbol'] as const) {
      trimField(frame, field, MAX_CHARS.symbol, framePath, meta);
    }
    for (const field of ['filename', 'abs_path'] as const)
      trimField(frame, field, MAX_CHARS.path, framePath, meta);
    if (frame.vars !== undefined) trimBag(frame, 'vars', [...framePath, 'vars'], meta, BAG_SIZE.medium);
  });
  slimFrames(frames, FRAME_ALLOWANCE);
}

function eachValue(event: JsonObject, key: string, visit: (item: JsonObject, index: number) => void): void {
  const container = event[key];
  if (!isJsonObject(container) || !Array.isArray(container.values)) return;
  container.values.forEach((item, i) => {
    if (isJsonObject(item)) visit(item, i);
  });
}

/**
 * Applies all of §8.7's limits to `event` in place, recording `!limit` remarks and original
 * lengths in `_meta`: string fields (`culprit`, `transaction`, messages, exception type/value,
 * breadcrumb fields, user fields, request URL/fragment, frame symbols/paths), data bags
 * (`extra` 256 KiB with 16 KiB per value, request data/headers/env/cookies/query string, frame
 * `vars`, breadcrumb `data`, contexts, `modules`; depth limits included) and stack traces.
 */
export function trimEvent(event: JsonObject, meta: EventMeta): void {
  trimField(event, 'culprit', MAX_CHARS.culprit, [], meta);
  trimField(event, 'transaction', MAX_CHARS.culprit, [], meta);
  trimField(event, 'checksum', MAX_CHARS.hash, [], meta);

  const logentry = event.logentry;
  if (isJsonObject(logentry)) {
    trimField(logentry, 'formatted', MAX_CHARS.message, ['logentry'], meta);
    trimField(logentry, 'message', MAX_CHARS.message, ['logentry'], meta);
    trimBag(logentry, 'params', ['logentry', 'params'], meta, BAG_SIZE.large);
  }

  eachValue(event, 'exception', (exception, i) => {
    const path = ['exception', 'values', i];
    trimField(exception, 'type', MAX_CHARS.symbol, path, meta);
    trimField(exception, 'value', MAX_CHARS.message, path, meta);
    trimField(exception, 'module', MAX_CHARS.path, path, meta);
    trimStacktrace(exception, 'stacktrace', [...path, 'stacktrace'], meta);
    trimStacktrace(exception, 'raw_stacktrace', [...path, 'raw_stacktrace'], meta);
  });
  trimStacktrace(event, 'stacktrace', ['stacktrace'], meta);
  eachValue(event, 'threads', (thread, i) => {
    trimStacktrace(thread, 'stacktrace', ['threads', 'values', i, 'stacktrace'], meta);
    trimStacktrace(thread, 'raw_stacktrace', ['threads', 'values', i, 'raw_stacktrace'], meta);
  });

  eachValue(event, 'breadcrumbs', (crumb, i) => {
    const path = ['breadcrumbs', 'values', i];
    trimField(crumb, 'message', MAX_CHARS.message, path, meta);
    trimField(crumb, 'type', MAX_CHARS.enumlike, path, meta);
    trimField(crumb, 'category', MAX_CHARS.enumlike, path, meta);
    if (crumb.data !== undefined) trimBag(crumb, 'data', [...path, 'data'], meta, BREADCRUMB_DATA);
  });

  const user = event.user;
  if (isJsonObject(user)) {
    trimField(user, 'email', MAX_CHARS.email, ['user'], meta);
    for (const field of ['id', 'username', 'name'] as const)
      trimField(user, field, MAX_CHARS.enumlike, ['user'], meta);
  }

  const request = event.request;
  if (isJsonObject(request)) {
    trimField(request, 'url', MAX_CHARS.path, ['request'], meta);
    trimField(request, 'fragment', MAX_CHARS.summary, ['request'], meta);
    trimBag(request, 'data', ['request', 'data'], meta, BAG_SIZE.large);
    trimBag(request, 'headers', ['request', 'headers'], meta, BAG_SIZE.large);
    trimBag(request, 'env', ['request', 'env'], meta, BAG_SIZE.large);
    trimBag(request, 'cookies', ['request', 'cookies'], meta, BAG_SIZE.medium);
    trimBag(request, 'query_string', ['request', 'query_string'], meta, BAG_SIZE.small);
  }

  trimBag(event, 'extra', ['extra'], meta, BAG_SIZE.massive, BAG_SIZE.larger);
  trimBag(event, 'modules', ['modules'], meta, BAG_SIZE.large);

  const contexts = event.contexts;
  if (isJsonObject(contexts)) {
    for (const key of Object.keys(contexts)) trimBag(contexts, key, ['contexts', key], meta, BAG_SIZE.large);
  }
}
