/**
 * Title, culprit and metadata of an event, as Sentry derives them for issues.
 *
 * Follows `sentry: src/sentry/eventtypes/base.py` (`DefaultEvent`: first line of the message),
 * `src/sentry/eventtypes/error.py` (`ErrorEvent`: `"<type>: <value>"`, crash location, main
 * exception), `src/sentry/eventtypes/security.py` (CSP / HPKP / Expect-* reports) and
 * `src/sentry/culprit.py` (`generate_culprit`, used when there is neither a culprit nor a
 * transaction). Frames are read after the stack trace rules, like Sentry does.
 */
import type { SentryEvent } from '../../protocol/event.js';
import { asNumber, asObject, asString, type JsonObject } from '../../protocol/json.js';
import { enhancementsForText } from './enhancements.js';
import { rawExceptions, readWorkEvent, type WorkEvent, type WorkFrame } from './event-data.js';
import { crashFrame } from './fingerprinting.js';
import { functionNameForFrame } from './functions.js';
import { pySplitLines, pyStrip } from './py-regex.js';
import { normalizeCspUri } from './strategies.js';
import { normalizeStacktracesForGrouping } from './normalize-stacktraces.js';
import { computeGrouping, normalizedWorkOf, type GroupingResult } from './variants.js';

/** Event types that get a title of their own (Relay's inferred `type`). */
export type TitledEventType = 'error' | 'default' | 'csp' | 'hpkp' | 'expectct' | 'expectstaple';

/** What an issue shows for an event. */
export interface EventTitleInfo {
  /** Issue title, e.g. `TypeError: x is undefined` or the first message line (≤ 256 chars). */
  title: string;
  /** Where it happened: the client's culprit, else the transaction, else the crash frame (≤ 200 chars). */
  culprit: string;
  /**
   * Sentry's event metadata: errors `{type, value, filename, function, in_app_frame_mix}`,
   * default events `{title}`, CSP `{directive, uri, message}`, HPKP/Expect-* `{origin, message}`.
   */
  metadata: JsonObject;
  /** The event type the title was derived for. */
  type: TitledEventType;
}

/** Options of {@link deriveTitleInfo}. */
export interface TitleOptions {
  /**
   * The event's grouping result, for the main exception of exception groups and a fingerprint
   * rule's custom title. Computed (without project rules) when omitted. When it comes from
   * `computeGrouping` on this same, since unmodified event object with the same
   * `stackTraceRules`, its normalised stack traces are reused instead of normalising again.
   */
  grouping?: GroupingResult;
  /** Project stack trace rules (as given to `computeGrouping`), which decide the in-app crash frame. */
  stackTraceRules?: string;
}

const MAX_CULPRIT_LENGTH = 200;

/** Relay's message stems for certificate reports (used when the event carries no message). */
const REPORT_FAILURE = {
  hpkp: 'Public key pinning validation failed',
  expectct: 'Expect-CT failed',
  expectstaple: 'Expect-Staple failed',
} as const;

/** Sentry's `truncatechars`: cut to `max` characters, the last three being `...`. */
function truncateChars(value: string, max: number): string {
  // Characters are code points; a string of at most `max` UTF-16 units has no more than that.
  if (value.length <= max) return value;
  const chars = [...value];
  return chars.length > max ? `${chars.slice(0, max - 3).join('')}...` : value;
}

function firstLine(text: string): string {
  return pySplitLines(text)[0] ?? '';
}

function eventType(event: SentryEvent): TitledEventType {
  const declared = event.type;
  if (
    declared === 'error' ||
    declared === 'default' ||
    declared === 'csp' ||
    declared === 'hpkp' ||
    declared === 'expectct' ||
    declared === 'expectstaple'
  ) {
    return declared;
  }
  if (rawExceptions(event).length > 0) return 'error';
  for (const t of ['csp', 'hpkp', 'expectct', 'expectstaple'] as const) if (asObject(event[t])) return t;
  return 'default';
}

function frameCulprit(frame: WorkFrame, platform: string | undefined): string {
  const p = frame.platform ?? platform;
  if (p === 'objc' || p === 'cocoa' || p === 'native') return frame.function || '?';
  const fileloc = frame.module || frame.filename;
  if (!fileloc) return '';
  if (p === 'javascript' || p === 'node') return `${frame.function || '?'}(${fileloc})`;
  return `${fileloc} in ${frame.function || '?'}`;
}

/** Sentry's `generate_culprit`: the in-app crash frame of the last stack trace, else the request URL. */
function generateCulprit(event: SentryEvent, work: WorkEvent): string {
  const exceptions = work.exceptions ?? [];
  let frames: WorkFrame[] | undefined;
  if (exceptions.length > 0) {
    const last = rawExceptions(event)[rawExceptions(event).length - 1];
    if (asObject(last?.['mechanism'])?.['synthetic'] === true) return '';
    frames = [...exceptions].reverse().find((e) => e.stacktrace)?.stacktrace?.frames;
  } else {
    frames = work.stacktrace?.frames;
  }
  let culprit = '';
  if (frames !== undefined) {
    let fallback: string | undefined;
    for (const frame of [...frames].reverse()) {
      if (frame.in_app) {
        const c = frameCulprit(frame, work.platform);
        if (c) {
          culprit = c;
          fallback = undefined;
          break;
        }
      } else if (fallback === undefined) {
        fallback = frameCulprit(frame, work.platform);
      }
    }
    culprit ||= fallback ?? '';
  }
  return culprit || (asString(asObject(event.request)?.['url']) ?? '');
}

function mainException(event: SentryEvent, mainExceptionId: number | undefined): JsonObject | undefined {
  const exceptions = rawExceptions(event);
  if (mainExceptionId) {
    const found = exceptions.find(
      (e) => asNumber(asObject(e['mechanism'])?.['exception_id']) === mainExceptionId,
    );
    if (found) return found;
  }
  return exceptions[exceptions.length - 1];
}

function errorMetadata(event: SentryEvent, work: WorkEvent, grouping: GroupingResult): JsonObject {
  const mainExceptionId = grouping.mainExceptionId ?? asNumber(event['main_exception_id']);
  const exception = mainException(event, mainExceptionId);
  if (exception === undefined) return {};
  const metadata: JsonObject = { value: truncateChars(asString(exception['value']) ?? '', 1024) };
  if (asObject(exception['mechanism'])?.['synthetic'] !== true) {
    metadata['type'] = truncateChars(asString(exception['type']) ?? 'Error', 128);
  }
  const frame = crashFrame(
    work,
    (f) => f.function !== undefined && f.function !== '<redacted>' && f.function !== '<unknown>',
  );
  if (frame !== undefined) {
    const filename = frame.filename || frame.abs_path;
    const func = functionNameForFrame(frame, work.platform);
    if (filename) metadata['filename'] = filename;
    if (func) metadata['function'] = func;
  }
  if (grouping.inAppFrameMix !== undefined) metadata['in_app_frame_mix'] = grouping.inAppFrameMix;
  return metadata;
}

function errorTitle(metadata: JsonObject): string {
  let title = asString(metadata['type']);
  const value = asString(metadata['value']);
  if (title !== undefined && value) title += `: ${truncateChars(firstLine(value), 256)}`;
  return title || asString(metadata['function']) || '<unknown>';
}

function cspMessage(csp: JsonObject): string {
  const directive = asString(csp['effective_directive']) ?? '';
  const uri = normalizeCspUri(asString(csp['blocked_uri']) ?? '');
  return `Blocked '${directive.replace(/-src$/u, '')}' from '${uri}'`;
}

function normalizedWork(event: SentryEvent, rules: string | undefined): WorkEvent {
  const work = readWorkEvent(event);
  normalizeStacktracesForGrouping(work, enhancementsForText(rules));
  return work;
}

/**
 * Derives the issue title, culprit and metadata of a normalised event, as Sentry's event types
 * do. Pure; never throws. Pass `options.grouping` (from {@link computeGrouping}) to reuse its
 * exception-group choice and any fingerprint-rule title instead of recomputing them.
 */
export function deriveTitleInfo(event: SentryEvent, options: TitleOptions = {}): EventTitleInfo {
  const rules = options.stackTraceRules;
  const grouping =
    options.grouping ?? computeGrouping(event, rules === undefined ? {} : { stackTraceRules: rules });
  const work = normalizedWorkOf(grouping, event, rules) ?? normalizedWork(event, rules);
  const type = eventType(event);
  const culprit = event.culprit || event.transaction || '';
  const message = pyStrip(work.logentry?.formatted || work.logentry?.message || '');

  let metadata: JsonObject;
  let title: string;
  if (type === 'error') {
    metadata = errorMetadata(event, work, grouping);
    title = errorTitle(metadata);
  } else if (type === 'csp' && asObject(event.csp)) {
    const csp = asObject(event.csp) as JsonObject;
    const text = message || cspMessage(csp);
    metadata = {
      directive: asString(csp['effective_directive']) ?? null,
      uri: normalizeCspUri(asString(csp['blocked_uri']) ?? ''),
      message: text,
    };
    title = text;
  } else if (type === 'hpkp' || type === 'expectct' || type === 'expectstaple') {
    const report = asObject(event[type]) ?? {};
    const hostname = asString(report['hostname']) ?? '';
    const port = asNumber(report['port']);
    const text = message || `${REPORT_FAILURE[type]} for '${hostname}'`;
    metadata = { origin: port === undefined ? hostname : `${hostname}:${port}`, message: text };
    title = text;
  } else {
    title = message ? truncateChars(firstLine(message), 256) : '<unlabeled event>';
    metadata = { title };
  }
  if (grouping.title !== undefined) {
    metadata['title'] = grouping.title;
    title = grouping.title;
  }
  return {
    title: title || '<untitled>',
    culprit: truncateChars(culprit || generateCulprit(event, work), MAX_CULPRIT_LENGTH),
    metadata,
    type,
  };
}
