/**
 * Applies a compiled advanced PII config (`piiConfig`) to an event: every value Relay's schema
 * marks `pii = "true"` or `"maybe"` gets, in order, the rules of each application whose selector
 * matches its path, and every change is recorded in `_meta`.
 *
 * Follows `relay-pii/src/processor.rs` (`PiiProcessor`: `before_process` removes numbers and
 * containers by key or `anything` rules before their children are visited, `process_string`
 * skips `""`/`"true"`/`"false"`/`"null"`/`"undefined"`, a two-element array with a string first
 * is tried as a key-value pair, pair lists are seen by key, `process_native_image_path` keeps the
 * basename, `process_user` moves an IP address that scrubbing made invalid into `user.id`),
 * `relay-pii/src/selector.rs` (`matches_path`, see {@link selectorMatchesPath}) and the value
 * types of `relay-event-schema` (structs carry their own type, e.g. `$http`, not `$object`; pair
 * lists are objects; the root has no type). reference/relay-protocol.md §9.3.
 *
 * Not done (as in the legacy pass): original values kept in `_meta` (`val`) are not scrubbed.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { isValidIp } from '../normalize/ip.js';
import { MetaWriter } from './meta-writer.js';
import type { CompiledPiiConfig } from './pii-config.js';
import { SKIPPED_STRINGS, applyRule, isPair, splitChunks, type Chunk } from './redact.js';
import type { Rule } from './rules.js';
import { contextSchema, type Schema } from './schema.js';
import { selectorMatchesPath, type PiiLevel, type SelectorState } from './selectors.js';
import { mapEntries, mapItems } from './copy-on-write.js';

const NO_TYPES: readonly string[] = [];

/** Relay's value type of a JSON value (`Value::value_type`); `null` has none. */
function jsonTypes(value: JsonValue): readonly string[] {
  if (value === null) return NO_TYPES;
  if (Array.isArray(value)) return ['array'];
  switch (typeof value) {
    case 'string':
      return ['string'];
    case 'number':
      return ['number'];
    case 'boolean':
      return ['boolean'];
    default:
      return ['object'];
  }
}

/** The value types of a value placed by the schema: structs their own, bags their extra ones. */
function schemaTypes(schema: Schema, value: JsonValue): readonly string[] {
  switch (schema.kind) {
    case 'struct':
      return schema.types;
    case 'bag': {
      // Pair lists are maps to Relay (`PairList` is an object).
      const base = schema.pairs && Array.isArray(value) ? ['object'] : jsonTypes(value);
      return schema.types ? [...base, ...schema.types] : base;
    }
    case 'values':
      return NO_TYPES;
    case 'list':
      return Array.isArray(value) ? ['array'] : jsonTypes(value);
    case 'contexts':
      return isJsonObject(value) ? ['object'] : jsonTypes(value);
  }
}

/** Walks one value with copy-on-write: unchanged subtrees are shared with the input. */
export class AdvancedScrubber {
  /** Processing states from the root (no key, no type) to the current value. */
  private readonly states: SelectorState[] = [{ key: undefined, index: undefined, types: NO_TYPES }];
  private readonly meta: MetaWriter;

  constructor(
    private readonly config: CompiledPiiConfig,
    originalMeta: JsonValue | undefined,
  ) {
    this.meta = new MetaWriter(originalMeta);
  }

  /** The `_meta` tree to return (the original one when nothing was written). */
  resultMeta(): JsonValue | undefined {
    return this.meta.result();
  }

  private enter(
    key: string | undefined,
    index: number | undefined,
    metaKey: string | number,
    types: readonly string[],
  ): void {
    this.states.push({ key, index, types });
    this.meta.path.push(metaKey);
  }

  private leave(): void {
    this.states.pop();
    this.meta.path.pop();
  }

  /** The rules of every application matching the current path, in application order. */
  private rules(pii: PiiLevel): Rule[] {
    const rules: Rule[] = [];
    for (const application of this.config.applications) {
      if (selectorMatchesPath(application.selector, this.states, pii)) rules.push(...application.rules);
    }
    return rules;
  }

  private key(): string | undefined {
    return this.states[this.states.length - 1]?.key;
  }

  /** Numbers and containers: removed by the first `anything` rule or key match. */
  private removed(pii: PiiLevel): boolean {
    const key = this.key();
    for (const rule of this.rules(pii)) {
      const outcome = applyRule(rule, key, undefined);
      if (outcome.kind === 'remove') {
        this.meta.remarkRemoved(outcome.rule);
        return true;
      }
    }
    return false;
  }

  /** A string: its rules in order; `null` when one removes it. */
  private string(value: string, pii: PiiLevel): string | null {
    if (SKIPPED_STRINGS.has(value)) return value;
    const rules = this.rules(pii);
    if (rules.length === 0) return value;
    const existing = this.meta.existing();
    const original = splitChunks(value, Array.isArray(existing?.rem) ? existing.rem : undefined);
    const key = this.key();
    let chunks: Chunk[] = original;
    for (const rule of rules) {
      const outcome = applyRule(rule, key, chunks);
      if (outcome.kind === 'chunks') chunks = outcome.chunks;
      else if (outcome.kind === 'remove') {
        this.meta.commitChunks(value, original, chunks);
        return this.meta.remarkRemoved(outcome.rule);
      }
    }
    return this.meta.commitChunks(value, original, chunks);
  }

  /**
   * A native path: only the part before the last separator is scrubbed; a removal leaves the
   * basename; a path without a separator is left alone (`process_native_image_path`).
   */
  private nativePath(value: string, pii: PiiLevel): string {
    const cut = Math.max(value.lastIndexOf('/'), value.lastIndexOf('\\'));
    if (cut === -1) return value;
    const scrubbed = this.string(value.slice(0, cut), pii);
    return scrubbed === null ? value.slice(cut + 1) : scrubbed + value.slice(cut);
  }

  /** Scrubs a pii value and everything below it. */
  private bag(value: JsonValue, pii: PiiLevel, pairs: boolean, path = false): JsonValue {
    if (typeof value === 'string') return path ? this.nativePath(value, pii) : this.string(value, pii);
    if (value === null || typeof value === 'boolean') return value;
    if (this.removed(pii)) return null;
    if (typeof value === 'number') return value;
    if (Array.isArray(value)) return pairs ? this.pairList(value, pii) : this.array(value, pii);
    return mapEntries(value, (key, item) => {
      this.enter(key, undefined, key, jsonTypes(item));
      const next = this.bag(item, pii, false);
      this.leave();
      return next;
    });
  }

  private array(value: JsonValue[], pii: PiiLevel): JsonValue[] {
    // A two-element array with a string first is tried as a key-value pair first.
    if (value.length === 2 && typeof value[0] === 'string' && value[1] !== null && value[1] !== undefined) {
      const before = this.meta.writes;
      this.enter(value[0], undefined, 1, jsonTypes(value[1]));
      const hadMeta = this.meta.existing() !== undefined;
      const scrubbed = this.bag(value[1], pii, false);
      this.leave();
      if (!hadMeta && this.meta.writes !== before) return [value[0], scrubbed];
    }
    return mapItems(value, (item, i) => {
      this.enter(undefined, i, i, jsonTypes(item));
      const next = this.bag(item, pii, false);
      this.leave();
      return next;
    });
  }

  /** `[key, value]` pair lists: values are seen under their key, `_meta` by index. */
  private pairList(value: JsonValue[], pii: PiiLevel): JsonValue[] {
    return mapItems(value, (pair, i) => {
      if (isPair(pair)) {
        const [key, item] = pair;
        this.states.push({ key, index: undefined, types: jsonTypes(item) });
        this.meta.path.push(i, 1);
        const scrubbed = this.bag(item, pii, false);
        this.states.pop();
        this.meta.path.pop();
        this.meta.path.pop();
        return scrubbed === item ? pair : [key, scrubbed];
      }
      this.enter(undefined, i, i, jsonTypes(pair));
      const next = this.bag(pair, pii, false);
      this.leave();
      return next;
    });
  }

  /** Walks `value` placed at the current path by `schema`. */
  walk(value: JsonValue, schema: Schema): JsonValue {
    switch (schema.kind) {
      case 'bag':
        return this.bag(value, schema.pii ?? 'true', schema.pairs === true, schema.path === true);
      case 'struct':
        return isJsonObject(value) ? this.struct(value, schema) : value;
      case 'values': {
        if (!isJsonObject(value) || !Array.isArray(value.values)) return value;
        const values = value.values;
        this.enter('values', undefined, 'values', ['array']);
        const next = this.list(values, schema.item);
        this.leave();
        return next === values ? value : { ...value, values: next };
      }
      case 'list':
        return Array.isArray(value) ? this.list(value, schema.item) : value;
      case 'contexts':
        return isJsonObject(value) ? this.contexts(value) : value;
    }
  }

  private child(key: string, item: JsonValue, schema: Schema): JsonValue {
    this.enter(key, undefined, key, schemaTypes(schema, item));
    const next = this.walk(item, schema);
    this.leave();
    return next;
  }

  private struct(value: JsonObject, schema: Extract<Schema, { kind: 'struct' }>): JsonObject {
    const userIpWasValid = schema.types.includes('user') && ipIsValid(value.ip_address);
    const out = mapEntries(value, (key, item) => {
      const child = Object.hasOwn(schema.fields, key) ? schema.fields[key] : schema.other;
      return child ? this.child(key, item, child) : item;
    });
    if (out !== value && userIpWasValid) this.moveInvalidIp(out);
    return out;
  }

  /**
   * `process_user`: an IP address that scrubbing made invalid (hashed, say) becomes the user id,
   * with its `_meta`, when the user has no id, username or email.
   */
  private moveInvalidIp(user: JsonObject): void {
    if (ipIsValid(user.ip_address)) return;
    if (present(user.id) || present(user.username) || present(user.email)) return;
    user.id = user.ip_address as JsonValue;
    delete user.ip_address;
    this.meta.moveChild('ip_address', 'id');
  }

  private list(values: JsonValue[], item: Schema): JsonValue[] {
    return mapItems(values, (entry, i) => {
      this.enter(undefined, i, i, schemaTypes(item, entry));
      const next = this.walk(entry, item);
      this.leave();
      return next;
    });
  }

  private contexts(contexts: JsonObject): JsonObject {
    return mapEntries(contexts, (key, context) => {
      const schema = contextSchema(key, context);
      return schema ? this.child(key, context, schema) : context;
    });
  }
}

function present(value: JsonValue | undefined): boolean {
  return value !== undefined && value !== null;
}

/** `IpAddr::is_valid` on an optional value: absent counts as valid. */
function ipIsValid(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return true;
  return typeof value === 'string' && (value === '{{auto}}' || isValidIp(value));
}
