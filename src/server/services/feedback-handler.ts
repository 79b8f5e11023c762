/**
 * The user-feedback pipeline in the processing loop: an `ItemHandler` for `feedback` and
 * `user_report` items (reference/relay-protocol.md §3.4, §14.5). `handle` runs the pure pipeline
 * of src/processing/items/feedback/ on the main thread (a JSON parse, event normalization and
 * scrubbing of one small event), invalid items become `invalid` outcomes at once, and `flush`
 * hands the batch's rows to the `feedback` sink and records them `accepted`. Outcomes are in data
 * category `feedback` (Relay's `user_report_v2`), as Sentry records them for both item types.
 *
 * Also builds the envelope through which the `POST .../user-feedback/` API submits a report
 * ({@link userReportEnvelope}), so API reports take the same path as SDK reports.
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { JsonObject } from '../../protocol/json.js';
import {
  processFeedbackItem,
  processUserReportItem,
  type ProcessedFeedback,
} from '../../processing/items/feedback/index.js';
import type { StepResult } from '../../processing/pipeline/result.js';
import { type BatchSink, pushWhenRoom } from '../../storage/clickhouse/index.js';
import { encodeFeedbackRow, feedbackRow } from '../../storage/clickhouse/feedback.js';
import { outcomeScoping, type ItemHandler } from './envelope-processor.js';
import { OutcomeTally, type OutcomeRecorder } from './outcome-tally.js';
import { projectRetentionDays, type ProjectConfig } from '../../processing/project-config/index.js';

/** Collaborators of {@link FeedbackItemHandler}. */
export interface FeedbackItemHandlerDeps {
  /** Sink of `feedback` rows as JSON lines (`jsonLinesWriter(store, FEEDBACK_TABLE)`). */
  sink: Pick<BatchSink<string>, 'push'>;
  outcomes: OutcomeRecorder;
  /** Where dropped items are reported (debug level); optional. */
  logger?: Pick<Logger, 'debug'>;
  /** Days to keep the rows; default 90. */
  retentionDays?: number;
}

/** Handles `feedback` and `user_report` items; register it as `handlers.feedback` and `handlers.user_report`. */
export class FeedbackItemHandler implements ItemHandler {
  private pending: string[] = [];
  /** The `accepted` outcomes of the buffered rows, per scoping; recorded once the sink took them. */
  private readonly accepted = new OutcomeTally();

  constructor(private readonly deps: FeedbackItemHandlerDeps) {}

  /** Processes one item: invalid ones become outcomes now, valid rows wait for `flush`. */
  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    const type = item.headers.type;
    let result: StepResult<ProcessedFeedback>;
    if (type === 'feedback') {
      const { meta, envelope } = accepted;
      result = processFeedbackItem(item.payload, {
        projectId: accepted.projectId,
        receivedAt: meta.receivedAt,
        sentAt: envelope.headers.sent_at,
        envelopeEventId: envelope.headers.event_id,
        clientIp: meta.clientIp,
        userAgent: meta.userAgent,
        clientHints: meta.clientHints,
        scrubbing: accepted.config.scrubbing,
      });
    } else if (type === 'user_report') {
      result = processUserReportItem(item.payload, {
        projectId: accepted.projectId,
        receivedAt: accepted.meta.receivedAt,
      });
    } else {
      return;
    }
    const scoping = outcomeScoping(accepted);
    if (result.kind === 'drop') {
      this.deps.logger?.debug({ itemType: type, reason: result.reason }, 'feedback dropped');
      this.deps.outcomes.record({
        outcome: result.outcome,
        reason: result.reason,
        category: 'feedback',
        quantity: 1,
        scoping,
      });
      return;
    }
    const retentionDays = projectRetentionDays(accepted.config, this.deps.retentionDays);
    this.pending.push(encodeFeedbackRow(feedbackRow(result.value, retentionDays)));
    this.accepted.record({ outcome: 'accepted', reason: null, category: 'feedback', quantity: 1, scoping });
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

/** What {@link userReportEnvelope} needs: the project, the request and the submitted report. */
export interface UserReportSubmission {
  projectId: number;
  organizationId: number;
  /** The DSN key the request authenticated with; 0 for an API token. */
  keyId: number;
  /** Its public key; `''` for an API token. */
  publicKey: string;
  /** The request body, `{event_id, name, email, comments}`. */
  report: JsonObject;
  /** When the request arrived, Unix seconds. */
  receivedAt: number;
  clientIp: string;
  userAgent?: string;
  /** The project's config (the key cache's), carried like an SDK envelope's. */
  config: ProjectConfig;
}

/**
 * The accepted envelope carrying one API-submitted report as a `user_report` item, ready for the
 * envelope queue; the processing loop then runs it through {@link FeedbackItemHandler} like a
 * report an SDK sent.
 */
export function userReportEnvelope(submission: UserReportSubmission): AcceptedEnvelope {
  const payload = Buffer.from(JSON.stringify(submission.report));
  return {
    envelope: {
      headers: {},
      items: [{ headers: { type: 'user_report', length: payload.length }, payload }],
    },
    projectId: submission.projectId,
    organizationId: submission.organizationId,
    keyId: submission.keyId,
    publicKey: submission.publicKey,
    meta: {
      receivedAt: submission.receivedAt,
      clientIp: submission.clientIp,
      ...(submission.userAgent !== undefined ? { userAgent: submission.userAgent } : {}),
    },
    sizeBytes: payload.length,
    config: submission.config,
  };
}
