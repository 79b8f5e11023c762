/**
 * The error-event pipeline for one `event` item (or a legacy store body):
 * validate → normalize → filter → scrub → [symbolicate → scrub again] → group → extract (quotas
 * are counted before, per envelope, in the processing loop); every step returns a StepResult, so
 * a bad event ends as an `invalid` outcome with Relay's reason instead of an exception
 * (reference/relay-protocol.md §7.2, §8, §9; reference/sentry-semantics.md §3, §9).
 */
import type { SentryEvent } from '../../../protocol/event.js';
import { parseJsonText, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import { findInvalidJson } from '../../../protocol/envelope.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import {
  EventMeta,
  normalizeEvent,
  parseEventId,
  trimStacktraces,
  type NormalizeContext,
} from '../../normalize/index.js';
import { scrubEvent, DEFAULT_DATA_SCRUBBING, type DataScrubbingSettings } from '../../pii/index.js';
import { computeGrouping, deriveTitleInfo } from '../../grouping/index.js';
import { shouldFilter, type FilterSettings } from '../../filters/index.js';
import { needsSymbolication } from '../../sourcemaps/symbolicate-event.js';
import { extractErrorRecord, type ErrorEventRecord } from './extract.js';

/** What the pipeline needs to know about the request and the project. */
export interface ErrorItemContext extends Omit<NormalizeContext, 'itemType'> {
  projectId: number;
  scrubbing?: DataScrubbingSettings;
  /** The project's inbound filters (§10), run after normalization; default none. */
  filterSettings?: FilterSettings;
  retentionDays?: number;
  /**
   * `replay_id` of the envelope's dynamic sampling context (header `trace`). SDKs never set the
   * replay context on events; Relay sets `contexts.replay = {replay_id}` from the DSC when there
   * is one (getsentry/relay#1983), which links the error to its session replay.
   */
  dscReplayId?: unknown;
}

/** A processed error event: the row to store and what issue resolution needs. */
export interface ProcessedErrorEvent {
  event: SentryEvent;
  /** Grouping hashes, app variant first (reference/sentry-semantics.md §3.2). */
  hashes: string[];
  /** The issue's initial title, culprit, level, type and metadata when this event creates it. */
  issue: {
    type: string;
    title: string;
    culprit: string;
    level: string;
    metadata: JsonObject;
    platform: string;
    logger?: string;
  };
  record: ErrorEventRecord;
}

/** A `\uD800`–`\uDFFF` escape somewhere in the text: the only way a lone surrogate gets in. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Parses the payload bytes as JSON; anything serde_json would reject is Relay's
 * `invalid_json`, including lone surrogate escapes, which JSON.parse accepts but no UTF-8
 * store can hold (an insert with one would fail for the whole batch). Shared with the other
 * event-shaped items (transactions).
 */
export function parseEventPayload(payload: Buffer): StepResult<unknown> {
  const text = payload.toString('utf8');
  let value: JsonValue;
  try {
    value = parseJsonText(text) as JsonValue;
  } catch {
    return drop('invalid', 'invalid_json');
  }
  if (findInvalidJson(value, SURROGATE_ESCAPE.test(text)) !== undefined)
    return drop('invalid', 'invalid_json');
  return ok(value);
}

/**
 * Runs the error pipeline over one item payload. Returns `drop('invalid', reason)` for
 * unparseable JSON or an event normalization rejects; never throws on bad input.
 */
export function processErrorItem(payload: Buffer, ctx: ErrorItemContext): StepResult<ProcessedErrorEvent> {
  const parsed = parseEventPayload(payload);
  if (parsed.kind === 'drop') return parsed;
  return processErrorPayload(parsed.value, ctx);
}

/** The pipeline from an already-parsed JSON value (the legacy store endpoint parses first), without symbolication. */
export function processErrorPayload(input: unknown, ctx: ErrorItemContext): StepResult<ProcessedErrorEvent> {
  const prepared = prepareErrorEvent(input, ctx);
  return prepared.kind === 'drop' ? prepared : ok(finishErrorEvent(prepared.value, ctx));
}

/**
 * Resolves an event's stack traces in place (JavaScript source maps, a `SymbolicationBatch` of
 * src/processing/sourcemaps/); resolves with whether it changed the event. Never rejects.
 */
export type SymbolicateStep = (event: JsonObject) => Promise<boolean>;

/**
 * {@link processErrorItem} with symbolication between scrubbing and grouping, in Sentry's order:
 * Relay normalizes, filters and scrubs (so a filtered event never costs a lookup), Sentry then
 * symbolicates (`sentry: tasks/symbolication.py`, `lang/javascript/processing.py`: Symbolicator's
 * resolved frames, source context and `raw_stacktrace`, all added after Relay's scrubbing) and,
 * when that changed the event, scrubs it a second time with the same project settings
 * (`tasks/store.py` `do_process_event`, "Second round of datascrubbing"; `relay/datascrubbing.py`
 * `scrub_data`: the advanced PII config, then the legacy settings). That round reaches what the
 * PII schema marks: the resolved `abs_path`, `filename` and `module` (pii "maybe": explicit
 * selectors only), not the source context lines (Relay's `Frame` gives them no pii mark).
 * Scrubbing an already scrubbed event changes nothing else. Then it is re-normalized (here: the
 * stack-trace limits) and grouped on the resolved frames.
 *
 * Answers synchronously unless the event needs symbolication (`needsSymbolication`: a
 * JavaScript event with frames and a release or debug ids), so other events are never held.
 */
export function processSymbolicatedErrorItem(
  payload: Buffer,
  ctx: ErrorItemContext,
  symbolicate: SymbolicateStep,
): StepResult<ProcessedErrorEvent> | Promise<StepResult<ProcessedErrorEvent>> {
  const parsed = parseEventPayload(payload);
  if (parsed.kind === 'drop') return parsed;
  const prepared = prepareErrorEvent(parsed.value, ctx);
  if (prepared.kind === 'drop') return prepared;
  const event = prepared.value;
  if (!needsSymbolication(event as JsonObject)) return ok(finishErrorEvent(event, ctx));
  return symbolicate(event as JsonObject).then((changed) => {
    if (!changed) return ok(finishErrorEvent(event, ctx));
    const scrubbed = scrubEvent(event, ctx.scrubbing ?? DEFAULT_DATA_SCRUBBING);
    const meta = new EventMeta(scrubbed as JsonObject);
    trimStacktraces(scrubbed as JsonObject, meta);
    meta.flushErrors();
    return ok(finishErrorEvent(scrubbed, ctx));
  });
}

/** Relay's part, up to the stored event: normalize → filter → scrub. */
function prepareErrorEvent(input: unknown, ctx: ErrorItemContext): StepResult<SentryEvent> {
  const scrubbing = ctx.scrubbing ?? DEFAULT_DATA_SCRUBBING;
  // Relay does not infer a client IP for projects that scrub IP addresses.
  const clientIp = scrubbing.scrubData && scrubbing.scrubIpAddresses ? undefined : ctx.clientIp;
  const normalized = normalizeEvent(input, { ...ctx, clientIp, itemType: 'event' });
  if (!normalized.ok) return drop('invalid', normalized.reason);
  const replayId = parseEventId(ctx.dscReplayId);
  if (replayId !== undefined)
    normalized.event.contexts = {
      ...normalized.event.contexts,
      replay: { replay_id: replayId, type: 'replay' },
    };
  if (ctx.filterSettings) {
    // Relay filters after normalization and before scrubbing; the client-IP filter reads the
    // request's address even when the project does not store it.
    const verdict = shouldFilter(normalized.event as JsonObject, ctx.filterSettings, {
      clientIp: ctx.clientIp,
    });
    if (verdict.filtered) return drop('filtered', verdict.statKey);
  }
  return ok(scrubEvent(normalized.event, scrubbing));
}

/** Sentry's part after processing: group → title, culprit, metadata → extract. */
function finishErrorEvent(event: SentryEvent, ctx: ErrorItemContext): ProcessedErrorEvent {
  const grouping = computeGrouping(event);
  // Title and culprit reuse the grouping result (exception-group main exception, fingerprint-rule titles).
  const info = deriveTitleInfo(event, { grouping });
  if (grouping.mainExceptionId !== undefined) event.main_exception_id = grouping.mainExceptionId;
  event.title = info.title;
  event.culprit = info.culprit;
  event.metadata = info.metadata;
  const record = extractErrorRecord({
    projectId: ctx.projectId,
    event,
    hashes: grouping.hashes,
    title: info.title,
    culprit: info.culprit,
    retentionDays: ctx.retentionDays,
  });
  return {
    event,
    hashes: grouping.hashes,
    issue: {
      type: info.type,
      title: info.title,
      culprit: info.culprit,
      level: event.level ?? 'error',
      metadata: info.metadata,
      platform: event.platform ?? 'other',
      logger: event.logger,
    },
    record,
  };
}
