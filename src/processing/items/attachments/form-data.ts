/**
 * Merging crash-reporter form fields into an event, as Relay's `merge_formdata` does for the
 * `form_data` item of a minidump upload (`relay-server/src/services/processor/event.rs`, helpers in
 * `relay-server/src/utils/param_parser.rs`; reference/relay-protocol.md §1.4):
 *
 * - `sentry` and `sentry___<namespace>`: a JSON event merged into the target;
 * - `sentry__1`, `sentry__2`, ...: chunks of one JSON event (Electron), joined in index order;
 * - `sentry[key][sub]`: one string value at that path (Breakpad sends only short strings);
 * - anything else: `extra.<field>` (Breakpad and Crashpad annotations).
 */
import { isJsonObject, type JsonObject, type JsonValue, parseJsonText } from '../../../protocol/json.js';

/**
 * Deep-merges `source` into `target`: objects key by key, any other value (arrays included)
 * replacing the target's, as Relay's `merge_values`.
 */
export function mergeValues(target: JsonObject, source: JsonObject): void {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (isJsonObject(current) && isJsonObject(value)) mergeValues(current, value);
    else target[key] = value;
  }
}

/** Sets `value` at `path` below `target`, replacing non-objects on the way (Relay's `update_nested_value`). */
export function setNestedValue(target: JsonObject, path: readonly string[], value: JsonValue): void {
  if (path.length === 0) return;
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (isJsonObject(next)) {
      node = next;
    } else {
      const created: JsonObject = {};
      node[key] = created;
      node = created;
    }
  }
  node[path[path.length - 1]!] = value;
}

/** The keys of `sentry[a][b]` (`['a', 'b']`), or undefined for other field names. */
export function sentryEntryPath(field: string): string[] | undefined {
  if (!field.startsWith('sentry[') || !field.endsWith(']')) return undefined;
  const keys = field.slice('sentry['.length, -1).split('][');
  return keys.every((k) => k !== '' && !k.includes('[') && !k.includes(']')) ? keys : undefined;
}

/**
 * Merges form `fields` (name, value; in request order) into `event` by the rules of the module
 * comment. Fields whose JSON does not parse are skipped, as Relay skips them.
 */
export function mergeFormFields(event: JsonObject, fields: ReadonlyArray<readonly [string, string]>): void {
  const chunks = new Map<number, string>();
  for (const [name, value] of fields) {
    if (name === 'sentry' || name.startsWith('sentry___')) {
      mergeJson(event, value);
      continue;
    }
    const chunk = /^sentry__(\d+)$/.exec(name);
    if (chunk) {
      chunks.set(Number(chunk[1]), value);
      continue;
    }
    const path = sentryEntryPath(name);
    if (path) setNestedValue(event, path, value);
    else setNestedValue(event, ['extra', name], value);
  }
  if (chunks.size > 0) {
    const joined = [...chunks.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, text]) => text)
      .join('');
    mergeJson(event, joined);
  }
}

function mergeJson(event: JsonObject, text: string): void {
  try {
    const parsed: unknown = parseJsonText(text);
    if (isJsonObject(parsed)) mergeValues(event, parsed);
  } catch {
    // Relay logs and skips a field that is not JSON.
  }
}
