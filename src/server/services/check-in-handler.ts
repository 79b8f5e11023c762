/**
 * The cron check-in pipeline in the processing loop: an `ItemHandler` for `check_in` items
 * (reference/relay-protocol.md §14.1). `handle` runs `processCheckInItem` on the main thread
 * (a JSON parse and a few checks); `flush` then does, once per batch, what Sentry's monitor
 * consumer does per check-in (`src/sentry/monitors/consumers/monitor_consumer.py`):
 *
 * 1. find or upsert the batch's monitors in one metadata transaction (`upsertMonitors`); a
 *    check-in whose monitor does not exist and that brought no valid config is dropped with
 *    outcome `invalid` / `invalid_monitor`, one for a disabled monitor with `filtered` /
 *    `monitor_disabled`;
 * 2. resolve nil check-in ids to the latest open check-in (`CheckInIdResolver`, at most one
 *    ClickHouse read per batch);
 * 3. hand the rows to the `check_ins` sink (waiting while it is full) and record `accepted`.
 *
 * Outcomes are in data category `monitor`, each with the scoping of the envelope its check-in
 * came in (organization, project, key). A failed flush (metadata or ClickHouse down)
 * changes nothing and keeps the batch's check-ins for the retry.
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { Outcome, OutcomeScoping } from '../../protocol/outcome.js';
import { processCheckInItem, type ProcessedCheckIn } from '../../processing/items/check-ins/index.js';
import { type BatchSink, pushWhenRoom } from '../../storage/clickhouse/index.js';
import { checkInRow, encodeCheckInRow, type CheckInIdResolver } from '../../storage/clickhouse/check-ins.js';
import { upsertMonitors, type MetadataStore } from '../../storage/metadata/index.js';
import { outcomeScoping, type ItemHandler } from './envelope-processor.js';
import { OutcomeTally, type OutcomeRecorder } from './outcome-tally.js';
import { projectRetentionDays } from '../../processing/project-config/index.js';

/** Collaborators of {@link CheckInItemHandler}. */
export interface CheckInItemHandlerDeps {
  metadata: MetadataStore;
  /** Resolves nil check-in ids; keep one per process (it remembers open check-ins). */
  resolver: Pick<CheckInIdResolver, 'resolve'>;
  /** Sink of `check_ins` rows as JSON lines (`jsonLinesWriter(store, CHECK_INS_TABLE)`). */
  sink: Pick<BatchSink<string>, 'push'>;
  outcomes: OutcomeRecorder;
  /** Where dropped items are reported (debug level); optional. */
  logger?: Pick<Logger, 'debug'>;
  /** Days to keep the rows; default 90. */
  retentionDays?: number;
}

/** Handles `check_in` items; register it as `handlers.check_in`. */
export class CheckInItemHandler implements ItemHandler {
  /** The batch's valid check-ins with the scoping of their envelope, for their outcomes. */
  private pending: Array<{ checkIn: ProcessedCheckIn; scoping: OutcomeScoping; retentionDays?: number }> = [];

  constructor(private readonly deps: CheckInItemHandlerDeps) {}

  /** Processes one item: invalid ones become outcomes now, valid ones wait for `flush`. */
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    if (item.headers.type !== 'check_in') return;
    const result = processCheckInItem(item.payload, {
      projectId: accepted.projectId,
      receivedAt: accepted.meta.receivedAt,
      sentAt: accepted.envelope.headers.sent_at,
    });
    const scoping = outcomeScoping(accepted);
    if (result.kind === 'drop') {
      this.deps.logger?.debug({ reason: result.reason }, 'check-in dropped');
      this.deps.outcomes.record(monitorOutcome(result.outcome, result.reason, scoping));
      return;
    }
    this.pending.push({
      checkIn: result.value,
      scoping,
      retentionDays: projectRetentionDays(accepted.config, this.deps.retentionDays),
    });
  }

  /** Upserts monitors, resolves ids and stores the batch's check-ins (see the module comment). */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const checkIns = this.pending.map((p) => p.checkIn);
    const monitors = await upsertMonitors(
      this.deps.metadata,
      checkIns.map((c) => ({
        projectId: c.projectId,
        slug: c.monitorSlug,
        config: c.monitorConfig,
        owner: c.owner,
      })),
    );
    const kept: Array<{
      checkIn: ProcessedCheckIn;
      maxRuntimeMinutes: number | null;
      retentionDays?: number;
    }> = [];
    /** The batch's outcomes, recorded once its rows are stored. */
    const outcomes = new OutcomeTally();
    this.pending.forEach(({ checkIn, scoping, retentionDays }, i) => {
      const monitor = monitors[i];
      if (monitor === undefined) outcomes.record(monitorOutcome('invalid', 'invalid_monitor', scoping));
      else if (monitor.status === 'disabled')
        outcomes.record(monitorOutcome('filtered', 'monitor_disabled', scoping));
      else {
        kept.push({ checkIn, maxRuntimeMinutes: monitor.config.max_runtime, retentionDays });
        outcomes.record(monitorOutcome('accepted', null, scoping));
      }
    });
    const ids = await this.deps.resolver.resolve(
      kept.map(({ checkIn, maxRuntimeMinutes }) => ({ ...checkIn, maxRuntimeMinutes })),
    );
    const rows = kept.map(({ checkIn, retentionDays }, i) =>
      encodeCheckInRow(checkInRow(checkIn, ids[i]!, retentionDays)),
    );
    // push takes all rows or none, so nothing is stored twice.
    if (rows.length > 0) await pushWhenRoom(this.deps.sink, rows);
    this.pending = [];
    outcomes.drainTo(this.deps.outcomes);
  }
}

/** The outcome of one check-in (category `monitor`). */
function monitorOutcome(
  outcome: Outcome['outcome'],
  reason: string | null,
  scoping: OutcomeScoping,
): Outcome {
  return { outcome, reason, category: 'monitor', quantity: 1, scoping };
}
