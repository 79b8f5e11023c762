/**
 * Event metadata in Relay's shape: the `_meta` tree that mirrors the event and the
 * `errors[]` list that surfaces processing problems to the UI.
 *
 * Follows `relay-protocol/src/meta.rs` (node `{"": {"err", "rem", "len", "val"}}`) and
 * `relay-event-normalization/src/event_error.rs` (one `errors[]` entry per meta error with
 * `type`, dotted `name` and the original `value`). reference/relay-protocol.md §8, "Errors list".
 */
import type { EventError } from '../../protocol/event.js';
import { getOwn, isJsonObject, setOwn, type JsonObject, type JsonValue } from '../../protocol/json.js';

/** A path into the event: object keys and array indexes, outermost first. */
export type EventPath = readonly (string | number)[];

/**
 * One remark as stored in `_meta`: `[rule_id, type]` or `[rule_id, type, start, end]`.
 * `type` is Relay's remark type: `s` substituted, `x` removed, `m` masked, `p` pseudonymized,
 * `e` encrypted. `start`/`end` are character offsets into the new value.
 */
export type Remark = [string, string] | [string, string, number, number];

/**
 * Relay error kinds as serialized (`relay-protocol` `ErrorKind`). `invalid_data` carries a
 * `reason` in its data when it came from `Error::invalid`/`Error::expected`/`Error::nonempty`.
 */
export type MetaErrorKind =
  | 'invalid_data'
  | 'missing_attribute'
  | 'invalid_attribute'
  | 'value_too_long'
  | 'clock_drift'
  | 'future_timestamp'
  | 'past_timestamp'
  | 'unknown_error';

/** Options for {@link EventMeta.addError}. */
export interface AddErrorOptions {
  /** Extra error data (Relay: `Error::with`), e.g. `{reason}` or `{sdk_time, server_time}`. */
  data?: JsonObject;
  /** The value that was removed or replaced; stored as `_meta … val` and `errors[].value`. */
  original?: JsonValue;
}

/**
 * Collects `_meta` annotations and `errors[]` entries for one event.
 *
 * Writes into `event._meta` (keeping whatever the SDK already sent there) and buffers
 * `errors[]` entries until {@link EventMeta.flushErrors}. Never throws on odd input:
 * a non-object `_meta` from the SDK is replaced.
 */
export class EventMeta {
  private readonly errors: EventError[] = [];

  constructor(private readonly event: JsonObject) {}

  /** Returns the `_meta` node (the `""` entry) for `path`, creating it on demand. */
  node(path: EventPath): JsonObject {
    let tree: JsonObject;
    if (isJsonObject(this.event._meta)) tree = this.event._meta;
    else {
      tree = {};
      this.event._meta = tree;
    }
    // Own properties only: paths carry user keys such as `__proto__`.
    for (const segment of path) {
      const key = String(segment);
      const existing = getOwn(tree, key);
      if (isJsonObject(existing)) tree = existing;
      else {
        const child: JsonObject = {};
        setOwn(tree, key, child);
        tree = child;
      }
    }
    const inner = getOwn(tree, '');
    if (isJsonObject(inner)) return inner;
    const created: JsonObject = {};
    tree[''] = created;
    return created;
  }

  /** Returns the existing `_meta` node for `path` without creating anything. */
  peek(path: EventPath): JsonObject | undefined {
    let tree: JsonValue | undefined = this.event._meta;
    for (const segment of path) {
      if (!isJsonObject(tree)) return undefined;
      tree = getOwn(tree, String(segment));
    }
    if (!isJsonObject(tree)) return undefined;
    const inner = getOwn(tree, '');
    return isJsonObject(inner) ? inner : undefined;
  }

  /**
   * Records an error on `path` (`_meta … err`, plus `val` when `original` is given) and queues
   * the matching `errors[]` entry (`{type, name, value?, ...data}`).
   */
  addError(path: EventPath, kind: MetaErrorKind, options: AddErrorOptions = {}): void {
    const inner = this.node(path);
    const errs = Array.isArray(inner.err) ? inner.err : [];
    errs.push(options.data ? [kind, options.data] : kind);
    inner.err = errs;
    if (options.original !== undefined && inner.val === undefined) inner.val = options.original;

    const entry: EventError = { type: kind, name: path.join('.') };
    if (options.original !== undefined) entry.value = options.original;
    if (options.data) {
      for (const [key, value] of Object.entries(options.data)) {
        if (value !== undefined && !(key in entry)) entry[key] = value;
      }
    }
    this.errors.push(entry);
  }

  /** Records `invalid_data` with Relay's `reason` text (Relay `Error::invalid(reason)`). */
  addInvalid(path: EventPath, reason: string, original?: JsonValue): void {
    this.addError(path, 'invalid_data', { data: { reason }, original });
  }

  /**
   * Appends a remark on `path` and sets `len` (the original length in characters) unless an
   * earlier step already recorded it, as Relay's `Meta::set_original_length` does.
   */
  addRemark(path: EventPath, remark: Remark, originalLength?: number): void {
    const inner = this.node(path);
    const rems = Array.isArray(inner.rem) ? inner.rem : [];
    rems.push(remark);
    inner.rem = rems;
    if (originalLength !== undefined && inner.len === undefined) inner.len = originalLength;
  }

  /** Records the original item count of a container that lost members (Relay `len`). */
  setOriginalLength(path: EventPath, length: number): void {
    const inner = this.node(path);
    if (inner.len === undefined) inner.len = length;
  }

  /**
   * Appends the queued `errors[]` entries to `event.errors` (creating it, and dropping a
   * malformed non-array `errors` value sent by the SDK).
   */
  flushErrors(): void {
    if (this.errors.length === 0) return;
    const existing = Array.isArray(this.event.errors) ? (this.event.errors as JsonValue[]) : [];
    existing.push(...this.errors);
    this.event.errors = existing;
    this.errors.length = 0;
  }
}

/**
 * Number of Unicode scalar values in `text` (Relay counts characters, not UTF-16 units).
 * Fast path for strings without surrogate pairs.
 */
export function charLength(text: string): number {
  if (!/[\uD800-\uDFFF]/.test(text)) return text.length;
  let count = 0;
  for (const _ of text) count++;
  return count;
}
