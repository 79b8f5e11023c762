/**
 * The logs pipeline in the processing loop: an `ItemHandler` for `log` container items
 * (reference/relay-protocol.md §14.2). Each item runs through `processLogItem` on the main thread
 * (a JSON parse, validation, enrichment from the request, the project's inbound filters and
 * default scrubbing); the rows go to the `logs` sink in `flush`. Outcomes are in Relay's
 * categories `log_item` (entries) and `log_byte` (canonical bytes), per ./trace-item-handler.ts.
 */
import { processLogItem, type LogRecord } from '../../processing/items/logs/index.js';
import { encodeLogRow } from '../../storage/clickhouse/logs.js';
import {
  TraceItemHandler,
  traceItemRequestContext,
  type TraceItemHandlerDeps,
} from './trace-item-handler.js';
import { projectRetentionDays } from '../../processing/project-config/index.js';

/** Collaborators and settings of {@link LogItemHandler}. */
export interface LogItemHandlerDeps extends TraceItemHandlerDeps {
  /** Days to keep the rows; default 90. */
  retentionDays?: number;
  /** Largest canonical size of one log in bytes (`max_log_size`); default 2 MiB. */
  maxLogSize?: number;
}

/** Handles `log` items; register it as `handlers.log` (sink: `jsonLinesWriter(store, LOGS_TABLE)`). */
export class LogItemHandler extends TraceItemHandler<LogRecord> {
  constructor(deps: LogItemHandlerDeps) {
    super(
      {
        itemType: 'log',
        categories: { items: 'log_item', bytes: 'log_byte' },
        process: (accepted, item) =>
          processLogItem(item.payload, item.headers, {
            ...traceItemRequestContext(accepted),
            retentionDays: projectRetentionDays(accepted.config, deps.retentionDays),
            maxLogSize: deps.maxLogSize,
            scrubbing: accepted.config.scrubbing,
            filterSettings: accepted.config.filterSettings,
          }),
        encode: encodeLogRow,
      },
      deps,
    );
  }
}
