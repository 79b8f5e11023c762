/**
 * Scrubbing of trace items (logs, trace metrics, v2 spans): their typed attributes
 * (`{key: {type, value}}`) and a log's body, with a project's advanced PII config and legacy
 * data scrubbing settings.
 *
 * Follows `relay-pii/src/eap.rs` (`scrub`) and `relay-pii/src/processor.rs`
 * (`process_attributes`): the item sits under a root of its value type (`$log`, `$span`,
 * `$trace_metric`); the advanced config runs first and sees each attribute as an object, so
 * selectors address its value as `<key>.value` or `$log.attributes.<key>.value`; the legacy
 * settings run second and see each value directly under the attribute's name
 * (`AttributeMode::ValueOnly`), so sensitive fields and safe fields name attributes. Which
 * values a rule may touch follows the schema's pii marks: an attribute's value is marked per
 * sentry-conventions (`attribute-pii.ts`: unknown attributes `true`, Sentry's own such as
 * `sentry.release` `false`, many `maybe`, which only selectors naming them reach); a log's body
 * is `maybe` (`relay-event-schema/src/protocol/ourlog.rs`), so `**` and `$string` pass it by and
 * the legacy settings give it the replace-only rules; the attribute map and each attribute
 * object are containers no rule removes, and an attribute's `type` is never scrubbed.
 *
 * Remarks come back in Relay's `_meta` shape: `{"body": {"": {...}}, "attributes": {"<key>":
 * {"value": {"": {"rem": [...], "len": n}}}}}` (array elements by index under `value`).
 */
import { isJsonObject, getOwn, setOwn, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { AdvancedScrubber } from './advanced.js';
import { attributePii, type AttributePii } from './attribute-pii.js';
import type { CompiledPiiConfig } from './pii-config.js';
import type { Schema } from './schema.js';
import type { PiiLevel } from './selectors.js';
import { compileScrubbing, type DataScrubbingSettings } from './settings.js';
import { exemptFromGeneralRules, traceItemLegacyConfig } from './trace-item-legacy.js';

/** An attribute in Relay's wire shape. */
export interface AttributeEntry {
  type: string;
  value: JsonValue;
}

/** Options for {@link scrubTraceItemFields} and {@link scrubAttributeMap}. */
export interface AttributeScrubOptions {
  /** Relay value type of the item (`log`, `span`, `trace_metric`), `$<type>` in selectors. Default `log`. */
  itemType?: string;
  /** An attribute's pii mark; default sentry-conventions' ({@link attributePii}). */
  pii?: (key: string) => AttributePii;
}

/** The scrubbable fields of a trace item. */
export interface TraceItemFields {
  /** A log's body; absent for other items. */
  body?: string;
  attributes: Readonly<Record<string, AttributeEntry>>;
}

/** What {@link scrubTraceItemFields} produced. */
export interface ScrubbedTraceItem {
  /** The body (`null` when a rule removed it; `undefined` when none was given). */
  body: string | null | undefined;
  /** The attributes, with scrubbed values (`null` when removed); the input when nothing changed. */
  attributes: Readonly<Record<string, AttributeEntry>>;
  /** Remarks (`{body?, attributes?: {key: {value: …}}}`), or `undefined` when nothing changed. */
  meta: JsonObject | undefined;
}

/** What {@link scrubAttributeMap} produced. */
export interface ScrubbedAttributes {
  /** The attributes, with scrubbed values (`null` when removed); the input when nothing changed. */
  attributes: Readonly<Record<string, AttributeEntry>>;
  /** Remarks per changed attribute (`{key: {value: {"": {...}}}}`), or `undefined`. */
  meta: JsonObject | undefined;
}

const BODY: Schema = { kind: 'bag', pii: 'maybe' };
const TRUE_BAG: Schema = { kind: 'bag' };
const MAYBE_BAG: Schema = { kind: 'bag', pii: 'maybe' };
const TRUE_ATTRIBUTE: Schema = { kind: 'struct', types: [], fields: { value: TRUE_BAG } };
const MAYBE_ATTRIBUTE: Schema = { kind: 'struct', types: [], fields: { value: MAYBE_BAG } };

/** Where the attributes sit: under the item's `attributes` field, or as the item itself. */
type Layout = 'item' | 'map';

/**
 * An empty record for attribute names. Names are user data: every write goes through
 * {@link setOwn} / {@link setField}, so `__proto__` stays a plain key. (Not `Object.create(null)`:
 * prototype-less objects are slow dictionaries in V8, and one is built per item.)
 */
function record<T>(): Record<string, T> {
  return {};
}

/** `setOwn` for a schema's fields. */
function setField(fields: Record<string, Schema>, key: string, schema: Schema): void {
  setOwn(fields as unknown as JsonObject, key, schema as unknown as JsonValue);
}

/**
 * The tree one pass walks, `{"": item}`, and its schema: `values` holds each attribute's node
 * (its object for the advanced pass, its bare value for the legacy one).
 */
function tree(
  layout: Layout,
  itemType: string,
  body: string | null | undefined,
  values: JsonObject,
  fields: Record<string, Schema>,
): { root: JsonObject; schema: Schema } {
  const attributes: Schema = { kind: 'struct', types: ['object'], fields };
  let item: JsonObject;
  let itemSchema: Schema;
  if (layout === 'map') {
    item = values;
    itemSchema = { kind: 'struct', types: [itemType], fields };
  } else {
    item = body === undefined ? { attributes: values } : { body, attributes: values };
    itemSchema = { kind: 'struct', types: [itemType], fields: { body: BODY, attributes } };
  }
  return { root: { '': item }, schema: { kind: 'struct', types: [], fields: { '': itemSchema } } };
}

/** The attributes' node of a walked item (the item itself for the `map` layout). */
function attributesOf(layout: Layout, item: JsonValue | undefined): JsonObject {
  const node = layout === 'map' ? item : isJsonObject(item) ? item.attributes : undefined;
  return isJsonObject(node) ? node : {};
}

/** The attribute nodes of an item-level `_meta` (the whole tree for the `map` layout). */
function attributesMeta(layout: Layout, meta: JsonObject): JsonObject | undefined {
  const node = layout === 'map' ? meta : getOwn(meta, 'attributes');
  return isJsonObject(node) ? node : undefined;
}

/** `meta` with its attribute nodes replaced by `nodes` (the whole tree for the `map` layout). */
function withAttributesMeta(layout: Layout, meta: JsonObject, nodes: JsonObject): JsonObject {
  return layout === 'map' ? nodes : { ...meta, attributes: nodes };
}

/**
 * The item-level `_meta` as the legacy pass sees it: each attribute's `value` node directly
 * under the attribute's name (its other nodes, if any, are put back by {@link objectMeta}).
 */
function valueOnlyMeta(layout: Layout, meta: JsonObject, keys: Iterable<string>): JsonObject {
  const attributes = attributesMeta(layout, meta);
  if (!attributes) return meta;
  const nodes = record<JsonValue>();
  for (const key of keys) {
    const node = getOwn(attributes, key);
    if (isJsonObject(node) && node.value !== undefined) setOwn(nodes, key, node.value);
  }
  return withAttributesMeta(layout, meta, nodes);
}

/** The legacy pass's `_meta` back in the stored shape, over `base` (the `_meta` before it). */
function objectMeta(layout: Layout, meta: JsonObject, base: JsonObject, keys: Iterable<string>): JsonObject {
  const attributes = attributesMeta(layout, meta);
  const nodes = record<JsonValue>();
  const before = attributesMeta(layout, base);
  if (before) for (const key of Object.keys(before)) setOwn(nodes, key, before[key] as JsonValue);
  for (const key of keys) {
    const node = attributes && getOwn(attributes, key);
    if (node === undefined) continue;
    const previous = before && getOwn(before, key);
    setOwn(nodes, key, { ...(isJsonObject(previous) ? previous : {}), value: node });
  }
  const merged = withAttributesMeta(layout, meta, nodes);
  return Object.keys(nodes).length > 0 || layout === 'map' ? merged : dropAttributes(merged);
}

function dropAttributes(meta: JsonObject): JsonObject {
  const { attributes: _attributes, ...rest } = meta;
  return rest;
}

/** Runs one pass; returns the walked item and its `_meta` (`undefined` items when unchanged). */
function runPass(
  config: CompiledPiiConfig,
  built: { root: JsonObject; schema: Schema },
  meta: JsonObject,
): { item: JsonValue | undefined; meta: JsonObject } {
  const scrubber = new AdvancedScrubber(config, { '': meta });
  const out = scrubber.walk(built.root, built.schema);
  const resultMeta = scrubber.resultMeta();
  const itemMeta = isJsonObject(resultMeta) && isJsonObject(resultMeta['']) ? resultMeta[''] : meta;
  return { item: out === built.root || !isJsonObject(out) ? undefined : out[''], meta: itemMeta };
}

function scrub(
  layout: Layout,
  input: TraceItemFields,
  settings: DataScrubbingSettings,
  options: AttributeScrubOptions,
): ScrubbedTraceItem {
  const unchanged = { body: input.body, attributes: input.attributes, meta: undefined };
  const config = compileScrubbing(settings);
  if (!config) return unchanged;
  const itemType = options.itemType ?? 'log';
  const piiOf = options.pii ?? attributePii;
  const source = input.attributes as unknown as JsonObject;
  const levels = new Map<string, PiiLevel>();
  for (const key of Object.keys(source)) {
    const level = piiOf(key);
    if (level && isJsonObject(getOwn(source, key))) levels.set(key, level);
  }

  let attributes = source;
  let body: string | null | undefined = input.body;
  let meta: JsonObject = {};

  if (config.advanced) {
    const fields = record<Schema>();
    for (const [key, level] of levels)
      setField(fields, key, level === 'maybe' ? MAYBE_ATTRIBUTE : TRUE_ATTRIBUTE);
    const pass = runPass(config.advanced, tree(layout, itemType, body, attributes, fields), meta);
    meta = pass.meta;
    if (pass.item !== undefined) {
      attributes = attributesOf(layout, pass.item);
      body = bodyOf(layout, pass.item, body);
    }
  }

  if (config.legacy) {
    const fields = record<Schema>();
    const values = record<JsonValue>();
    const lowerKeys: string[] = [];
    for (const [key, level] of levels) {
      const entry = getOwn(attributes, key);
      if (!isJsonObject(entry) || entry.value === undefined) continue;
      const lowerKey = key.toLowerCase();
      lowerKeys.push(lowerKey);
      setField(fields, key, level === 'maybe' || exemptFromGeneralRules(lowerKey) ? MAYBE_BAG : TRUE_BAG);
      setOwn(values, key, entry.value);
    }
    const pass = runPass(
      traceItemLegacyConfig(config, layout === 'item' && body !== undefined, lowerKeys),
      tree(layout, itemType, body, values, fields),
      valueOnlyMeta(layout, meta, levels.keys()),
    );
    meta = objectMeta(layout, pass.meta, meta, levels.keys());
    if (pass.item !== undefined) {
      const scrubbed = attributesOf(layout, pass.item);
      const next = record<JsonValue>();
      for (const key of Object.keys(attributes)) {
        const entry = getOwn(attributes, key) as JsonValue;
        const value = getOwn(scrubbed, key);
        const same = value === undefined || value === getOwn(values, key) || !isJsonObject(entry);
        setOwn(next, key, same ? entry : { ...entry, value });
      }
      attributes = next;
      body = bodyOf(layout, pass.item, body);
    }
  }

  return {
    body,
    attributes:
      attributes === source ? input.attributes : (attributes as unknown as Record<string, AttributeEntry>),
    meta: Object.keys(meta).length > 0 ? meta : undefined,
  };
}

/** The body of a walked item, when the item has one. */
function bodyOf(
  layout: Layout,
  item: JsonValue,
  before: string | null | undefined,
): string | null | undefined {
  if (layout === 'map' || before === undefined || !isJsonObject(item)) return before;
  const body = item.body;
  return typeof body === 'string' || body === null ? body : before;
}

/**
 * Scrubs a trace item's body and attributes (not modified) with `settings`: its `piiConfig`
 * first, then the legacy settings, as Relay's `eap::scrub` (see the module comment). Never
 * throws.
 */
export function scrubTraceItemFields(
  item: TraceItemFields,
  settings: DataScrubbingSettings,
  options: AttributeScrubOptions = {},
): ScrubbedTraceItem {
  return scrub('item', item, settings, options);
}

/**
 * Scrubs a bare attribute map (not modified) that is itself the item, the way Relay's `eap.rs`
 * tests scrub an `Attributes` value: selectors address `<key>.value` (no `attributes` segment),
 * remarks come back per key. Never throws.
 */
export function scrubAttributeMap(
  attributes: Readonly<Record<string, AttributeEntry>>,
  settings: DataScrubbingSettings,
  options: AttributeScrubOptions = {},
): ScrubbedAttributes {
  const out = scrub('map', { attributes }, settings, options);
  return { attributes: out.attributes, meta: out.meta };
}
