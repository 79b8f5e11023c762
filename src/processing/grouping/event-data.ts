/**
 * The grouping code's working copy of an event: the interfaces Sentry's grouping reads
 * (exceptions, stack traces, threads, log entry, template, security reports), read from the
 * JSON event with type checks and copied so that normalisation for grouping (in-app rules,
 * function trimming) never mutates the caller's event.
 *
 * Accepts the shapes Relay accepts before normalising (`exception` as a list or a single object,
 * `message` as a string) so raw test events can be grouped as they are. Frames without content
 * and exceptions that are `null` are dropped, as Sentry's interfaces do.
 */
import type { SentryEvent } from '../../protocol/event.js';
import { asArray, asNumber, asObject, asString, isJsonObject, type JsonObject } from '../../protocol/json.js';
import type { FrameMemo } from './frame-memo.js';
import type { StacktraceMemo } from './stacktrace-memo.js';

/** One stack frame as grouping sees it (mutable during normalisation for grouping). */
export interface WorkFrame {
  function?: string | undefined;
  raw_function?: string | undefined;
  module?: string | undefined;
  filename?: string | undefined;
  abs_path?: string | undefined;
  package?: string | undefined;
  platform?: string | undefined;
  context_line?: string | undefined;
  lineno?: number | undefined;
  colno?: number | undefined;
  /** The in-app flag; after normalisation always a boolean. */
  in_app?: boolean | undefined;
  /** The SDK's in-app flag, before any stack trace rule. */
  client_in_app?: boolean | undefined;
  /** Text of the stack trace rule that last set `in_app`, if any. */
  in_app_rule?: string | undefined;
  /** Category set by stack trace rules (`category=...`). */
  category?: string | undefined;
  /** True when a source map was applied to the frame (`data.sourcemap` present). */
  sourcemap_used: boolean;
  /** What grouping derived from the frame's content, set on first use (see `frameMemo`). */
  memo?: FrameMemo | undefined;
}

/** A stack trace with at least one frame. */
export interface WorkStacktrace {
  frames: WorkFrame[];
  /** What grouping derived from the whole stack trace, set by normalisation (see `stacktrace-memo`). */
  memo?: StacktraceMemo | undefined;
}

/** Exception mechanism fields used by grouping. */
export interface WorkMechanism {
  type?: string | undefined;
  source?: string | undefined;
  synthetic: boolean;
  exception_id?: number | undefined;
  parent_id?: number | undefined;
  is_exception_group: boolean;
  ns_error?: { domain?: string | number | undefined; code?: string | number | undefined } | undefined;
}

/** One exception of the chain. */
export interface WorkException {
  type?: string | undefined;
  value?: string | undefined;
  module?: string | undefined;
  mechanism?: WorkMechanism | undefined;
  stacktrace?: WorkStacktrace | undefined;
}

/** One thread of the `threads` interface. */
export interface WorkThread {
  crashed: boolean;
  current: boolean;
  stacktrace?: WorkStacktrace | undefined;
}

/** The log entry (`logentry`) interface. */
export interface WorkLogEntry {
  message?: string | undefined;
  formatted?: string | undefined;
}

/** The event as grouping sees it; `undefined` means the interface is absent. */
export interface WorkEvent {
  platform?: string | undefined;
  exceptions?: WorkException[] | undefined;
  stacktrace?: WorkStacktrace | undefined;
  threads?: WorkThread[] | undefined;
  logentry?: WorkLogEntry | undefined;
  template?: { filename?: string | undefined; context_line?: string | undefined } | undefined;
  csp?: JsonObject | undefined;
  hpkp?: JsonObject | undefined;
  expectct?: JsonObject | undefined;
  expectstaple?: JsonObject | undefined;
  /** The SDK version (`sdk.version`), used by an exception-group compatibility shim. */
  sdkVersion?: string | undefined;
}

function readFrame(raw: JsonObject): WorkFrame {
  const data = asObject(raw['data']);
  const inApp = raw['in_app'];
  return {
    function: asString(raw['function']),
    raw_function: asString(raw['raw_function']),
    module: asString(raw['module']),
    filename: asString(raw['filename']),
    abs_path: asString(raw['abs_path']),
    package: asString(raw['package']),
    platform: asString(raw['platform']),
    context_line: asString(raw['context_line']),
    lineno: asNumber(raw['lineno']),
    colno: asNumber(raw['colno']),
    in_app: typeof inApp === 'boolean' ? inApp : undefined,
    sourcemap_used: data !== undefined && data['sourcemap'] !== undefined && data['sourcemap'] !== null,
    // Declared up front so every frame object keeps one shape.
    memo: undefined,
  };
}

/** Reads `{frames: [...]}`; `undefined` when there is no non-empty frame list. */
export function readStacktrace(raw: unknown): WorkStacktrace | undefined {
  const list = asArray(asObject(raw)?.['frames']);
  if (list === undefined) return undefined;
  const frames: WorkFrame[] = [];
  for (const item of list) if (isJsonObject(item)) frames.push(readFrame(item));
  return frames.length > 0 ? { frames, memo: undefined } : undefined;
}

function readMechanism(raw: unknown): WorkMechanism | undefined {
  const m = asObject(raw);
  if (m === undefined) return undefined;
  const nsError = asObject(asObject(m['meta'])?.['ns_error']);
  const idOf = (value: unknown): number | undefined => {
    const n = asNumber(value);
    return n !== undefined && Number.isInteger(n) ? n : undefined;
  };
  const scalar = (value: unknown): string | number | undefined =>
    typeof value === 'string' || typeof value === 'number' ? value : undefined;
  return {
    type: asString(m['type']),
    source: asString(m['source']),
    synthetic: m['synthetic'] === true,
    exception_id: idOf(m['exception_id']),
    parent_id: idOf(m['parent_id']),
    is_exception_group: m['is_exception_group'] === true,
    ns_error:
      nsError === undefined
        ? undefined
        : { domain: scalar(nsError['domain']), code: scalar(nsError['code']) },
  };
}

function readException(raw: JsonObject): WorkException {
  return {
    type: asString(raw['type']),
    value: asString(raw['value']),
    module: asString(raw['module']),
    mechanism: readMechanism(raw['mechanism']),
    stacktrace: readStacktrace(raw['stacktrace']),
  };
}

/** `exception` may be `{values: [...]}`, a bare list, or a single exception object. */
function exceptionValues(raw: unknown): JsonObject[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const list = asArray(raw) ?? asArray(asObject(raw)?.['values']);
  if (list !== undefined) return list.filter(isJsonObject);
  const single = asObject(raw);
  if (single !== undefined && ('type' in single || 'value' in single || 'stacktrace' in single))
    return [single];
  return undefined;
}

/** The raw exception objects of an event (oldest cause first), as the event carries them. */
export function rawExceptions(event: SentryEvent): JsonObject[] {
  return exceptionValues(event.exception) ?? [];
}

/** The log entry: `logentry`, or the legacy `message` field (string or object). */
export function readLogEntry(event: SentryEvent): WorkLogEntry | undefined {
  const source = asObject(event.logentry) ?? asObject(event.message);
  if (source !== undefined) {
    const message = asString(source['message']);
    const formatted = asString(source['formatted']);
    return message === undefined && formatted === undefined ? undefined : { message, formatted };
  }
  const text = asString(event.message);
  return text === undefined ? undefined : { formatted: text };
}

/** Builds the working copy of `event` (deep-copies everything grouping may change). */
export function readWorkEvent(event: SentryEvent): WorkEvent {
  const threadsRaw = asArray(event.threads) ?? asArray(asObject(event.threads)?.['values']);
  const template = asObject(event['template']);
  return {
    platform: asString(event.platform),
    exceptions: exceptionValues(event.exception)?.map(readException),
    stacktrace: readStacktrace(event.stacktrace),
    threads: threadsRaw?.filter(isJsonObject).map((t) => ({
      crashed: t['crashed'] === true,
      current: t['current'] === true,
      stacktrace: readStacktrace(t['stacktrace']),
    })),
    logentry: readLogEntry(event),
    template:
      template === undefined
        ? undefined
        : { filename: asString(template['filename']), context_line: asString(template['context_line']) },
    csp: asObject(event['csp']),
    hpkp: asObject(event['hpkp']),
    expectct: asObject(event['expectct']),
    expectstaple: asObject(event['expectstaple']),
    sdkVersion: asString(asObject(event.sdk)?.['version']),
  };
}

/** Every stack trace of the event with its exception (if it belongs to one), in Sentry's order. */
export function allStacktraces(work: WorkEvent): { stacktrace: WorkStacktrace; exception?: WorkException }[] {
  const out: { stacktrace: WorkStacktrace; exception?: WorkException }[] = [];
  for (const exception of work.exceptions ?? []) {
    if (exception.stacktrace) out.push({ stacktrace: exception.stacktrace, exception });
  }
  if (work.stacktrace) out.push({ stacktrace: work.stacktrace });
  for (const thread of work.threads ?? []) if (thread.stacktrace) out.push({ stacktrace: thread.stacktrace });
  return out;
}
