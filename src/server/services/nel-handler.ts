/**
 * Network Error Logging in the processing loop: an `ItemHandler` for `nel` items (made by the
 * security and NEL endpoints from Reporting API bodies, reference/relay-protocol.md §1.4). Each
 * item's reports are converted into one `log` container (src/processing/items/nel/) and handed to
 * the logs handler, so NEL reports are stored, scrubbed and counted exactly like SDK logs, as in
 * newest Relay. Reports that cannot become a log are `invalid` / `invalid_json` in `log_item`.
 */
import type { AcceptedEnvelope } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { Outcome } from '../../protocol/outcome.js';
import { nelPayloadToEntries } from '../../processing/items/nel/index.js';
import { LOG_CONTAINER_CONTENT_TYPE, logContainerPayload } from '../../processing/items/logs/index.js';
import { outcomeScoping, type ItemHandler } from './envelope-processor.js';

/** Collaborators of {@link NelItemHandler}. */
export interface NelItemHandlerDeps {
  /** The `log` item handler the converted reports go to. */
  logs: ItemHandler;
  outcomes: { record(outcome: Outcome): void };
}

/** Handles `nel` items; register it as `handlers.nel`. */
export class NelItemHandler implements ItemHandler {
  /** The logs handler stores what this one handles; the processor flushes it instead. */
  readonly delegate: ItemHandler;

  constructor(private readonly deps: NelItemHandlerDeps) {
    this.delegate = deps.logs;
  }

  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    const { entries, invalid } = nelPayloadToEntries(item.payload, accepted.meta.receivedAt);
    if (invalid > 0) {
      this.deps.outcomes.record({
        outcome: 'invalid',
        reason: 'invalid_json',
        category: 'log_item',
        quantity: invalid,
        scoping: outcomeScoping(accepted),
      });
    }
    if (entries.length === 0) return;
    this.deps.logs.handle(accepted, {
      headers: { type: 'log', content_type: LOG_CONTAINER_CONTENT_TYPE, item_count: entries.length },
      payload: logContainerPayload(entries),
    });
  }

  /** Hands the converted logs to the logs sink (the logs handler's flush is retry-safe). */
  flush(): Promise<void> {
    return this.deps.logs.flush();
  }
}
