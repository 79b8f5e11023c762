/**
 * `contexts` normalization: every context is an object with a `type`.
 *
 * Follows `relay-event-schema/src/protocol/contexts/mod.rs` (a context's type is its `type`
 * field, else its key; unknown types are kept as "other" contexts), `event.rs`
 * (`normalize_trace_context`: trace status defaults to `unknown`) and the `TraceId` / `SpanId`
 * types (32 / 16 lowercase hex). reference/relay-protocol.md §8 "Contexts".
 */
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import type { EventMeta } from './meta.js';

/**
 * Parses a trace id: 32 hex characters, or a hyphenated UUID. Returns lowercase hex or
 * `undefined` when invalid.
 */
export function parseTraceId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.includes('-') ? value.replace(/-/g, '') : value;
  if (text.length !== 32 || !/^[0-9a-fA-F]{32}$/.test(text)) return undefined;
  if (
    value.includes('-') &&
    !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value)
  ) {
    return undefined;
  }
  return text.toLowerCase();
}

/** Parses a span id: 16 hex characters. Returns lowercase hex or `undefined` when invalid. */
export function parseSpanId(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{16}$/.test(value)) return undefined;
  return value.toLowerCase();
}

/**
 * Validates the id fields of a trace context or span in place: invalid `trace_id`, `span_id`
 * or `parent_span_id` values are removed with an `invalid_data` error at `path`.
 */
export function normalizeTraceIds(
  target: JsonObject,
  path: readonly (string | number)[],
  meta: EventMeta,
): void {
  for (const [key, parse] of [
    ['trace_id', parseTraceId],
    ['span_id', parseSpanId],
    ['parent_span_id', parseSpanId],
  ] as const) {
    const raw = target[key];
    if (raw === undefined) continue;
    if (raw === null) {
      delete target[key];
      continue;
    }
    const parsed = parse(raw);
    if (parsed === undefined) {
      delete target[key];
      meta.addInvalid(
        [...path, key],
        key === 'trace_id' ? 'not a valid trace id' : 'not a valid span id',
        raw,
      );
    } else target[key] = parsed;
  }
}

/**
 * Normalizes `event.contexts` in place: non-object contexts are removed with an error; each
 * context gets `type` (its own `type` string, else its key); the trace context's ids are
 * validated and its `status` defaults to `unknown`. `contexts.flags` and other unknown
 * contexts pass through with their type.
 */
export function normalizeContexts(event: JsonObject, meta: EventMeta): void {
  const contexts = event.contexts;
  if (contexts === undefined) return;
  if (!isJsonObject(contexts)) {
    delete event.contexts;
    if (contexts !== null) meta.addInvalid(['contexts'], 'expected contexts', contexts);
    return;
  }
  for (const key of Object.keys(contexts)) {
    const context = contexts[key];
    if (context === undefined) continue;
    if (!isJsonObject(context)) {
      delete contexts[key];
      if (context !== null) meta.addInvalid(['contexts', key], 'expected a context', context);
      continue;
    }
    if (typeof context.type !== 'string' || context.type === '') context.type = key;
    if (context.type === 'trace') {
      normalizeTraceIds(context, ['contexts', key], meta);
      if (context.status === undefined || context.status === null) context.status = 'unknown';
    }
  }
}

/** Context types with a computed display field, and the field's name (`browser`, `os`, `runtime`). */
const COMPUTED_DISPLAY_FIELDS: Readonly<Record<string, string>> = {
  browser: 'browser',
  os: 'os',
  runtime: 'runtime',
};

/**
 * Sets the computed display field of browser, OS and runtime contexts (`contexts.browser.browser`
 * = `"Chrome 74.0.3729"`, `contexts.client_os.os` = `"Windows >=10"`): `"<name> <version>"`, or
 * the name alone without a version; an existing value is kept, a context without a name gets
 * none. Runs after the user-agent contexts were added, as Relay's normalized events carry the
 * field on those too (`BrowserContext::browser`, "computed field from name and version", in
 * `relay-event-schema/src/protocol/contexts/browser.rs`; fixtures `security_report/*.output.json`
 * of Relay's integration tests).
 */
export function computeContextDisplayFields(event: JsonObject): void {
  const contexts = event.contexts;
  if (!isJsonObject(contexts)) return;
  for (const context of Object.values(contexts)) {
    if (!isJsonObject(context) || typeof context.type !== 'string') continue;
    const field = COMPUTED_DISPLAY_FIELDS[context.type];
    if (field === undefined || (context[field] !== undefined && context[field] !== null)) continue;
    const { name, version } = context;
    if (typeof name !== 'string' || name === '') continue;
    context[field] = typeof version === 'string' && version !== '' ? `${name} ${version}` : name;
  }
}
