/**
 * Legacy data scrubbing of events (reference/relay-protocol.md §9.1–§9.2).
 *
 * Follows `relay-pii/src/convert.rs` (which rules apply where: `@common:filter` on pii values
 * except debug files, frame paths, `$logentry.formatted`, `$error.value` and the user agent;
 * replace-only rules on `$logentry.formatted`; `@anything:filter` on sensitive cookies;
 * `@anything:remove` on known IP fields) and `relay-pii/src/processor.rs` (key-value pairs,
 * skipped literal strings, containers removed by key). Application order: general rules,
 * known IP fields, replace-only rules, cookies.
 */
import type { SentryEvent } from '../../protocol/event.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { EventMeta, charLength } from '../normalize/index.js';
import { applyRule, joinChunks, splitChunks, type Chunk } from './redact.js';
import { ANYTHING_FILTER, ANYTHING_REMOVE, REPLACE_ONLY, type Rule } from './rules.js';
import { CONTEXT_SCHEMAS, EVENT_SCHEMA, KNOWN_CONTEXT_TYPES, type Schema } from './schema.js';
import { selectorMatches, type PathSegment } from './selectors.js';
import { compileScrubbing, type CompiledScrubbing, type DataScrubbingSettings } from './settings.js';

/** String values the scrubber never looks at. */
const SKIPPED_STRINGS: ReadonlySet<string> = new Set(['', 'true', 'false', 'null', 'undefined']);

/** Cookie names whose values are always filtered (`SENSITIVE_COOKIES`). */
const SENSITIVE_COOKIES: ReadonlySet<string> = new Set([
  'sentrysid',
  'sudo',
  'su',
  'session',
  '__session',
  'sessionid',
  'user_session',
  'symfony',
  'phpsessid',
  'fasthttpsessionid',
  'mysession',
  'irissessionid',
  '_vercel_jwt',
  'csrf',
  'xsrf',
  '_xsrf',
  '_csrf',
  'csrf-token',
  'csrf_token',
  'xsrf-token',
  'xsrf_token',
  'fastcsrf',
  '_iris_csrf',
]);

/** Span data keys that only get replace-only rules (`REPLACE_ONLY_SELECTOR`). */
const GEN_AI_KEYS: ReadonlySet<string> = new Set([
  'gen_ai.input.messages',
  'gen_ai.prompt',
  'gen_ai.request.messages',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.input',
  'gen_ai.tool.call.result',
  'gen_ai.tool.output',
  'gen_ai.output.messages',
  'gen_ai.response.tool_calls',
  'gen_ai.response.text',
  'gen_ai.response.object',
  'gen_ai.tool.definitions',
  'gen_ai.request.available_tools',
  'gen_ai.tool.name',
  'mcp.prompt.result',
  'mcp.tool.result.content',
]);

const COOKIE_HEADER_KEY = 'http.request.header.cookie';

function primitiveType(value: JsonValue): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** A reusable path segment; `lowerKey` is cached because every rule check compares keys. */
interface Segment extends PathSegment {
  key: string | undefined;
  index: number | undefined;
  types: readonly string[];
  kind: string;
  lowerKey: string | undefined;
}

const NO_TYPES: readonly string[] = [];
const NO_RULES: readonly Rule[] = [];

const BAG_SCHEMA: Schema = { kind: 'bag' };
const walkable = new WeakMap<Schema, boolean>();

/** False for structs without pii fields, which the walk skips entirely. */
function isWalkable(schema: Schema): boolean {
  if (schema.kind !== 'struct') return true;
  let result = walkable.get(schema);
  if (result === undefined) {
    result = Object.keys(schema.fields).length > 0 || schema.other !== undefined;
    walkable.set(schema, result);
  }
  return result;
}

/** Walks one event with copy-on-write: unchanged subtrees are shared with the input. */
class Scrubber {
  /** The current path; its segment objects are pooled and reused (selectors never keep them). */
  private readonly path: Segment[] = [];
  private readonly pool: Segment[] = [];
  private readonly metaPath: (string | number)[] = [];
  private holder: JsonObject | undefined;
  private meta: EventMeta | undefined;
  private readonly originalMeta: EventMeta;
  /** Counts `_meta` writes, to see whether processing a pair value changed anything. */
  private writes = 0;

  private readonly originalMetaValue: JsonValue | undefined;

  constructor(
    private readonly config: CompiledScrubbing,
    originalMeta: JsonValue | undefined,
  ) {
    this.originalMeta = new EventMeta({ _meta: isJsonObject(originalMeta) ? originalMeta : {} });
    this.originalMetaValue = originalMeta;
  }

  /** The `_meta` tree to return, or `undefined` when scrubbing wrote nothing. */
  resultMeta(): JsonValue | undefined {
    return this.holder ? this.holder._meta : this.originalMetaValue;
  }

  private writableMeta(): EventMeta {
    if (!this.meta) {
      const clone: JsonObject = isJsonObject(this.originalMetaValue)
        ? structuredClone(this.originalMetaValue)
        : {};
      this.holder = { _meta: clone };
      this.meta = new EventMeta(this.holder);
    }
    this.writes++;
    return this.meta;
  }

  private existingNode(): JsonObject | undefined {
    if (!this.meta && !isJsonObject(this.originalMetaValue)) return undefined;
    return (this.meta ?? this.originalMeta).peek(this.metaPath);
  }

  private pushSegment(
    key: string | undefined,
    index: number | undefined,
    types: readonly string[],
    value: JsonValue,
  ): void {
    const depth = this.path.length;
    let segment = this.pool[depth];
    if (!segment) {
      segment = { key: undefined, index: undefined, types: NO_TYPES, kind: 'null', lowerKey: undefined };
      this.pool[depth] = segment;
    }
    segment.key = key;
    segment.lowerKey = key?.toLowerCase();
    segment.index = index;
    segment.types = types;
    segment.kind = primitiveType(value);
    this.path.push(segment);
  }

  private enter(
    key: string | undefined,
    index: number | undefined,
    metaKey: string | number,
    types: readonly string[],
    value: JsonValue,
  ): void {
    this.pushSegment(key, index, types, value);
    this.metaPath.push(metaKey);
  }

  private leave(): void {
    this.path.pop();
    this.metaPath.pop();
  }

  private segment(back: number): Segment | undefined {
    return this.path[this.path.length - 1 - back];
  }

  private keyAt(back: number): string | undefined {
    return this.segment(back)?.lowerKey;
  }

  private typeAt(back: number, type: string): boolean {
    return this.segment(back)?.types.includes(type) ?? false;
  }

  /** `DATASCRUBBER_IGNORE` (plus the replace-only span data keys). */
  private ignored(): boolean {
    const key = this.keyAt(0);
    if (key === 'formatted' && this.typeAt(1, 'logentry')) return true;
    if (key === 'value' && this.typeAt(1, 'error')) return true;
    if ((key === 'filename' || key === 'abs_path') && this.typeAt(1, 'frame')) return true;
    if (key === 'user-agent' && this.keyAt(1) === 'headers' && this.typeAt(2, 'http')) return true;
    if (key !== undefined && GEN_AI_KEYS.has(key) && this.keyAt(1) === 'data' && this.typeAt(2, 'span'))
      return true;
    return this.path[0]?.key === 'debug_meta';
  }

  private excluded(): boolean {
    for (const selector of this.config.exclusions) if (selectorMatches(selector, this.path)) return true;
    return false;
  }

  private isKnownIpField(): boolean {
    const key = this.keyAt(0);
    return (
      (key === 'remote_addr' && this.keyAt(1) === 'env' && this.typeAt(2, 'http')) ||
      (key === 'ip_address' && this.typeAt(1, 'user')) ||
      (key === 'client_ip' && this.typeAt(1, 'sdk')) ||
      (key === 'user.ip' && this.keyAt(1) === 'sentry_tags' && this.typeAt(2, 'span'))
    );
  }

  private isReplaceOnlyField(): boolean {
    const key = this.keyAt(0);
    if (key === 'formatted' && this.typeAt(1, 'logentry')) return true;
    return key !== undefined && GEN_AI_KEYS.has(key) && this.keyAt(1) === 'data' && this.typeAt(2, 'span');
  }

  private isSensitiveCookie(): boolean {
    const key = this.keyAt(0);
    if (key === undefined || this.path.length < 2) return false;
    if (key === COOKIE_HEADER_KEY) return true;
    if (
      key.startsWith(`${COOKIE_HEADER_KEY}.`) &&
      SENSITIVE_COOKIES.has(key.slice(COOKIE_HEADER_KEY.length + 1))
    ) {
      return true;
    }
    return this.path.length >= 3 && this.keyAt(1) === 'cookies' && SENSITIVE_COOKIES.has(key);
  }

  /** The rules that apply to the current path, in Relay's application order. */
  private rules(): readonly Rule[] {
    const { config } = this;
    const general =
      config.general.length > 0 && !this.ignored() && !this.excluded() ? config.general : NO_RULES;
    const knownIp = config.removeKnownIps && this.isKnownIpField();
    const replaceOnly = config.replaceOnly && this.isReplaceOnlyField();
    const cookie = config.sensitiveCookies && this.isSensitiveCookie();
    if (!knownIp && !replaceOnly && !cookie) return general;
    const rules = [...general];
    if (knownIp) rules.push(ANYTHING_REMOVE);
    if (replaceOnly) rules.push(...REPLACE_ONLY);
    if (cookie) rules.push(ANYTHING_FILTER);
    return rules;
  }

  private remarkRemoved(rule: string): null {
    this.writableMeta().addRemark(this.metaPath, [rule, 'x']);
    return null;
  }

  private scrubString(value: string): JsonValue {
    if (SKIPPED_STRINGS.has(value)) return value;
    const rules = this.rules();
    if (rules.length === 0) return value;
    const key = this.segment(0)?.key;
    const existing = this.existingNode();
    const original = splitChunks(value, Array.isArray(existing?.rem) ? existing.rem : undefined);
    let chunks: Chunk[] = original;
    for (const rule of rules) {
      const outcome = applyRule(rule, key, chunks);
      if (outcome.kind === 'chunks') chunks = outcome.chunks;
      else if (outcome.kind === 'remove') {
        this.commitChunks(value, original, chunks);
        return this.remarkRemoved(outcome.rule);
      }
    }
    return this.commitChunks(value, original, chunks);
  }

  /** Writes the remarks of changed chunks and returns the new string. */
  private commitChunks(value: string, original: Chunk[], chunks: Chunk[]): string {
    if (chunks === original) return value;
    const joined = joinChunks(chunks);
    if (joined.value === value) return value;
    const node = this.writableMeta().node(this.metaPath);
    node.rem = joined.remarks;
    if (node.len === undefined) node.len = charLength(value);
    return joined.value;
  }

  /** Numbers and containers can only be removed (by `anything` rules or matching keys). */
  private removedByKey(): boolean {
    const rules = this.rules();
    if (rules.length === 0) return false;
    const key = this.segment(0)?.key;
    for (const rule of rules) {
      const outcome = applyRule(rule, key, undefined);
      if (outcome.kind === 'remove') {
        this.remarkRemoved(outcome.rule);
        return true;
      }
    }
    return false;
  }

  /** Scrubs a pii data value (and everything below it). */
  bag(value: JsonValue, pairs: boolean): JsonValue {
    if (typeof value === 'string') return this.scrubString(value);
    if (value === null || typeof value === 'boolean') return value;
    if (typeof value === 'number') return this.removedByKey() ? null : value;
    if (this.removedByKey()) return null;
    if (Array.isArray(value)) return pairs ? this.pairList(value) : this.array(value);
    let out: JsonObject | undefined;
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === undefined) continue;
      this.enter(key, undefined, key, NO_TYPES, item);
      const next = this.bag(item, false);
      this.leave();
      if (next !== item) {
        out ??= { ...value };
        out[key] = next;
      }
    }
    return out ?? value;
  }

  private array(value: JsonValue[]): JsonValue[] {
    // A two-element array with a string first is treated as a key/value pair first.
    if (value.length === 2 && typeof value[0] === 'string' && value[1] !== null && value[1] !== undefined) {
      const before = this.writes;
      this.enter(value[0], undefined, 1, NO_TYPES, value[1]);
      const hadMeta = this.existingNode() !== undefined;
      const scrubbed = this.bag(value[1], false);
      this.leave();
      if (!hadMeta && this.writes !== before) return [value[0], scrubbed];
    }
    let out: JsonValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as JsonValue;
      this.enter(undefined, i, i, NO_TYPES, item);
      const next = this.bag(item, false);
      this.leave();
      if (next !== item) {
        out ??= [...value];
        out[i] = next;
      }
    }
    return out ?? value;
  }

  /** `[key, value]` pair lists (headers, cookies, query strings): values are seen under their key. */
  private pairList(value: JsonValue[]): JsonValue[] {
    let out: JsonValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const pair = value[i] as JsonValue;
      let next: JsonValue;
      if (Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && pair[1] !== undefined) {
        const key = pair[0];
        const item = pair[1] as JsonValue;
        this.pushSegment(key, undefined, NO_TYPES, item);
        this.metaPath.push(i, 1);
        const scrubbed = this.bag(item, false);
        this.path.pop();
        this.metaPath.pop();
        this.metaPath.pop();
        next = scrubbed === item ? pair : [key, scrubbed];
      } else {
        this.enter(undefined, i, i, NO_TYPES, pair);
        next = this.bag(pair, false);
        this.leave();
      }
      if (next !== pair) {
        out ??= [...value];
        out[i] = next;
      }
    }
    return out ?? value;
  }

  /** Walks `value` according to `schema`. */
  walk(value: JsonValue, schema: Schema): JsonValue {
    switch (schema.kind) {
      case 'bag':
        return this.bag(value, schema.pairs === true);
      case 'struct':
        return isJsonObject(value) && isWalkable(schema) ? this.walkStruct(value, schema) : value;
      case 'values': {
        if (!isJsonObject(value) || !Array.isArray(value.values)) return value;
        const values = value.values;
        this.enter('values', undefined, 'values', NO_TYPES, values);
        const next = this.walkList(values, schema.item);
        this.leave();
        return next === values ? value : { ...value, values: next };
      }
      case 'list':
        return Array.isArray(value) ? this.walkList(value, schema.item) : value;
      case 'contexts':
        return isJsonObject(value) ? this.walkContexts(value) : value;
    }
  }

  private walkStruct(value: JsonObject, schema: Extract<Schema, { kind: 'struct' }>): JsonObject {
    const { fields, other } = schema;
    let out: JsonObject | undefined;
    for (const key of Object.keys(value)) {
      const item = value[key];
      const childSchema = Object.hasOwn(fields, key) ? fields[key] : other;
      if (item === undefined || !childSchema || !isWalkable(childSchema)) continue;
      this.enter(key, undefined, key, childSchema.kind === 'struct' ? childSchema.types : NO_TYPES, item);
      const next = this.walk(item, childSchema);
      this.leave();
      if (next !== item) {
        out ??= { ...value };
        out[key] = next;
      }
    }
    return out ?? value;
  }

  private walkList(values: JsonValue[], item: Schema): JsonValue[] {
    let out: JsonValue[] | undefined;
    const types = item.kind === 'struct' ? item.types : NO_TYPES;
    for (let i = 0; i < values.length; i++) {
      const entry = values[i] as JsonValue;
      this.enter(undefined, i, i, types, entry);
      const next = this.walk(entry, item);
      this.leave();
      if (next !== entry) {
        out ??= [...values];
        out[i] = next;
      }
    }
    return out ?? values;
  }

  private walkContexts(contexts: JsonObject): JsonObject {
    let out: JsonObject | undefined;
    for (const key of Object.keys(contexts)) {
      const context = contexts[key];
      if (context === undefined) continue;
      const type = isJsonObject(context) && typeof context.type === 'string' ? context.type : key;
      const schema = KNOWN_CONTEXT_TYPES.has(type)
        ? Object.hasOwn(CONTEXT_SCHEMAS, type)
          ? CONTEXT_SCHEMAS[type]
          : undefined
        : BAG_SCHEMA;
      if (!schema) continue;
      this.enter(key, undefined, key, NO_TYPES, context);
      const next = this.walk(context, schema);
      this.leave();
      if (next !== context) {
        out ??= { ...contexts };
        out[key] = next;
      }
    }
    return out ?? contexts;
  }
}

/**
 * Applies a project's legacy data scrubbing settings to a normalized event
 * (reference/relay-protocol.md §9.1–§9.2) and returns the scrubbed event. Pure: the input is
 * not modified; unchanged parts are shared with it. Every change is recorded in `_meta` the way
 * Relay does (`{"": {"rem": [["@password:filter", "s", 0, 10]], "len": 12}}`; removed values
 * become `null` with a `["<rule>", "x"]` remark). Never throws for odd input.
 */
export function scrubEvent(event: SentryEvent, settings: DataScrubbingSettings): SentryEvent {
  const config = compileScrubbing(settings);
  if (!config) return event;
  const scrubber = new Scrubber(config, event._meta);
  const scrubbed = scrubber.walk(event, EVENT_SCHEMA);
  if (scrubbed === event || !isJsonObject(scrubbed)) return event;
  const result = scrubbed as SentryEvent;
  const meta = scrubber.resultMeta();
  if (isJsonObject(meta)) result._meta = meta;
  return result;
}
