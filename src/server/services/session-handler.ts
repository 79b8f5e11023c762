/**
 * The release-health pipeline in the processing loop: an `ItemHandler` for `session` and
 * `sessions` items (reference/relay-protocol.md §13). Each item goes through
 * `processSessionItem` on the main thread (it is cheap: a JSON parse, the project's inbound
 * filters and a few checks) in `prepare`, before the processor enforces quotas (Relay's order:
 * a filtered session never counts against a session quota); `commit` buffers its rows as JSON
 * lines, and `flush` hands the batch's rows to the `sessions` sink. Sessions never produce
 * outcomes (§13.3): dropped and filtered items are only logged at debug level.
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import { processSessionItem } from '../../processing/items/sessions/index.js';
import { type BatchSink, pushWhenRoom } from '../../storage/clickhouse/index.js';
import { encodeSessionRow } from '../../storage/clickhouse/sessions.js';
import { handleByPreparing, type ItemHandler, type PreparedItem } from './envelope-processor.js';
import { projectRetentionDays } from '../../processing/project-config/index.js';

/** Collaborators of {@link SessionItemHandler}. */
export interface SessionItemHandlerDeps {
  /** Sink of `sessions` rows as JSON lines (`jsonLinesWriter(store, 'sessions')`). */
  sink: Pick<BatchSink<string>, 'push'>;
  /** Where dropped items are reported (debug level); optional. */
  logger?: Pick<Logger, 'debug'>;
  /** Days to keep the rows; default 90. */
  retentionDays?: number;
}

/** Handles `session` and `sessions` items; register it under both item types. */
export class SessionItemHandler implements ItemHandler {
  private pending: string[] = [];

  constructor(private readonly deps: SessionItemHandlerDeps) {}

  /** Processes one item and buffers its rows; other item types are ignored. */
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    handleByPreparing(this, accepted, item);
  }

  /** Runs the pipeline over one item; its rows wait for `commit`. Other item types are dropped. */
  prepare(accepted: AcceptedEnvelope, item: EnvelopeItem): PreparedItem {
    const type = item.headers.type;
    if (type !== 'session' && type !== 'sessions') return { kept: false };
    const result = processSessionItem(item.payload, type, {
      projectId: accepted.projectId,
      receivedAt: accepted.meta.receivedAt,
      sentAt: accepted.envelope.headers.sent_at,
      clientIp: accepted.meta.clientIp,
      client: accepted.meta.client,
      retentionDays: projectRetentionDays(accepted.config, this.deps.retentionDays),
      filterSettings: accepted.config.filterSettings,
    });
    if (result.kind === 'drop') {
      const { outcome, reason } = result;
      this.deps.logger?.debug({ itemType: type, outcome, reason }, 'session item dropped');
      return { kept: false };
    }
    // Encoded now: the batch's rows wait for their quotas as compact lines, not object graphs.
    const lines = result.value.map((row) => encodeSessionRow(row));
    return {
      kept: true,
      commit: () => {
        for (const line of lines) this.pending.push(line);
      },
    };
  }

  /** Hands the buffered rows to the sink, waiting while it is full (back-pressure). */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    // push takes all rows or none, so a retried flush never stores a row twice.
    await pushWhenRoom(this.deps.sink, this.pending);
    this.pending = [];
  }
}
