/**
 * `statsd` and `metric_buckets` items in the processing loop: accepted by the edge like Relay
 * does, counted and discarded with the outcome a processing Relay records for SDK-sent metric
 * buckets (`filtered` / `disabled-namespace`, category `metric_bucket`; see
 * src/processing/items/metrics/). Nothing is stored.
 */
import type { AcceptedEnvelope } from '../ingest/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { Outcome } from '../../protocol/outcome.js';
import { metricItemOutcome } from '../../processing/items/metrics/index.js';
import { outcomeScoping, type ItemHandler } from './envelope-processor.js';

/** Handles `statsd` and `metric_buckets` items; register it under both item types. */
export class MetricItemHandler implements ItemHandler {
  constructor(private readonly deps: { outcomes: { record(outcome: Outcome): void } }) {}

  handle(accepted: AcceptedEnvelope, item: EnvelopeItem): void {
    const type = item.headers.type === 'statsd' ? 'statsd' : 'metric_buckets';
    const outcome = metricItemOutcome(type, item.payload);
    if (outcome === undefined) return;
    this.deps.outcomes.record({
      ...outcome,
      scoping: outcomeScoping(accepted),
    });
  }

  /** Nothing is buffered. */
  flush(): Promise<void> {
    return Promise.resolve();
  }
}
