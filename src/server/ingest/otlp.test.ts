import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { LoggerProvider, SimpleLogRecordProcessor, InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { otlpLogsRoutes } from './otlp-logs.js';
import { otlpTracesRoutes } from './otlp-traces.js';
import {
  closeHarnesses,
  ingestHarness,
  TEST_KEY as KEY,
  TEST_PROJECT as PROJECT,
  type HarnessOptions,
} from './test-harness.js';

// Harness: the OTLP plugin next to the envelope/store plugin (whose `/api/:id/*` catch-all must
// not shadow it), a fake key table and an array-backed queue (test-harness.ts).

const AUTH = { 'x-sentry-auth': `Sentry sentry_key=${KEY}, sentry_version=7` };

afterEach(closeHarnesses);

const harness = (options: HarnessOptions = {}) => ingestHarness(otlpLogsRoutes, options);

const record = (body: string, severityNumber = 9) => ({
  timeUnixNano: '1700000000000000000',
  severityNumber,
  traceId: '5b8efff798038103d269b633813fc60c',
  body: { stringValue: body },
  attributes: [{ key: 'http.route', value: { stringValue: '/checkout' } }],
});
const LOGS = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
      scopeLogs: [{ scope: { name: 'app' }, logRecords: [record('first'), record('second', 17)] }],
    },
  ],
};

/** Log records as the OpenTelemetry logs SDK hands them to an exporter. */
function exportedLogs() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
  provider.getLogger('shop').emit({
    severityNumber: SeverityNumber.WARN,
    body: 'stock low',
    attributes: { sku: 'A-1', left: 2 },
  });
  return exporter.getFinishedLogRecords();
}

describe('POST /api/{project}/integration/otlp/v1/logs', () => {
  it('queues the records as one log container and answers 202', async () => {
    const { app, accepted } = await harness();
    const res = await app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/integration/otlp/v1/logs`,
      headers: {
        ...AUTH,
        'content-type': 'application/json',
        'user-agent': 'OTel-OTLP-Exporter-JavaScript/0.57.0',
      },
      payload: JSON.stringify(LOGS),
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({});
    expect(res.headers.server).toBe('vigil');
    expect(accepted).toHaveLength(1);
    const queued = accepted[0]!;
    expect(queued).toMatchObject({ projectId: PROJECT, organizationId: 3, keyId: 7 });
    expect(queued.meta.receivedAt).toBe(1_700_000_000.25);
    const [item] = queued.envelope.items;
    expect(item!.headers).toEqual({
      type: 'log',
      content_type: 'application/vnd.sentry.items.log+json',
      item_count: 2,
    });
    const container = JSON.parse(item!.payload.toString('utf8')) as { version: number; items: unknown[] };
    expect(container.version).toBe(2);
    expect(container.items).toMatchObject([
      { body: 'first', level: 'info', timestamp: 1_700_000_000 },
      { body: 'second', level: 'error', severity_number: 17 },
    ]);
  });

  it('accepts a trailing slash, gzip bodies and query auth', async () => {
    const { app, accepted } = await harness();
    const res = await app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/integration/otlp/v1/logs/?sentry_key=${KEY}`,
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' },
      payload: zlib.gzipSync(JSON.stringify(LOGS)),
    });
    expect(res.statusCode).toBe(202);
    expect(accepted).toHaveLength(1);
  });

  it('answers 415 for content types other than JSON and protobuf', async () => {
    const { app, accepted } = await harness();
    const text = await app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/integration/otlp/v1/logs`,
      headers: { ...AUTH, 'content-type': 'text/plain' },
      payload: '{}',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json<{ detail: string }>().detail).toMatch(/application\/x-protobuf/);
    expect(accepted).toHaveLength(0);
  });

  it('decodes protobuf bodies into the same container as their JSON encoding', async () => {
    const { app, accepted } = await harness();
    const records = exportedLogs();
    for (const [type, payload] of [
      ['application/x-protobuf', Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!)],
      ['application/json', Buffer.from(JsonLogsSerializer.serializeRequest(records)!)],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/${PROJECT}/integration/otlp/v1/logs`,
        headers: { ...AUTH, 'content-type': type },
        payload,
      });
      expect(res.statusCode).toBe(202);
    }
    expect(accepted).toHaveLength(2);
    const [fromProto, fromJson] = accepted.map((a) => JSON.parse(a.envelope.items[0]!.payload.toString()));
    // Records outside a span get a random trace id each; everything else is the same.
    for (const c of [fromProto, fromJson]) delete c.items[0].trace_id;
    expect(fromProto).toEqual(fromJson);
    expect(fromProto.items).toMatchObject([{ body: 'stock low', level: 'warn', severity_number: 13 }]);
    const garbage = await app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/integration/otlp/v1/logs`,
      headers: { ...AUTH, 'content-type': 'application/x-protobuf' },
      payload: Buffer.from([0x0a, 0xff, 0xff]),
    });
    expect(garbage.statusCode).toBe(400);
  });

  it('checks auth, the project and the body like the other ingest routes', async () => {
    const { app, accepted, rejected } = await harness();
    const post = (url: string, headers: Record<string, string>, payload: string) =>
      app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', ...headers },
        payload,
      });
    const url = `/api/${PROJECT}/integration/otlp/v1/logs`;
    expect((await post(url, {}, '{}')).statusCode).toBe(401);
    expect((await post(`/api/7/integration/otlp/v1/logs`, AUTH, '{}')).statusCode).toBe(403);
    const foreign = `/api/7/integration/otlp/v1/logs`;
    expect((await post(foreign, AUTH, JSON.stringify(LOGS))).statusCode).toBe(403);
    // The key's own scoping (Relay scopes by the loaded project before checking the project id).
    expect(rejected).toEqual([
      { scoping: { organizationId: 3, projectId: PROJECT, keyId: 7 }, reason: 'project_id', types: ['log'] },
    ]);
    expect((await post(url, AUTH, 'not json')).statusCode).toBe(400);
    expect((await post(url, AUTH, '')).statusCode).toBe(400);
    // A valid document without records queues nothing.
    expect((await post(url, AUTH, '{"resourceLogs": []}')).statusCode).toBe(202);
    expect(accepted).toHaveLength(0);
  });

  it('answers 413 over the envelope size and 503 when the queue is full', async () => {
    const small = await harness({ limits: { maxEnvelopeSize: 100 } });
    const tooBig = await small.app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/integration/otlp/v1/logs`,
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: JSON.stringify(LOGS),
    });
    expect(tooBig.statusCode).toBe(413);
    const full = await harness({ queueFull: true });
    const refused = await full.app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/integration/otlp/v1/logs`,
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: JSON.stringify(LOGS),
    });
    expect(refused.statusCode).toBe(503);
  });
});

describe('POST /api/{project}/integration/otlp/v1/traces', () => {
  const SPANS = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeSpans: [
          {
            scope: { name: 'app' },
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
                name: 'GET /cart',
                kind: 2,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000500000000',
              },
            ],
          },
        ],
      },
    ],
  };

  it('queues the spans as one span v2 container and answers 202', async () => {
    const { app, accepted } = await ingestHarness(otlpTracesRoutes);
    const res = await app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/integration/otlp/v1/traces/`,
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: JSON.stringify(SPANS),
    });
    expect(res.statusCode).toBe(202);
    expect(accepted[0]!.envelope.items[0]!.headers).toEqual({
      type: 'span',
      content_type: 'application/vnd.sentry.items.span.v2+json',
      item_count: 1,
    });
    expect(JSON.parse(accepted[0]!.envelope.items[0]!.payload.toString()).items).toMatchObject([
      { name: 'GET /cart', kind: 'server', is_segment: true, start_timestamp: 1_700_000_000 },
    ]);
    const xml = await app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/integration/otlp/v1/traces`,
      headers: { ...AUTH, 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(xml.statusCode).toBe(415);
  });
});
