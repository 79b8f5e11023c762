/**
 * Relay's OTLP logs endpoint: `POST /api/{project_id}/integration/otlp/v1/logs[/]` (OTLP/JSON or
 * protobuf `ExportLogsServiceRequest`) → one `log` container item
 * (src/processing/items/logs/otlp.ts), 202 `{}`. The request handling is ./otlp.ts.
 */
import { LOG_CONTAINER_CONTENT_TYPE, otlpLogsToEntries } from '../../processing/items/logs/index.js';
import { otlpRoutes } from './otlp.js';

/** The OTLP logs plugin: `app.register(otlpLogsRoutes, deps)`. */
export const otlpLogsRoutes = otlpRoutes({
  signal: 'logs',
  itemType: 'log',
  contentType: LOG_CONTAINER_CONTENT_TYPE,
  toEntries: otlpLogsToEntries,
});
