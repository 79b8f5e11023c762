/**
 * Data scrubbing of events: {@link scrubEvent} runs the advanced PII config (`advanced.ts`,
 * §9.3) and then the legacy settings, which this module's walk applies
 * (reference/relay-protocol.md §9.1–§9.2).
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
import { AdvancedScrubber } from './advanced.js';
import { MetaWriter } from './meta-writer.js';
import { SKIPPED_STRINGS, applyRule, isPair, splitChunks, type Chunk } from './redact.js';
import { RuleSet, type KeyVerdict } from './rule-set.js';
import { ANYTHING_FILTER, ANYTHING_REMOVE, REPLACE_ONLY, type Rule } from './rules.js';
import { EVENT_SCHEMA, REPLAY_SCHEMA, contextSchema, type Schema } from './schema.js';
import { selectorMatches, type PathSegment } from './selectors.js';
import { compileScrubbing, type CompiledScrubbing, type DataScrubbingSettings } from './settings.js';
import { compileSchema, knownChild, type StructNode, type WalkChild, type WalkNode } from './walk-schema.js';
import { mapEntries, mapItems } from './copy-on-write.js';

/** Cookie names whose values are always filtered (`SENSITIVE_COOKIES`). */
export const SENSITIVE_COOKIES: ReadonlySet<string> = new Set([
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
export const GEN_AI_KEYS: ReadonlySet<string> = new Set([
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

/** The span data key (and attribute) of the request's `Cookie` header; `.<name>` keys hold one cookie. */
export const COOKIE_HEADER_KEY = 'http.request.header.cookie';

/**
 * Lower-cased keys that some built-in application looks at (ignored fields, known IP fields,
 * replace-only fields; keys starting with `http.request.header.cookie` count too). Values under
 * any other key, and not below `cookies` or `debug_meta`, just get the general rules, which
 * saves the per-value checks.
 */
const SPECIAL_KEYS: ReadonlySet<string> = new Set([
  'formatted',
  'value',
  'filename',
  'abs_path',
  'user-agent',
  'remote_addr',
  'ip_address',
  'client_ip',
  'user.ip',
  ...GEN_AI_KEYS,
]);

function primitiveType(value: JsonValue): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** What the walk needs to know about a key, memoized per configuration (see {@link RuleSets}). */
interface KeyFacts {
  /** The key lower-cased, as the built-in applications compare keys. */
  lower: string;
  /** Some built-in application singles out values under this key (see {@link SPECIAL_KEYS}). */
  special: boolean;
  /** The plain rule set's verdict on the key. */
  plain: KeyVerdict;
}

/**
 * A reusable path segment. `facts` is looked up on first use (`null` until then; `undefined`
 * for array elements) and `kind` only computed when safe-field selectors need it, as most
 * segments are never asked.
 */
interface Segment extends PathSegment {
  key: string | undefined;
  index: number | undefined;
  types: readonly string[];
  kind: string;
  facts: KeyFacts | undefined | null;
}

const NO_TYPES: readonly string[] = [];
const NO_RULES: readonly Rule[] = [];
const EVENT_NODE: WalkNode = compileSchema(EVENT_SCHEMA);
const REPLAY_NODE: WalkNode = compileSchema(REPLAY_SCHEMA);
/** Free-standing strings (see `scrubStrings`): one bag of values. */
const STRINGS_SCHEMA: Schema = { kind: 'struct', types: [], fields: { values: { kind: 'bag' } } };
const STRINGS_NODE: WalkNode = compileSchema(STRINGS_SCHEMA);

/** Key facts kept per configuration before the memo is reset (keys come from user data). */
const KEY_FACTS_LIMIT = 4096;

/** Bits of the rule-set mask: which applications hold at a path (see `Scrubber.ruleSet`). */
const GENERAL = 1;
const KNOWN_IP = 2;
const REPLACE_ONLY_FIELD = 4;
const SENSITIVE_COOKIE = 8;

/**
 * The rule sets of one compiled configuration, one per mask and built on first use, and the
 * key facts for its plain rule set (the general rules alone).
 */
class RuleSets {
  private readonly sets: (RuleSet | undefined)[] = [];
  private readonly facts = new Map<string, KeyFacts>();
  readonly plain: RuleSet;

  constructor(private readonly config: CompiledScrubbing) {
    this.plain = this.get(GENERAL);
  }

  get(mask: number): RuleSet {
    let set = this.sets[mask];
    if (!set) {
      const rules: Rule[] = [...(mask & GENERAL ? this.config.general : NO_RULES)];
      if (mask & KNOWN_IP) rules.push(ANYTHING_REMOVE);
      if (mask & REPLACE_ONLY_FIELD) rules.push(...REPLACE_ONLY);
      if (mask & SENSITIVE_COOKIE) rules.push(ANYTHING_FILTER);
      set = new RuleSet(rules);
      this.sets[mask] = set;
    }
    return set;
  }

  keyFacts(key: string): KeyFacts {
    let facts = this.facts.get(key);
    if (!facts) {
      const lower = key.toLowerCase();
      facts = {
        lower,
        special: SPECIAL_KEYS.has(lower) || lower.startsWith(COOKIE_HEADER_KEY),
        plain: this.plain.verdict(key),
      };
      if (this.facts.size >= KEY_FACTS_LIMIT) this.facts.clear();
      this.facts.set(key, facts);
    }
    return facts;
  }
}

const ruleSetsByConfig = new WeakMap<CompiledScrubbing, RuleSets>();

function ruleSetsFor(config: CompiledScrubbing): RuleSets {
  let sets = ruleSetsByConfig.get(config);
  if (!sets) {
    sets = new RuleSets(config);
    ruleSetsByConfig.set(config, sets);
  }
  return sets;
}

const isEnumerable = Object.prototype.propertyIsEnumerable;

/** Walks one event with copy-on-write: unchanged subtrees are shared with the input. */
class Scrubber {
  /** The current path; its segment objects are pooled and reused (selectors never keep them). */
  private readonly path: Segment[] = [];
  private readonly pool: Segment[] = [];
  private readonly meta: MetaWriter;
  private readonly metaPath: (string | number)[];
  private readonly ruleSets: RuleSets;
  /** Selectors look at value kinds; without safe fields the segments skip computing them. */
  private readonly needsKinds: boolean;

  constructor(
    private readonly config: CompiledScrubbing,
    originalMeta: JsonValue | undefined,
  ) {
    this.meta = new MetaWriter(originalMeta);
    this.metaPath = this.meta.path;
    this.ruleSets = ruleSetsFor(config);
    this.needsKinds = config.exclusions.length > 0;
  }

  /** The `_meta` tree to return, or `undefined` when scrubbing wrote nothing. */
  resultMeta(): JsonValue | undefined {
    return this.meta.result();
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
      segment = { key: undefined, index: undefined, types: NO_TYPES, kind: 'null', facts: null };
      this.pool[depth] = segment;
    }
    segment.key = key;
    segment.facts = null;
    segment.index = index;
    segment.types = types;
    if (this.needsKinds) segment.kind = primitiveType(value);
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

  private factsAt(back: number): KeyFacts | undefined {
    const segment = this.segment(back);
    if (!segment) return undefined;
    if (segment.facts === null) {
      segment.facts = segment.key === undefined ? undefined : this.ruleSets.keyFacts(segment.key);
    }
    return segment.facts;
  }

  private keyAt(back: number): string | undefined {
    return this.factsAt(back)?.lower;
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

  /**
   * True when only the general rules can apply here: no safe fields, and the path is none of
   * those the built-in applications single out (so `ignored`, `isKnownIpField`,
   * `isReplaceOnlyField` and `isSensitiveCookie` are all false).
   */
  private isPlain(): boolean {
    if (this.needsKinds || this.path[0]?.key === 'debug_meta' || this.keyAt(1) === 'cookies') return false;
    return this.factsAt(0)?.special !== true;
  }

  /** The rules that apply to the current path, in Relay's application order. */
  private ruleSet(): RuleSet {
    if (this.isPlain()) return this.ruleSets.plain;
    const { config } = this;
    let mask = config.general.length > 0 && !this.ignored() && !this.excluded() ? GENERAL : 0;
    if (config.removeKnownIps && this.isKnownIpField()) mask |= KNOWN_IP;
    if (config.replaceOnly && this.isReplaceOnlyField()) mask |= REPLACE_ONLY_FIELD;
    if (config.sensitiveCookies && this.isSensitiveCookie()) mask |= SENSITIVE_COOKIE;
    return this.ruleSets.get(mask);
  }

  /** `set`'s verdict on the current key (the memoized facts serve the plain rule set). */
  private verdict(set: RuleSet): KeyVerdict {
    const facts = this.factsAt(0);
    return facts && set === this.ruleSets.plain ? facts.plain : set.verdict(this.segment(0)?.key);
  }

  private remarkRemoved(rule: string): null {
    return this.meta.remarkRemoved(rule);
  }

  private scrubString(value: string): JsonValue {
    if (SKIPPED_STRINGS.has(value)) return value;
    const set = this.ruleSet();
    if (set.rules.length === 0) return value;
    const existing = this.meta.existing();
    const remarks = Array.isArray(existing?.rem) ? existing.rem : undefined;
    if (remarks === undefined && set.keepsString(this.verdict(set), value)) return value;
    const key = this.segment(0)?.key;
    const original = splitChunks(value, remarks);
    let chunks: Chunk[] = original;
    for (const rule of set.rules) {
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
    return this.meta.commitChunks(value, original, chunks);
  }

  /** Numbers and containers can only be removed (by `anything` rules or matching keys). */
  private removedByKey(): boolean {
    const set = this.ruleSet();
    if (set.rules.length === 0) return false;
    const rule = this.verdict(set).removal;
    if (rule === undefined) return false;
    this.remarkRemoved(rule);
    return true;
  }

  /**
   * Scrubs a data bag found by the schema walk: skips it whole when {@link Scrubber.isQuiet}
   * proves no rule can change anything in it, else walks it with {@link Scrubber.bag}.
   */
  private bagRoot(value: JsonValue, pairs: boolean): JsonValue {
    if (this.isPlain() && !this.hasMetaBelow() && this.isQuiet(value, this.factsAt(0), pairs)) return value;
    return this.bag(value, pairs);
  }

  /** True when the `_meta` tree has a node at or below the current path. */
  private hasMetaBelow(): boolean {
    return this.meta.hasBelow();
  }

  /**
   * True when the plain rule set changes nothing in `value` (under a key with `facts`) or below
   * it: what {@link Scrubber.bag} would decide, without building paths. The caller checks that
   * the value's own path is plain and has no `_meta` below it (so no earlier remarks); below, a
   * special key or a `cookies` parent (paths other rules apply to) gives up with false.
   */
  private isQuiet(value: JsonValue, facts: KeyFacts | undefined, pairs: boolean): boolean {
    const set = this.ruleSets.plain;
    const verdict = facts ? facts.plain : set.verdict(undefined);
    if (typeof value === 'string') return SKIPPED_STRINGS.has(value) || set.keepsString(verdict, value);
    if (value === null || typeof value === 'boolean') return true;
    if (verdict.removal !== undefined) return false;
    if (typeof value === 'number') return true;
    // Below a `cookies` key the cookie rules apply.
    if (facts?.lower === 'cookies') return false;
    if (Array.isArray(value)) {
      // Mirrors `pairList` and `array`: `[key, value]` pairs are seen under their key (in pair
      // lists instead of element by element, elsewhere as well).
      for (let i = 0; i < value.length; i++) {
        const item = value[i] as JsonValue;
        if (pairs && isPair(item)) {
          if (!this.isQuietUnder(item[0], item[1])) return false;
        } else if (!this.isQuiet(item, undefined, false)) return false;
      }
      const [first, second] = value;
      return (
        pairs ||
        value.length !== 2 ||
        typeof first !== 'string' ||
        second === null ||
        second === undefined ||
        this.isQuietUnder(first, second)
      );
    }
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item !== undefined && !this.isQuietUnder(key, item)) return false;
    }
    return true;
  }

  private isQuietUnder(key: string, value: JsonValue): boolean {
    const facts = this.ruleSets.keyFacts(key);
    return !facts.special && this.isQuiet(value, facts, false);
  }

  /** Scrubs a pii data value (and everything below it). */
  bag(value: JsonValue, pairs: boolean): JsonValue {
    if (typeof value === 'string') return this.scrubString(value);
    if (value === null || typeof value === 'boolean') return value;
    if (typeof value === 'number') return this.removedByKey() ? null : value;
    if (this.removedByKey()) return null;
    if (Array.isArray(value)) return pairs ? this.pairList(value) : this.array(value);
    return mapEntries(value, (key, item) => {
      this.enter(key, undefined, key, NO_TYPES, item);
      const next = this.bag(item, false);
      this.leave();
      return next;
    });
  }

  private array(value: JsonValue[]): JsonValue[] {
    // A two-element array with a string first is treated as a key/value pair first.
    if (value.length === 2 && typeof value[0] === 'string' && value[1] !== null && value[1] !== undefined) {
      const before = this.meta.writes;
      this.enter(value[0], undefined, 1, NO_TYPES, value[1]);
      const hadMeta = this.meta.existing() !== undefined;
      const scrubbed = this.bag(value[1], false);
      this.leave();
      if (!hadMeta && this.meta.writes !== before) return [value[0], scrubbed];
    }
    return mapItems(value, (item, i) => {
      this.enter(undefined, i, i, NO_TYPES, item);
      const next = this.bag(item, false);
      this.leave();
      return next;
    });
  }

  /** `[key, value]` pair lists (headers, cookies, query strings): values are seen under their key. */
  private pairList(value: JsonValue[]): JsonValue[] {
    return mapItems(value, (pair, i) => {
      if (isPair(pair)) {
        const [key, item] = pair;
        this.pushSegment(key, undefined, NO_TYPES, item);
        this.metaPath.push(i, 1);
        const scrubbed = this.bag(item, false);
        this.path.pop();
        this.metaPath.pop();
        this.metaPath.pop();
        return scrubbed === item ? pair : [key, scrubbed];
      }
      this.enter(undefined, i, i, NO_TYPES, pair);
      const next = this.bag(pair, false);
      this.leave();
      return next;
    });
  }

  /** Walks `value` according to `node`. */
  walk(value: JsonValue, node: WalkNode): JsonValue {
    switch (node.kind) {
      case 'bag':
        return this.bagRoot(value, node.pairs);
      case 'struct':
        return isJsonObject(value) && node.walkable ? this.walkStruct(value, node) : value;
      case 'values': {
        if (!isJsonObject(value) || !Array.isArray(value.values)) return value;
        const values = value.values;
        this.enter('values', undefined, 'values', NO_TYPES, values);
        const next = this.walkList(values, node.item);
        this.leave();
        return next === values ? value : { ...value, values: next };
      }
      case 'list':
        return Array.isArray(value) ? this.walkList(value, node.item) : value;
      case 'contexts':
        return isJsonObject(value) ? this.walkContexts(value) : value;
    }
  }

  private walkStruct(value: JsonObject, struct: StructNode): JsonObject {
    const { other, only } = struct;
    if (only) {
      // One walked key: reading it directly visits the same (own, enumerable) key, if present.
      const item = value[only.key];
      if (item === undefined || !isEnumerable.call(value, only.key)) return value;
      const next = this.walkChild(only.key, item, only.child);
      return next === item ? value : { ...value, [only.key]: next };
    }
    return mapEntries(value, (key, item) => {
      const known = knownChild(struct, key);
      const child = known === undefined ? other : known;
      return child ? this.walkChild(key, item, child) : item;
    });
  }

  private walkChild(key: string, item: JsonValue, child: WalkChild): JsonValue {
    this.enter(key, undefined, key, child.types, item);
    const next = this.walk(item, child.node);
    this.leave();
    return next;
  }

  private walkList(values: JsonValue[], item: WalkChild): JsonValue[] {
    return mapItems(values, (entry, i) => {
      this.enter(undefined, i, i, item.types, entry);
      const next = this.walk(entry, item.node);
      this.leave();
      return next;
    });
  }

  private walkContexts(contexts: JsonObject): JsonObject {
    return mapEntries(contexts, (key, context) => {
      const schema = contextSchema(key, context);
      if (!schema) return context;
      this.enter(key, undefined, key, NO_TYPES, context);
      const next = this.walk(context, compileSchema(schema));
      this.leave();
      return next;
    });
  }
}

/**
 * Applies a project's data scrubbing (reference/relay-protocol.md §9) to a normalized event and
 * returns the scrubbed event: first the advanced PII config (`settings.piiConfig`, §9.3), then
 * the legacy settings (§9.1–§9.2), as Relay's `scrub_event` runs two PII processors. Pure: the
 * input is not modified; unchanged parts are shared with it. Every change is recorded in
 * `_meta` the way Relay does (`{"": {"rem": [["@password:filter", "s", 0, 10]], "len": 12}}`;
 * removed values become `null` with a `["<rule>", "x"]` remark). Never throws for odd input.
 */
export function scrubEvent(event: SentryEvent, settings: DataScrubbingSettings): SentryEvent {
  return scrubWith(event, settings, EVENT_SCHEMA, EVENT_NODE);
}

/**
 * {@link scrubEvent} for a normalized replay event (reference/relay-protocol.md §11.1): Relay
 * scrubs replay events with the same legacy settings, walking the `Replay` schema, where `urls`
 * and `tags` are pii and the replay's ids and timestamps are not. Pure; never throws.
 */
export function scrubReplay(replay: JsonObject, settings: DataScrubbingSettings): JsonObject {
  return scrubWith(replay, settings, REPLAY_SCHEMA, REPLAY_NODE);
}

/**
 * Scrubs free-standing strings: pii values with no key of their own, the way Relay's replay
 * `RecordingScrubber` passes rrweb text nodes, input values, breadcrumb messages and span
 * descriptions to the PII processor (`relay-replays/src/recording/mod.rs`), so only the
 * value-pattern rules of the settings apply (`@common:filter`: credit cards, PEM keys, URL
 * credentials, user paths, SSNs; `@ip` when IPs are scrubbed). Returns the strings in order, the
 * input array itself when nothing changed. Pure; never throws.
 */
export function scrubStrings(values: readonly string[], settings: DataScrubbingSettings): readonly string[] {
  if (values.length === 0) return values;
  const holder: JsonObject = { values: [...values] };
  const scrubbed = scrubWith(holder, settings, STRINGS_SCHEMA, STRINGS_NODE);
  if (scrubbed === holder || !Array.isArray(scrubbed.values)) return values;
  return scrubbed.values.map((v, i) => (typeof v === 'string' ? v : v === null ? '' : values[i]!));
}

/**
 * Runs both passes over `value`: the advanced PII config walking `schema` (pii marks), then the
 * legacy settings walking `node` (the compiled form of the same schema).
 */
function scrubWith<T extends JsonObject>(
  value: T,
  settings: DataScrubbingSettings,
  schema: Schema,
  node: WalkNode,
): T {
  const config = compileScrubbing(settings);
  if (!config) return value;
  let current = value;
  if (config.advanced) {
    const scrubber = new AdvancedScrubber(config.advanced, current._meta);
    current = withMeta(current, scrubber.walk(current, schema), scrubber.resultMeta());
  }
  if (config.legacy) {
    const scrubber = new Scrubber(config, current._meta);
    current = withMeta(current, scrubber.walk(current, node), scrubber.resultMeta());
  }
  return current;
}

/** The scrubbed value with its new `_meta`, or `before` when the pass changed nothing. */
function withMeta<T extends JsonObject>(before: T, scrubbed: JsonValue, meta: JsonValue | undefined): T {
  if (scrubbed === before || !isJsonObject(scrubbed)) return before;
  const result = scrubbed as T;
  if (isJsonObject(meta)) (result as JsonObject)._meta = meta;
  return result;
}
