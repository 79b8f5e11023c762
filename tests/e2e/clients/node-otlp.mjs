// An OpenTelemetry-instrumented Node app (no Sentry SDK), run by the e2e traces test as a child
// process: `node node-otlp.mjs <json|proto>` with VIGIL_URL, SENTRY_KEY and PROJECT_ID set. It
// exports one trace through the official OTLP/HTTP exporter — @opentelemetry/exporter-trace-otlp-http
// (OTLP/JSON) or @opentelemetry/exporter-trace-otlp-proto (protobuf) with sdk-trace-base — to
// Vigil's `/api/{project}/integration/otlp/v1/traces`, authenticated with the DSN key in
// `X-Sentry-Auth`. With `proto` it also exports one log record inside the trace through
// @opentelemetry/exporter-logs-otlp-proto. Prints the trace and span ids as JSON.
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';

const encoding = process.argv[2] ?? 'json';
const base = `${process.env.VIGIL_URL}/api/${process.env.PROJECT_ID}/integration/otlp/v1`;
const headers = { 'X-Sentry-Auth': `Sentry sentry_key=${process.env.SENTRY_KEY}, sentry_version=7` };
const resource = resourceFromAttributes({ 'service.name': `otlp-shop-${encoding}` });

const Exporter = encoding === 'proto' ? ProtoTraceExporter : JsonTraceExporter;
const provider = new BasicTracerProvider({
  resource,
  spanProcessors: [new BatchSpanProcessor(new Exporter({ url: `${base}/traces`, headers }))],
});
const tracer = provider.getTracer('otlp-shop', '3.1.0');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ids = {};

const root = tracer.startSpan(`GET /orders (${encoding})`, {
  kind: SpanKind.SERVER,
  attributes: { 'http.request.method': 'GET', 'url.path': '/orders' },
});
const rootContext = trace.setSpan(context.active(), root);
ids.traceId = root.spanContext().traceId;
ids.root = root.spanContext().spanId;

const query = tracer.startSpan(
  'SELECT orders',
  { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.rows': 12 } },
  rootContext,
);
ids.query = query.spanContext().spanId;
await sleep(40);
const retry = tracer.startSpan(
  'retry',
  { attributes: { attempt: 2, cached: false } },
  trace.setSpan(rootContext, query),
);
ids.retry = retry.spanContext().spanId;
await sleep(15);
retry.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
retry.end();
query.end();

if (encoding === 'proto') {
  const logs = new LoggerProvider({
    resource,
    processors: [
      new SimpleLogRecordProcessor({ exporter: new ProtoLogExporter({ url: `${base}/logs`, headers }) }),
    ],
  });
  logs.getLogger('otlp-shop').emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: 'order export failed',
    attributes: { 'order.count': 12 },
    context: trace.setSpan(context.active(), query),
  });
  await logs.forceFlush();
  await logs.shutdown();
}

root.setStatus({ code: SpanStatusCode.OK });
root.end();
await provider.forceFlush();
await provider.shutdown();
console.log(JSON.stringify(ids));
