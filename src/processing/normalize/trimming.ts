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

/** `String(value).length` for small integers, else an upper bound (25 covers every number). */
function numberSize(value: number): number {
  if (!Number.isInteger(value) || Math.abs(value) >= 1e15) return 25;
  let size = value < 0 ? 2 : 1;
  for (let rest = Math.abs(value); rest >= 10; rest /= 10) size++;
  return size;
}

/**
 * An upper bound of what {@link BagTrimmer} charges for `value` and everything below it (each
 * value: its flat size + 1), or -1 when that reaches `limit` or a non-empty container sits at
 * `maxDepth - 2` or deeper (where the trimmer would stringify or drop things).
 */
function boundedCost(value: JsonValue | undefined, depth: number, maxDepth: number, limit: number): number {
  if (typeof value === 'string') return value.length + 3;
  if (typeof value === 'number') return numberSize(value) + 1;
  if (typeof value !== 'object' || value === null) return flatSize(value) + 1;
  let cost = 3;
  if (Array.isArray(value)) {
    if (value.length === 0) return cost;
    if (depth > maxDepth - 2) return -1;
    for (let i = 0; i < value.length; i++) {
      const item = boundedCost(value[i], depth + 1, maxDepth, limit - cost);
      if (item < 0) return -1;
      cost += item;
      if (cost >= limit) return -1;
    }
    return cost;
  }
  // `for…in` (own keys only) spares the key array `Object.keys` would allocate.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (depth > maxDepth - 2) return -1;
    const member = value[key];
    if (member === undefined) continue;
    const item = boundedCost(member, depth + 1, maxDepth, limit - cost);
    if (item < 0) return -1;
    cost += item;
    if (cost >= limit) return -1;
  }
  return cost;
}

/**
 * True when the bag trimmer is sure to leave `value` (a bag with the limits `bag`, and
 * `childBag` for each direct child) untouched: an upper bound of everything it charges stays
 * below the byte limit (so no bag runs out and no string is longer than what is left) and no
 * non-empty container is deep enough to be stringified or dropped. With per-child bags, the
 * tighter of both limits is checked (children start one level deeper). False means "run the
 * trimmer", not that something changes. A walk without the trimmer's bookkeeping, so most bags
 * skip it.
 */
export function fitsBag(value: JsonValue, bag: BagSize, childBag?: BagSize): boolean {
  const maxDepth = childBag ? Math.min(bag.maxDepth, childBag.maxDepth + 1) : bag.maxDepth;
  const maxBytes = childBag ? Math.min(bag.maxBytes, childBag.maxBytes) : bag.maxBytes;
  const cost = boundedCost(value, 0, maxDepth, maxBytes);
  return cost >= 0 && cost < maxBytes;
}

/** False when {@link trimBag} would surely leave `value` untouched (absent or fitting). */
function bagNeedsTrim(value: JsonValue | undefined, bag: BagSize, childBag?: BagSize): boolean {
  return value !== undefined && value !== null && !fitsBag(value, bag, childBag);
}

/**
 * Runs Relay's bag accounting on `value` (a bag at event path `path`) unconditionally,
 * trimming it in place where it can and recording remarks and original lengths in `meta`.
 * Returns the new value, or `undefined` when the whole value is dropped. {@link trimEvent}
 * skips this for values {@link fitsBag} accepts.
 */
export function trimBagValue(
  value: JsonValue,
  path: EventPath,
  meta: EventMeta,
  bag: BagSize,
  childBag?: BagSize,
): JsonValue | undefined {
  const out = new BagTrimmer(meta, path).process(value, 0, bag, childBag);
  return out === DELETE ? undefined : out;
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
  if (value === undefined || value === null || fitsBag(value, bag, childBag)) return;
  const out = trimBagValue(value, path, meta, bag, childBag);
  if (out === undefined) delete parent[key];
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

/** True when `value` is a string {@link trimField} would hand to `trimString` (it may cut it). */
function tooLong(value: JsonValue | undefined, max: MaxChars): boolean {
  return typeof value === 'string' && value.length > max.limit + max.allowance;
}

/** False when {@link trimFrame} would surely change nothing (checked without building paths). */
function frameNeedsTrim(frame: JsonObject): boolean {
  return (
    tooLong(frame.function, MAX_CHARS.symbol) ||
    tooLong(frame.raw_function, MAX_CHARS.symbol) ||
    tooLong(frame.symbol, MAX_CHARS.symbol) ||
    tooLong(frame.filename, MAX_CHARS.path) ||
    tooLong(frame.abs_path, MAX_CHARS.path) ||
    bagNeedsTrim(frame.vars, BAG_SIZE.medium)
  );
}

/** Trims one frame's symbols, paths and `vars`; `framePath` is its event path. */
function trimFrame(frame: JsonObject, framePath: EventPath, meta: EventMeta): void {
  for (const field of ['function', 'raw_function', 'symbol'] as const) {
    trimField(frame, field, MAX_CHARS.symbol, framePath, meta);
  }
  for (const field of ['filename', 'abs_path'] as const)
    trimField(frame, field, MAX_CHARS.path, framePath, meta);
  if (frame.vars !== undefined) trimBag(frame, 'vars', [...framePath, 'vars'], meta, BAG_SIZE.medium);
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
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    if (isJsonObject(frame) && frameNeedsTrim(frame)) trimFrame(frame, [...path, 'frames', i], meta);
  }
  slimFrames(frames, FRAME_ALLOWANCE);
}

/** Visits the object members of `event[key].values` (a values interface). */
function eachValue(event: JsonObject, key: string, visit: (item: JsonObject, index: number) => void): void {
  const container = event[key];
  if (!isJsonObject(container) || !Array.isArray(container.values)) return;
  const values = container.values;
  for (let i = 0; i < values.length; i++) {
    const item = values[i];
    if (isJsonObject(item)) visit(item, i);
  }
}

/** False when {@link trimBreadcrumb} would surely change nothing (checked without building paths). */
function breadcrumbNeedsTrim(crumb: JsonObject): boolean {
  return (
    tooLong(crumb.message, MAX_CHARS.message) ||
    tooLong(crumb.type, MAX_CHARS.enumlike) ||
    tooLong(crumb.category, MAX_CHARS.enumlike) ||
    bagNeedsTrim(crumb.data, BREADCRUMB_DATA)
  );
}

/** Trims one breadcrumb's strings and `data`; `index` is its position in `values`. */
function trimBreadcrumb(crumb: JsonObject, index: number, meta: EventMeta): void {
  const path = ['breadcrumbs', 'values', index];
  trimField(crumb, 'message', MAX_CHARS.message, path, meta);
  trimField(crumb, 'type', MAX_CHARS.enumlike, path, meta);
  trimField(crumb, 'category', MAX_CHARS.enumlike, path, meta);
  if (crumb.data !== undefined) trimBag(crumb, 'data', [...path, 'data'], meta, BREADCRUMB_DATA);
}

/**
 * Applies §8.7's stack-trace limits to every stack trace of `event` in place (exceptions',
 * threads' and the event's own, processed and raw): the frame hard limit, frame symbols, paths
 * and `vars`, then `slim_frame_data`. Idempotent, so it can run again after symbolication
 * replaced frames, as Sentry re-normalizes a processed event (`sentry: tasks/store.py`
 * `do_process_event`).
 */
export function trimStacktraces(event: JsonObject, meta: EventMeta): void {
  eachValue(event, 'exception', (exception, i) => {
    trimStacktrace(exception, 'stacktrace', ['exception', 'values', i, 'stacktrace'], meta);
    trimStacktrace(exception, 'raw_stacktrace', ['exception', 'values', i, 'raw_stacktrace'], meta);
  });
  trimStacktrace(event, 'stacktrace', ['stacktrace'], meta);
  eachValue(event, 'threads', (thread, i) => {
    trimStacktrace(thread, 'stacktrace', ['threads', 'values', i, 'stacktrace'], meta);
    trimStacktrace(thread, 'raw_stacktrace', ['threads', 'values', i, 'raw_stacktrace'], meta);
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
  });
  trimStacktraces(event, meta);

  eachValue(event, 'breadcrumbs', (crumb, i) => {
    if (breadcrumbNeedsTrim(crumb)) trimBreadcrumb(crumb, i, meta);
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
