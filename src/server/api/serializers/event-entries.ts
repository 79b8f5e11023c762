/**
 * The `entries` list of Sentry's event JSON: one `{type, data}` per event interface, in
 * camelCase, ordered like Sentry orders them.
 *
 * Follows `src/sentry/api/serializers/models/event.py` (`get_entries`: interfaces sorted by
 * `score`, then by `display_score`, both descending, skipping `user`/`sdk`/`device`/`contexts`
 * and interfaces with empty data) and each interface's `get_api_context` in
 * `src/sentry/interfaces/` (exception.py, stacktrace.py, threads.py, breadcrumbs.py,
 * http.py, message.py, template.py, debug_meta.py, security.py).
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import type { SentryEvent } from '../../../protocol/event.js';
import {
  isEmptyJson,
  isoTimestamp,
  jsonOrNull,
  numberOrNull,
  objectOrNull,
  pruneNulls,
  stringOrNull,
} from './values.js';

/** One serialized entry: `{type: 'exception', data: {...}}`. */
export interface EventEntry extends JsonObject {
  type: string;
  data: JsonObject;
}

/**
 * Sentry's `get_context`: `[[lineNo, line], ...]` from `pre_context`, `context_line` and
 * `post_context`; `[]` without a line number or without any context.
 */
export function frameContext(
  lineno: unknown,
  contextLine: unknown,
  preContext: unknown,
  postContext: unknown,
): Array<[number, JsonValue]> {
  const line = numberOrNull(lineno);
  if (line === null) return [];
  const pre = Array.isArray(preContext) ? (preContext as JsonValue[]) : [];
  const post = Array.isArray(postContext) ? (postContext as JsonValue[]) : [];
  if (contextLine === undefined || contextLine === null) {
    if (pre.length === 0 && post.length === 0) return [];
  }
  const context: Array<[number, JsonValue]> = [];
  let at = Math.trunc(line) - pre.length;
  for (const text of pre) context.push([at++, text]);
  context.push([at++, jsonOrNull(contextLine as JsonValue | undefined)]);
  for (const text of post) context.push([at++, text]);
  return context;
}

/** Hex digits of the longest `0x...` address among frames (`get_longest_address`). */
function longestAddress(frames: JsonObject[]): number | null {
  let longest: number | null = null;
  for (const frame of frames) {
    for (const addr of [frame.instruction_addr, frame.symbol_addr]) {
      if (typeof addr === 'string' && (longest === null || addr.length - 2 > longest))
        longest = addr.length - 2;
    }
  }
  return longest;
}

function padAddress(addr: unknown, length: number | null): string | null {
  if (typeof addr !== 'string') return null;
  if (length === null) return addr;
  return `0x${addr.slice(2).padStart(length, '0')}`;
}

/** One frame in Sentry's API shape (`Frame.get_api_context`, not public: with `vars`). */
export function serializeFrame(frame: JsonObject, padLength: number | null): JsonObject {
  const data: JsonObject = {
    filename: stringOrNull(frame.filename),
    absPath: stringOrNull(frame.abs_path),
    module: stringOrNull(frame.module),
    package: stringOrNull(frame.package),
    platform: stringOrNull(frame.platform),
    instructionAddr: padAddress(frame.instruction_addr, padLength),
    symbolAddr: padAddress(frame.symbol_addr, padLength),
    function: stringOrNull(frame.function),
    rawFunction: stringOrNull(frame.raw_function),
    symbol: stringOrNull(frame.symbol),
    context: frameContext(frame.lineno, frame.context_line, frame.pre_context, frame.post_context),
    lineNo: numberOrNull(frame.lineno),
    colNo: numberOrNull(frame.colno),
    inApp: typeof frame.in_app === 'boolean' ? frame.in_app : null,
    trust: stringOrNull(frame.trust),
    errors: jsonOrNull(frame.errors),
    vars: jsonOrNull(frame.vars),
  };
  if (typeof frame.addr_mode === 'string' && frame.addr_mode !== 'abs') data.addrMode = frame.addr_mode;
  if (isJsonObject(frame.data) && frame.data.symbolicator_status !== undefined) {
    data.symbolicatorStatus = frame.data.symbolicator_status;
  }
  return data;
}

function framesOf(stacktrace: unknown): JsonObject[] {
  if (!isJsonObject(stacktrace) || !Array.isArray(stacktrace.frames)) return [];
  // A PHP SDK quirk sends `[]` for a frame; Sentry reads it as an empty frame.
  return stacktrace.frames.map((f) => (isJsonObject(f) ? f : {}));
}

/**
 * A stacktrace in API shape (`Stacktrace.get_api_context`): `{frames, framesOmitted,
 * registers, hasSystemFrames}`, oldest frame first. `null` when it has no frames, as
 * Sentry drops such stacktraces. `hasSystemFrames` is Sentry's "any frame in app".
 */
export function serializeStacktrace(stacktrace: unknown): JsonObject | null {
  const frames = framesOf(stacktrace);
  if (frames.length === 0 || !isJsonObject(stacktrace)) return null;
  const padLength = longestAddress(frames);
  return {
    frames: frames.map((f) => serializeFrame(f, padLength)),
    framesOmitted: jsonOrNull(stacktrace.frames_omitted),
    registers: jsonOrNull(stacktrace.registers),
    hasSystemFrames: frames.some((f) => f.in_app === true),
  };
}

/** `Mechanism.get_api_context` is its pruned JSON: snake_case, no null or empty objects. */
function serializeMechanism(mechanism: unknown): JsonObject | null {
  if (!isJsonObject(mechanism) || Object.keys(mechanism).length === 0) return null;
  const out = pruneNulls(mechanism);
  if (isEmptyJson(out.data)) delete out.data;
  if (isJsonObject(out.meta)) {
    const meta = pruneNulls(out.meta);
    if (Object.keys(meta).length === 0) delete out.meta;
    else out.meta = meta;
  }
  return out;
}

function exceptionValue(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value ? String(value) : null;
  return null;
}

/** One exception of the chain (`SingleException.get_api_context`). */
export function serializeException(exception: JsonObject): JsonObject {
  return {
    type: stringOrNull(exception.type),
    value: exceptionValue(exception.value),
    mechanism: serializeMechanism(exception.mechanism),
    threadId: jsonOrNull(exception.thread_id),
    module: stringOrNull(exception.module),
    stacktrace: serializeStacktrace(exception.stacktrace),
    rawStacktrace: serializeStacktrace(exception.raw_stacktrace),
  };
}

function exceptionEntry(exception: unknown): JsonObject | null {
  if (!isJsonObject(exception) || !Array.isArray(exception.values)) return null;
  const values = exception.values.filter(isJsonObject);
  if (values.length === 0) return null;
  return {
    values: values.map(serializeException),
    hasSystemFrames: values.some((v) => framesOf(v.stacktrace).some((f) => f.in_app === true)),
    excOmitted: jsonOrNull(exception.exc_omitted),
  };
}

function messageEntry(logentry: unknown): JsonObject | null {
  if (typeof logentry === 'string') return logentry === '' ? null : { formatted: logentry };
  if (!isJsonObject(logentry)) return null;
  const data = pruneNulls({
    message: jsonOrNull(logentry.message),
    formatted: jsonOrNull(logentry.formatted),
    params: isEmptyJson(logentry.params) ? null : jsonOrNull(logentry.params),
  });
  return Object.keys(data).length === 0 ? null : data;
}

function threadsEntry(threads: unknown): JsonObject | null {
  if (!isJsonObject(threads) || !Array.isArray(threads.values)) return null;
  const values = threads.values.filter(isJsonObject);
  if (values.length === 0) return null;
  return {
    values: values.map((thread) => {
      const out: JsonObject = {
        id: jsonOrNull(thread.id),
        current: Boolean(thread.current),
        crashed: Boolean(thread.crashed),
        name: stringOrNull(thread.name),
        stacktrace: serializeStacktrace(thread.stacktrace),
        rawStacktrace: serializeStacktrace(thread.raw_stacktrace),
      };
      if (thread.state) out.state = jsonOrNull(thread.state);
      if (thread.held_locks) out.heldLocks = jsonOrNull(thread.held_locks);
      return out;
    }),
  };
}

function breadcrumbsEntry(breadcrumbs: unknown): JsonObject | null {
  const list = isJsonObject(breadcrumbs) ? breadcrumbs.values : breadcrumbs;
  if (!Array.isArray(list)) return null;
  const values = list.filter(isJsonObject);
  if (values.length === 0) return null;
  return {
    values: values.map((crumb) => ({
      type: stringOrNull(crumb.type) ?? 'default',
      timestamp: isoTimestamp(crumb.timestamp),
      level: stringOrNull(crumb.level) ?? 'info',
      message: stringOrNull(crumb.message),
      category: stringOrNull(crumb.category),
      data: objectOrNull(crumb.data),
      event_id: stringOrNull(crumb.event_id),
    })),
  };
}

/** Pairs as the API sends headers, cookies and query: `[[name, value], ...]`. */
function pairs(value: unknown, sortObjects: boolean): JsonValue[] {
  if (Array.isArray(value)) return value as JsonValue[];
  if (typeof value === 'string') {
    if (value === '') return [];
    return [...new URLSearchParams(value.replace(/^\?/, ''))].map(([k, v]) => [k, v]);
  }
  if (isJsonObject(value)) {
    const entries = Object.entries(value).map(([k, v]): [string, JsonValue] => [k, jsonOrNull(v)]);
    if (sortObjects) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries;
  }
  return [];
}

function requestEntry(request: unknown): JsonObject | null {
  if (!isJsonObject(request) || Object.keys(request).length === 0) return null;
  return {
    method: stringOrNull(request.method),
    url: stringOrNull(request.url),
    query: pairs(request.query_string, false),
    fragment: stringOrNull(request.fragment),
    data: jsonOrNull(request.data),
    headers: pairs(request.headers, true),
    cookies: pairs(request.cookies, true),
    env: objectOrNull(request.env),
    inferredContentType: stringOrNull(request.inferred_content_type),
  };
}

function templateEntry(template: unknown): JsonObject | null {
  if (!isJsonObject(template)) return null;
  return {
    lineNo: numberOrNull(template.lineno),
    filename: stringOrNull(template.filename),
    context: frameContext(
      template.lineno,
      template.context_line,
      template.pre_context,
      template.post_context,
    ),
  };
}

function debugMetaEntry(debugMeta: unknown): JsonObject | null {
  if (!isJsonObject(debugMeta)) return null;
  const data = pruneNulls({
    images: isEmptyJson(debugMeta.images) ? null : jsonOrNull(debugMeta.images),
    sdk_info: isEmptyJson(debugMeta.sdk_info) ? null : jsonOrNull(debugMeta.sdk_info),
    is_debug_build: jsonOrNull(debugMeta.is_debug_build),
  });
  return Object.keys(data).length === 0 ? null : data;
}

function passThroughEntry(report: unknown): JsonObject | null {
  if (!isJsonObject(report)) return null;
  const data = pruneNulls(report);
  return Object.keys(data).length === 0 ? null : data;
}

interface InterfaceDef {
  /** The entry `type` (Sentry's `external_type`). */
  type: string;
  score: number;
  displayScore: number;
  build: (value: unknown) => JsonObject | null;
}

/** Event key → interface, with Sentry's `score` and `display_score` (or `score` when unset). */
const INTERFACES: Record<string, InterfaceDef> = {
  logentry: { type: 'message', score: 0, displayScore: 2050, build: messageEntry },
  exception: { type: 'exception', score: 2000, displayScore: 2000, build: exceptionEntry },
  stacktrace: {
    type: 'stacktrace',
    score: 1950,
    displayScore: 1950,
    build: (v) => serializeStacktrace(v),
  },
  threads: { type: 'threads', score: 1900, displayScore: 1900, build: threadsEntry },
  csp: { type: 'csp', score: 1300, displayScore: 1300, build: passThroughEntry },
  hpkp: { type: 'hpkp', score: 1300, displayScore: 1300, build: passThroughEntry },
  expectct: { type: 'expectct', score: 1300, displayScore: 1300, build: passThroughEntry },
  expectstaple: { type: 'expectstaple', score: 1300, displayScore: 1300, build: passThroughEntry },
  nel: { type: 'nel', score: 1300, displayScore: 1300, build: passThroughEntry },
  template: { type: 'template', score: 1100, displayScore: 1100, build: templateEntry },
  breadcrumbs: { type: 'breadcrumbs', score: 800, displayScore: 1100, build: breadcrumbsEntry },
  request: { type: 'request', score: 800, displayScore: 1000, build: requestEntry },
  debug_meta: { type: 'debugmeta', score: 0, displayScore: 0, build: debugMetaEntry },
};

/**
 * The event's `entries` in Sentry's order: by score, then display score, both descending,
 * ties in the event's key order. For the usual interfaces that is message, exception,
 * stacktrace, threads, security reports, template, breadcrumbs, request, debugmeta.
 * A legacy top-level `message` string stands in for a missing `logentry`.
 */
export function buildEntries(event: SentryEvent): EventEntry[] {
  const found: Array<{ def: InterfaceDef; data: JsonObject }> = [];
  for (const key of Object.keys(event)) {
    const source = key === 'message' && event.logentry === undefined ? 'logentry' : key;
    const def = INTERFACES[source];
    if (def === undefined) continue;
    const data = def.build(event[key]);
    if (data !== null) found.push({ def, data });
  }
  // Two stable sorts reproduce Sentry's: get_interfaces orders by score, get_entries re-sorts
  // that list by display score.
  found.sort((a, b) => b.def.score - a.def.score);
  found.sort((a, b) => b.def.displayScore - a.def.displayScore);
  return found.map(({ def, data }) => ({ type: def.type, data }));
}
