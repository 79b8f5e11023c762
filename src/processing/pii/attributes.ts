/**
 * Scrubbing a plain attribute map (log and span attributes, `{key: {type, value}}`) with a
 * project's advanced PII config and legacy settings.
 *
 * Follows `relay-pii/src/eap.rs` (`scrub`: the advanced config first, seeing each attribute as an
 * object under a root of the item's value type, so selectors address `<key>.value` or
 * `$log.<key>.value`; then the legacy settings, seeing each value directly under the attribute's
 * name, Relay's `AttributeMode::ValueOnly`). Remarks come back in Relay's shape
 * `{"<key>": {"value": {"": {"rem": [...], "len": n}}}}`.
 *
 * Approximations: which attributes are personal data comes from `options.pii` (Relay reads
 * sentry-conventions; the default here treats `sentry.*` attributes as not pii and all others as
 * pii), and legacy safe-field selectors see an attribute at `extra.<key>` rather than under the
 * item's root.
 */
import type { SentryEvent } from '../../protocol/event.js';
import { getOwn, isJsonObject, setOwn, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { AdvancedScrubber } from './advanced.js';
import type { Schema } from './schema.js';
import { scrubEvent } from './scrub-event.js';
import type { PiiLevel } from './selectors.js';
import { compileScrubbing, type DataScrubbingSettings } from './settings.js';

/** An attribute in Relay's wire shape. */
export interface AttributeEntry {
  type: string;
  value: JsonValue;
}

/** Options for {@link scrubAttributeMap}. */
export interface AttributeScrubOptions {
  /** Relay value type of the item the attributes belong to (`log`, `span`, …). Default `log`. */
  itemType?: string;
  /** Whether an attribute is personal data: `'true'`, `'maybe'` or `false` (never scrubbed). */
  pii?: (key: string) => PiiLevel | false;
}

/** What {@link scrubAttributeMap} produced. */
export interface ScrubbedAttributes {
  /** The attributes, with scrubbed values (`null` when removed); the input when nothing changed. */
  attributes: Readonly<Record<string, AttributeEntry>>;
  /** Remarks per changed attribute (`{key: {value: {"": {...}}}}`), or `undefined`. */
  meta: JsonObject | undefined;
}

const defaultPii = (key: string): PiiLevel | false => (key.startsWith('sentry.') ? false : 'true');

const TRUE_VALUE: Schema = { kind: 'struct', types: [], fields: { value: { kind: 'bag' } } };
const MAYBE_VALUE: Schema = { kind: 'struct', types: [], fields: { value: { kind: 'bag', pii: 'maybe' } } };

/**
 * Scrubs `attributes` (not modified) with `settings` (its `piiConfig` first, then the legacy
 * settings, as Relay's `eap::scrub`). Never throws.
 */
export function scrubAttributeMap(
  attributes: Readonly<Record<string, AttributeEntry>>,
  settings: DataScrubbingSettings,
  options: AttributeScrubOptions = {},
): ScrubbedAttributes {
  const config = compileScrubbing(settings);
  if (!config) return { attributes, meta: undefined };
  const piiOf = options.pii ?? defaultPii;
  const levels = new Map<string, PiiLevel>();
  for (const key of Object.keys(attributes)) {
    const level = piiOf(key);
    if (level && isJsonObject(attributes[key] as unknown as JsonValue)) levels.set(key, level);
  }
  let current: Record<string, AttributeEntry> = { ...attributes };
  let meta: JsonObject = {};
  let changed = false;

  if (config.advanced && levels.size > 0) {
    // No prototype: attribute names are user data (`__proto__` must stay a plain key).
    const fields = Object.create(null) as Record<string, Schema>;
    for (const [key, level] of levels) fields[key] = level === 'maybe' ? MAYBE_VALUE : TRUE_VALUE;
    const schema: Schema = {
      kind: 'struct',
      types: [],
      fields: { '': { kind: 'struct', types: [options.itemType ?? 'log'], fields } },
    };
    const root: JsonObject = { '': current as unknown as JsonObject };
    const scrubber = new AdvancedScrubber(config.advanced, undefined);
    const scrubbed = scrubber.walk(root, schema);
    const resultMeta = scrubber.resultMeta();
    if (scrubbed !== root && isJsonObject(scrubbed) && isJsonObject(scrubbed[''])) {
      current = scrubbed[''] as unknown as Record<string, AttributeEntry>;
      changed = true;
    }
    if (isJsonObject(resultMeta) && isJsonObject(resultMeta[''])) meta = resultMeta[''];
  }

  if (config.legacy) {
    // The legacy rules see each value under the attribute's name, like an `extra` entry.
    const extra: JsonObject = {};
    const extraMeta: JsonObject = {};
    for (const key of levels.keys()) {
      if (levels.get(key) !== 'true') continue;
      setOwn(extra, key, (current[key] as AttributeEntry).value);
      const node = getOwn(meta, key);
      if (isJsonObject(node) && node.value !== undefined) setOwn(extraMeta, key, node.value);
    }
    const event: SentryEvent = { extra, _meta: { extra: extraMeta } };
    const scrubbed = scrubEvent(event, { ...settings, piiConfig: undefined });
    if (scrubbed !== event) {
      const values = isJsonObject(scrubbed.extra) ? scrubbed.extra : {};
      const newMeta =
        isJsonObject(scrubbed._meta) && isJsonObject(scrubbed._meta.extra) ? scrubbed._meta.extra : {};
      for (const key of Object.keys(extra)) {
        const value = getOwn(values, key);
        if (value === getOwn(extra, key)) continue;
        current = { ...current, [key]: { ...(current[key] as AttributeEntry), value: value ?? null } };
        const node = getOwn(newMeta, key);
        if (node !== undefined) meta = { ...meta, [key]: { value: node } };
        changed = true;
      }
    }
  }
  return {
    attributes: changed ? current : attributes,
    meta: Object.keys(meta).length > 0 ? meta : undefined,
  };
}
