/**
 * Data scrubbing of rrweb recordings (reference/relay-protocol.md §11.2), as Relay's
 * `RecordingScrubber` does (`relay-replays/src/recording/mod.rs`) when a project scrubs data:
 * the text of text, CDATA and comment nodes (in full snapshots and in the nodes mutations add),
 * the `text` of input events, the `message` of breadcrumb custom events and the `description`
 * of performance-span custom events are scrubbed as pii strings; `img` and `source` elements get
 * `src` `#`; the contents of `script` and `style` elements are left alone. Pure.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import { compileScrubbing, scrubStrings, type DataScrubbingSettings } from '../../pii/index.js';

/** rrweb event types and sources that carry text (rrweb's `EventType`, `IncrementalSource`). */
const FULL_SNAPSHOT = 2;
const INCREMENTAL_SNAPSHOT = 3;
const CUSTOM = 5;
const MUTATION = 0;
const INPUT = 5;
/** rrweb node types: element, then text, CDATA and comment. */
const ELEMENT_NODE = 2;
const TEXT_NODES: ReadonlySet<number> = new Set([3, 4, 5]);

/** A string field to scrub: `holder[key]`. */
interface Slot {
  holder: JsonObject;
  key: string;
}

/**
 * Scrubs `events` (a segment's parsed rrweb events) in place with the project's settings.
 * Returns true when anything changed (the caller then re-serializes the segment); false, and
 * nothing touched, when the settings scrub nothing.
 */
export function scrubRecording(events: JsonValue[], settings: DataScrubbingSettings): boolean {
  if (!compileScrubbing(settings)) return false;
  const slots: Slot[] = [];
  const nodes: JsonValue[] = [];
  let changed = false;
  const slot = (holder: JsonObject, key: string): void => {
    if (typeof holder[key] === 'string') slots.push({ holder, key });
  };
  for (const event of events) {
    if (!isJsonObject(event) || !isJsonObject(event.data)) continue;
    const data = event.data;
    if (event.type === FULL_SNAPSHOT) nodes.push(data.node ?? null);
    else if (event.type === INCREMENTAL_SNAPSHOT && data.source === MUTATION && Array.isArray(data.adds)) {
      for (const add of data.adds) if (isJsonObject(add)) nodes.push(add.node ?? null);
    } else if (event.type === INCREMENTAL_SNAPSHOT && data.source === INPUT) slot(data, 'text');
    else if (event.type === CUSTOM && isJsonObject(data.payload)) {
      if (data.tag === 'breadcrumb') slot(data.payload, 'message');
      else if (data.tag === 'performanceSpan') slot(data.payload, 'description');
    }
  }
  // Walk the node trees with an explicit stack: DOM depth is the sender's to choose.
  while (nodes.length > 0) {
    const node = nodes.pop();
    if (!isJsonObject(node)) continue;
    if (typeof node.type === 'number' && TEXT_NODES.has(node.type)) {
      slot(node, 'textContent');
      continue;
    }
    const tag = typeof node.tagName === 'string' ? node.tagName : '';
    if (node.type === ELEMENT_NODE && (tag === 'script' || tag === 'style')) continue;
    if (node.type === ELEMENT_NODE && (tag === 'img' || tag === 'source') && isJsonObject(node.attributes)) {
      if (node.attributes.src !== '#') {
        node.attributes.src = '#';
        changed = true;
      }
    }
    if (Array.isArray(node.childNodes)) for (const child of node.childNodes) nodes.push(child);
  }
  const values = slots.map(({ holder, key }) => holder[key] as string);
  const scrubbed = scrubStrings(values, settings);
  if (scrubbed === values) return changed;
  slots.forEach(({ holder, key }, i) => {
    if (scrubbed[i] !== values[i]) {
      holder[key] = scrubbed[i]!;
      changed = true;
    }
  });
  return changed;
}
