/**
 * Client reports in the processing loop: an `ItemHandler` for `client_report` items that turns
 * them into outcomes (src/processing/items/client-reports/, reference/relay-protocol.md §7.3).
 * Relay merges all client reports of one envelope before counting, so `handle` only collects
 * the payloads per envelope and `flush` computes and records the outcomes. Nothing is stored:
 * persisting outcomes is the outcome store's job (issue #4); each outcome carries its report
 * time and scoping so that store can take it as is.
 */
import type { AcceptedEnvelope } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import { clientReportOutcomes } from '../../processing/items/client-reports/index.js';
import { outcomeScoping, type ItemHandler } from './envelope-processor.js';
import type { OutcomeRecorder } from './outcome-tally.js';

/** Collaborators and settings of {@link ClientReportItemHandler}. */
export interface ClientReportHandlerDeps {
  outcomes: OutcomeRecorder;
  /** Event retention in days: older reports are ignored; default 90. */
  retentionDays?: number;
}

/** Handles `client_report` items; register it as `handlers.client_report`. */
export class ClientReportItemHandler implements ItemHandler {
  /** The client report payloads of each envelope of the current batch. */
  private pending = new Map<AcceptedEnvelope, Buffer[]>();

  constructor(private readonly deps: ClientReportHandlerDeps) {}

  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    const payloads = this.pending.get(accepted);
    if (payloads) payloads.push(item.payload);
    else this.pending.set(accepted, [item.payload]);
  }

  /** Records the outcomes of the collected reports; synchronous work, so it cannot half-fail. */
  flush(): Promise<void> {
    const pending = this.pending;
    this.pending = new Map();
    for (const [accepted, payloads] of pending) {
      const outcomes = clientReportOutcomes(payloads, {
        receivedAt: accepted.meta.receivedAt,
        sentAt: accepted.envelope.headers.sent_at,
        retentionDays: this.deps.retentionDays,
      });
      const scoping = outcomeScoping(accepted);
      for (const outcome of outcomes) this.deps.outcomes.record({ ...outcome, scoping });
    }
    return Promise.resolve();
  }
}
