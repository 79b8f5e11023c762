/**
 * The unit of work the processing pool runs: one `event` item through the error
 * pipeline (with JavaScript symbolication between scrubbing and grouping), reduced to what the
 * main thread needs afterwards (the row, the grouping hashes and the issue's initial fields).
 * Plain data only, so it crosses a worker-thread boundary by structured clone.
 */
import { encodeEventRow, toDateTime64 } from '../../storage/clickhouse/index.js';
import {
  processErrorItem,
  processSymbolicatedErrorItem,
  type ErrorItemContext,
  type ProcessedErrorEvent,
} from '../../processing/items/errors/process.js';
import type { StepResult } from '../../processing/pipeline/result.js';
import type { SymbolicationBatch } from '../../processing/sourcemaps/index.js';
import type { OutcomeType } from '../../protocol/outcome.js';
import { projectConfigFromSource, projectRetentionDays } from '../../processing/project-config/index.js';

/** Input: the item payload bytes, the request context and the project's config. */
export interface ErrorWork {
  payload: Uint8Array;
  /** Request context; its `scrubbing` and `filterSettings` come from `config`. */
  ctx: Omit<ErrorItemContext, 'scrubbing' | 'filterSettings'>;
  /** The project's config as its canonical JSON text (`ProjectConfig.source`), parsed once per thread. */
  config: string;
}

/** Output: a processed event or the outcome that dropped it. */
export type ErrorWorkResult =
  | {
      kind: 'ok';
      /** The `events` row as JSON text without `group_id` (encodeEventRow). */
      line: string;
      projectId: number;
      /** Event time, unix milliseconds. */
      timestamp: number;
      eventId: string;
      /** Event type (error, default, ...). */
      type: string;
      hashes: string[];
      issue: ProcessedErrorEvent['issue'];
      release: string | undefined;
    }
  | { kind: 'drop'; outcome: Exclude<OutcomeType, 'accepted'>; reason: string };

/** The result of an event the pipeline could not process (it threw: a bug; or the threads kept failing). */
export const INTERNAL_DROP: ErrorWorkResult = Object.freeze({
  kind: 'drop',
  outcome: 'invalid',
  reason: 'internal',
});

/** The pipeline's input for a work item: the payload bytes and the full item context. */
function pipelineInput(work: ErrorWork): { payload: Buffer; ctx: ErrorItemContext } {
  const payload = Buffer.from(work.payload.buffer, work.payload.byteOffset, work.payload.byteLength);
  const config = projectConfigFromSource(work.config);
  return {
    payload,
    ctx: {
      ...work.ctx,
      scrubbing: config.scrubbing,
      filterSettings: config.filterSettings,
      retentionDays: projectRetentionDays(config, work.ctx.retentionDays),
    },
  };
}

/** Runs the error pipeline over one work item, without symbolication; never throws on bad input. */
export function runErrorWork(work: ErrorWork): ErrorWorkResult {
  const { payload, ctx } = pipelineInput(work);
  return workResult(processErrorItem(payload, ctx));
}

/** What {@link runErrorWorks} runs a batch with. */
export interface ErrorBatchEnv {
  /** The batch's JavaScript symbolication (lookups shared by its events); absent: none. */
  symbolication: SymbolicationBatch | undefined;
  /** Told of each pipeline exception (a bug), whose item is dropped as {@link INTERNAL_DROP}. */
  onBug(err: unknown): void;
}

/**
 * Runs the error pipeline, with symbolication, over a batch of work items; resolves with one
 * result per item, in order, and never rejects. The events that need symbolication wait for
 * their lookups together (one message per round when they go to the main thread); the others
 * are done at once.
 */
export async function runErrorWorks(
  works: readonly ErrorWork[],
  env: ErrorBatchEnv,
): Promise<ErrorWorkResult[]> {
  const fail = (err: unknown): ErrorWorkResult => {
    env.onBug(err);
    return INTERNAL_DROP;
  };
  const results = works.map((work): ErrorWorkResult | Promise<ErrorWorkResult> => {
    try {
      const { payload, ctx } = pipelineInput(work);
      const { symbolication } = env;
      const result =
        symbolication === undefined
          ? processErrorItem(payload, ctx)
          : processSymbolicatedErrorItem(payload, ctx, (event) =>
              symbolication.symbolicate(event, ctx.projectId),
            );
      return result instanceof Promise ? result.then(workResult).catch(fail) : workResult(result);
    } catch (err) {
      return fail(err);
    }
  });
  return Promise.all(results);
}

/** The work result of a processed event: its row serialized here, so the main thread only adds the issue id. */
function workResult(result: StepResult<ProcessedErrorEvent>): ErrorWorkResult {
  if (result.kind === 'drop') return result;
  const { record, hashes, issue, event } = result.value;
  const line = encodeEventRow({
    ...record,
    timestamp: toDateTime64(new Date(record.timestamp)),
    received: toDateTime64(new Date(record.received)),
  });
  return {
    kind: 'ok',
    line,
    projectId: record.project_id,
    timestamp: record.timestamp,
    eventId: record.event_id,
    type: record.type,
    hashes,
    issue,
    release: event.release,
  };
}
