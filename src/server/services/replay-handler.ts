/**
 * The Session Replay pipeline in the processing loop: an `ItemHandler` for `replay_event`,
 * `replay_recording` and `replay_video` items (reference/relay-protocol.md §11). Relay processes
 * the replay items of an envelope together (an event pairs with its recording), so the first
 * replay item of an envelope runs the pure pipeline of src/processing/items/replays/ over all of
 * them and the envelope's other replay items are skipped. Dropped items (invalid, or a replay
 * event the project's inbound filters drop, with its recording) become outcomes at once, in
 * `prepare`, before the processor enforces quotas (Relay's order): the envelope's replay items
 * then count against quotas with the quantity left, carried by its first replay item. `commit`
 * buffers the rows, `flush` hands segment and click rows to the `replays` sink and recordings to
 * the `replay_recordings` sink, then records the accepted quantity. Outcomes are in data
 * category `replay`, counted per item as Relay counts them.
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import { SUSPICIOUS_SEGMENT_ID, processReplayItems } from '../../processing/items/replays/index.js';
import { type BatchSink, pushWhenRoom } from '../../storage/clickhouse/index.js';
import {
  encodeReplayClickRow,
  encodeReplayRecordingRow,
  encodeReplaySegmentRow,
} from '../../storage/clickhouse/replays.js';
import {
  handleByPreparing,
  outcomeScoping,
  type ItemHandler,
  type PreparedItem,
} from './envelope-processor.js';
import { OutcomeTally, type OutcomeRecorder } from './outcome-tally.js';
import { projectRetentionDays } from '../../processing/project-config/index.js';

/** The envelope item types this handler takes; register it under each. */
export const REPLAY_ITEM_TYPES = ['replay_event', 'replay_recording', 'replay_video'] as const;

/** Collaborators of {@link ReplayItemHandler}. */
export interface ReplayItemHandlerDeps {
  /** Sink of `replays` rows (segments and clicks) as JSON lines. */
  sink: Pick<BatchSink<string>, 'push'>;
  /** Sink of `replay_recordings` rows as JSON lines. */
  recordingSink: Pick<BatchSink<string>, 'push'>;
  outcomes: OutcomeRecorder;
  /** Where dropped items and suspicious segments are reported (debug level); optional. */
  logger?: Pick<Logger, 'debug'>;
  /** Days to keep the rows; default 90. */
  retentionDays?: number;
  /** `max_replay_uncompressed_size`, bytes; default 100 MiB. */
  maxUncompressedSize?: number;
}

/** Handles the replay items; register it under every type of {@link REPLAY_ITEM_TYPES}. */
export class ReplayItemHandler implements ItemHandler {
  private rows: string[] = [];
  private recordings: string[] = [];
  /** The `accepted` outcomes of the buffered rows, per scoping; recorded once the sinks took them. */
  private readonly accepted = new OutcomeTally();
  /**
   * Envelopes whose replay items were processed (by their first replay item), with whether
   * anything of them is left to store.
   */
  private readonly seen = new WeakMap<AcceptedEnvelope, boolean>();

  constructor(private readonly deps: ReplayItemHandlerDeps) {}

  /** Processes the replay items of `accepted` on its first replay item; later ones are no-ops. */
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    handleByPreparing(this, accepted, item);
  }

  /**
   * On the envelope's first replay item: runs the pipeline over all of its replay items, records
   * the outcomes of what it drops, and carries the quantity left for quotas (`replay`); the rows
   * wait for `commit`. The envelope's other replay items share that fate and count nothing.
   */
  prepare(accepted: AcceptedEnvelope, _item: EnvelopeItem): PreparedItem {
    const done = this.seen.get(accepted);
    if (done !== undefined) {
      return done ? { kept: true, quantities: [['replay', 0]], commit: () => undefined } : { kept: false };
    }
    const payloadsOf = (type: string): Uint8Array[] =>
      accepted.envelope.items.filter((i) => i.headers.type === type).map((i) => i.payload);
    const { meta, envelope } = accepted;
    const result = processReplayItems(
      {
        events: payloadsOf('replay_event'),
        recordings: payloadsOf('replay_recording'),
        videos: payloadsOf('replay_video'),
      },
      {
        projectId: accepted.projectId,
        receivedAt: meta.receivedAt,
        envelopeEventId: envelope.headers.event_id,
        clientIp: meta.clientIp,
        userAgent: meta.userAgent,
        clientHints: meta.clientHints,
        scrubbing: accepted.config.scrubbing,
        filterSettings: accepted.config.filterSettings,
        maxUncompressedSize: this.deps.maxUncompressedSize,
      },
    );
    const scoping = outcomeScoping(accepted);
    for (const dropped of result.dropped) {
      this.deps.logger?.debug({ reason: dropped.reason }, 'replay items dropped');
      this.deps.outcomes.record({ ...dropped, category: 'replay', scoping });
    }
    const kept = result.accepted > 0;
    this.seen.set(accepted, kept);
    if (!kept) return { kept: false };
    // Encoded now: the batch's rows wait for their quotas as compact lines, not object graphs.
    const retention = projectRetentionDays(accepted.config, this.deps.retentionDays);
    const rows: string[] = [];
    const recordings: string[] = [];
    for (const event of result.events) {
      if (event.segmentId > SUSPICIOUS_SEGMENT_ID)
        this.deps.logger?.debug({ segmentId: event.segmentId }, 'replay segment-exceeded-limit');
      rows.push(encodeReplaySegmentRow(event, retention));
    }
    for (const recording of result.recordings) {
      for (const click of recording.clicks)
        rows.push(encodeReplayClickRow({ ...recording, click }, retention));
      recordings.push(encodeReplayRecordingRow(recording, retention));
    }
    return {
      kept: true,
      quantities: [['replay', result.accepted]],
      commit: () => {
        for (const row of rows) this.rows.push(row);
        for (const recording of recordings) this.recordings.push(recording);
        this.accepted.record({
          outcome: 'accepted',
          reason: null,
          category: 'replay',
          quantity: result.accepted,
          scoping,
        });
      },
    };
  }

  /**
   * Hands the buffered rows to the sinks, waiting while one is full (back-pressure), then counts
   * them accepted. Each buffer is cleared once its sink took it, so a retried flush never stores
   * a row twice.
   */
  async flush(): Promise<void> {
    if (this.recordings.length > 0) {
      await pushWhenRoom(this.deps.recordingSink, this.recordings);
      this.recordings = [];
    }
    if (this.rows.length > 0) {
      await pushWhenRoom(this.deps.sink, this.rows);
      this.rows = [];
    }
    this.accepted.drainTo(this.deps.outcomes);
  }
}
