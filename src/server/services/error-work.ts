/**
 * The unit of work the processing pool runs: one `event` item through the error
 * pipeline, reduced to what the main thread needs afterwards (the row, the grouping
 * hashes and the issue's initial fields). Plain data only, so it crosses a
 * worker-thread boundary by structured clone.
 */
import { encodeEventRow, toDateTime64 } from '../../storage/clickhouse/index.js';
import {
  processErrorItem,
  type ErrorItemContext,
  type ProcessedErrorEvent,
} from '../../processing/items/errors/process.js';
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

/** Runs the error pipeline over one work item; never throws on bad input. */
export function runErrorWork(work: ErrorWork): ErrorWorkResult {
  const payload = Buffer.from(work.payload.buffer, work.payload.byteOffset, work.payload.byteLength);
  const config = projectConfigFromSource(work.config);
  const result = processErrorItem(payload, {
    ...work.ctx,
    scrubbing: config.scrubbing,
    filterSettings: config.filterSettings,
    retentionDays: projectRetentionDays(config, work.ctx.retentionDays),
  });
  if (result.kind === 'drop') return result;
  const { record, hashes, issue, event } = result.value;
  // Serialized here, on the worker thread, so the main thread only adds the issue id.
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
