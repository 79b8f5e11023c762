/**
 * Relay's OTLP traces endpoint: `POST /api/{project_id}/integration/otlp/v1/traces[/]` (OTLP/JSON
 * or protobuf `ExportTraceServiceRequest`) → one span v2 container item
 * (src/processing/items/spans/otlp.ts), 202 `{}`. The request handling is ./otlp.ts.
 */
import { SPAN_V2_CONTENT_TYPE, otlpTracesToEntries } from '../../processing/items/spans/index.js';
import { otlpRoutes } from './otlp.js';

/** The OTLP traces plugin: `app.register(otlpTracesRoutes, deps)`. */
export const otlpTracesRoutes = otlpRoutes({
  signal: 'traces',
  itemType: 'span',
  contentType: SPAN_V2_CONTENT_TYPE,
  toEntries: otlpTracesToEntries,
});
