/**
 * The profiling pipeline in the processing loop: an `ItemHandler` for `profile` and
 * `profile_chunk` items (reference/relay-protocol.md §3.4, §14.5). `handle` validates with the
 * pure pipeline of src/processing/items/profiles/ (Relay's `relay-profiling` rules and reasons),
 * `flush` hands the rows to the `profiles` sink and records them `accepted`. Transaction profiles
 * count in `profile` and `profile_indexed`; chunks in `profile_chunk` or `profile_chunk_ui` by
 * platform. A transaction profile needs a `transaction` item in its envelope; whether that
 * transaction is stored is the transaction pipeline's business, not this one's.
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { DataCategory } from '../../protocol/data-category.js';
import {
  processProfileChunkItem,
  processProfileItem,
  profileChunkCategory,
  type ProcessedProfile,
} from '../../processing/items/profiles/index.js';
import type { StepResult } from '../../processing/pipeline/result.js';
import { type BatchSink, pushWhenRoom } from '../../storage/clickhouse/index.js';
import { encodeProfileRow } from '../../storage/clickhouse/profiles.js';
import { outcomeScoping, type ItemHandler } from './envelope-processor.js';
import { OutcomeTally, type OutcomeRecorder } from './outcome-tally.js';
import { projectRetentionDays } from '../../processing/project-config/index.js';

/** Collaborators of {@link ProfileItemHandler}. */
export interface ProfileItemHandlerDeps {
  /** Sink of profile rows as JSON lines (`jsonLinesWriter(store, PROFILES_TABLE)`). */
  sink: Pick<BatchSink<string>, 'push'>;
  outcomes: OutcomeRecorder;
  /** Where dropped items are reported (debug level); optional. */
  logger?: Pick<Logger, 'debug'>;
  /** Days to keep the rows; default 30. */
  retentionDays?: number;
}

/** The categories one profile item counts in. */
function categoriesOf(category: DataCategory): DataCategory[] {
  return category === 'profile' ? ['profile', 'profile_indexed'] : [category];
}

/** Handles `profile`, `profile_chunk` (and its alias `profile_chunk_ui`) items. */
export class ProfileItemHandler implements ItemHandler {
  private pending: string[] = [];
  /** The `accepted` outcomes of the buffered rows, per scoping; recorded once the sink took them. */
  private readonly accepted = new OutcomeTally();

  constructor(private readonly deps: ProfileItemHandlerDeps) {}

  /** Processes one item: invalid ones become outcomes now, valid rows wait for `flush`. */
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    const ctx = { projectId: accepted.projectId, receivedAt: accepted.meta.receivedAt };
    let result: StepResult<ProcessedProfile>;
    let category: DataCategory;
    if (item.headers.type === 'profile') {
      category = 'profile';
      const hasTransaction = accepted.envelope.items.some((i) => i.headers.type === 'transaction');
      result = processProfileItem(item.payload, { ...ctx, hasTransaction });
    } else {
      const platform = typeof item.headers.platform === 'string' ? item.headers.platform : undefined;
      category = profileChunkCategory(platform);
      result = processProfileChunkItem(item.payload, ctx);
    }
    const scoping = outcomeScoping(accepted);
    if (result.kind === 'drop') {
      this.deps.logger?.debug({ itemType: item.headers.type, reason: result.reason }, 'profile dropped');
      for (const c of categoriesOf(category)) {
        this.deps.outcomes.record({
          outcome: result.outcome,
          reason: result.reason,
          category: c,
          quantity: 1,
          scoping,
        });
      }
      return;
    }
    const retentionDays = projectRetentionDays(accepted.config, this.deps.retentionDays);
    this.pending.push(encodeProfileRow(result.value, retentionDays));
    for (const c of categoriesOf(result.value.category)) {
      this.accepted.record({ outcome: 'accepted', reason: null, category: c, quantity: 1, scoping });
    }
  }

  /** Hands the buffered rows to the sink, waiting while it is full (back-pressure), then counts them accepted. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    // push takes all rows or none, so a retried flush never stores a row twice.
    await pushWhenRoom(this.deps.sink, this.pending);
    this.pending = [];
    this.accepted.drainTo(this.deps.outcomes);
  }
}
