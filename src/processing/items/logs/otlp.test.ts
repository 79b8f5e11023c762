import { describe, expect, it } from 'vitest';
import {
  LOG_CONTAINER_CONTENT_TYPE,
  logContainerPayload,
  otlpLogsToEntries,
  otlpSeverityToLevel,
  processLogItem,
} from './index.js';

// The example of opentelemetry-proto's `examples/logs.json`, as Relay's otel_to_sentry tests use it.
const LOGS_DATA = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'test-service' } }] },
      scopeLogs: [
        {
          scope: {
            name: 'Eins Name',
            version: '123.42',
            attributes: [{ key: 'lib', value: { stringValue: 'x' } }],
          },
          logRecords: [
            {
              timeUnixNano: '1544712660300000000',
              observedTimeUnixNano: '1544712660300000000',
              severityNumber: 10,
              severityText: 'Information',
              traceId: '5B8EFFF798038103D269B633813FC60C',
              spanId: 'EEE19B7EC3C1B174',
              body: { stringValue: 'Example log record' },
              attributes: [
                { key: 'string.attribute', value: { stringValue: 'some string' } },
                { key: 'boolean.attribute', value: { boolValue: true } },
                { key: 'int.attribute', value: { intValue: '10' } },
                { key: 'double.attribute', value: { doubleValue: 637.704 } },
                {
                  key: 'array.attribute',
                  value: { arrayValue: { values: [{ stringValue: 'many' }, { stringValue: 'values' }] } },
                },
                {
                  key: 'map.attribute',
                  value: {
                    kvlistValue: { values: [{ key: 'some.map.key', value: { stringValue: 'some value' } }] },
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  ],
};

describe('otlpLogsToEntries', () => {
  it("maps an OTLP log record like Relay's otel_to_sentry_log", () => {
    const result = otlpLogsToEntries(Buffer.from(JSON.stringify(LOGS_DATA)));
    if (!result.ok) throw new Error(result.error.detail);
    expect(result.entries).toEqual([
      {
        timestamp: 1544712660.3,
        trace_id: '5b8efff798038103d269b633813fc60c',
        span_id: 'eee19b7ec3c1b174',
        level: 'info',
        severity_number: 10,
        body: 'Example log record',
        attributes: {
          'sentry.origin': { type: 'string', value: 'auto.otlp.logs' },
          'resource.service.name': { type: 'string', value: 'test-service' },
          'instrumentation.lib': { type: 'string', value: 'x' },
          'instrumentation.name': { type: 'string', value: 'Eins Name' },
          'instrumentation.version': { type: 'string', value: '123.42' },
          'string.attribute': { type: 'string', value: 'some string' },
          'boolean.attribute': { type: 'boolean', value: true },
          'int.attribute': { type: 'integer', value: 10 },
          'double.attribute': { type: 'double', value: 637.704 },
          'array.attribute': { type: 'string', value: '["many","values"]' },
          'map.attribute': { type: 'string', value: '{"some.map.key":"some value"}' },
        },
      },
    ]);
  });

  it('maps severities by number, then by text, defaulting to info', () => {
    expect([1, 5, 9, 13, 17, 21, 24].map((n) => otlpSeverityToLevel(n, ''))).toEqual([
      'trace',
      'debug',
      'info',
      'warn',
      'error',
      'fatal',
      'fatal',
    ]);
    expect(otlpSeverityToLevel(0, 'Warning')).toBe('warn');
    expect(otlpSeverityToLevel(0, 'unknown')).toBe('info');
  });

  it('substitutes a missing trace id and falls back to the observed time', () => {
    const result = otlpLogsToEntries(
      Buffer.from(
        JSON.stringify({
          resource_logs: [
            {
              scope_logs: [
                {
                  log_records: [
                    { observed_time_unix_nano: 1544712660000000000, body: { string_value: 'snake' } },
                  ],
                },
              ],
            },
          ],
        }),
      ),
    );
    if (!result.ok) throw new Error(result.error.detail);
    const [entry] = result.entries;
    expect(entry).toMatchObject({ timestamp: 1544712660, level: 'info', body: 'snake' });
    expect(entry!.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('rejects non-JSON payloads', () => {
    expect(otlpLogsToEntries(Buffer.from('\x0a\x02'))).toMatchObject({
      ok: false,
      error: { kind: 'invalid_json' },
    });
    expect(otlpLogsToEntries(Buffer.from('[]'))).toMatchObject({ ok: false });
  });

  it('produces container entries the logs pipeline accepts', () => {
    const converted = otlpLogsToEntries(Buffer.from(JSON.stringify(LOGS_DATA)));
    if (!converted.ok) throw new Error('conversion failed');
    const result = processLogItem(
      logContainerPayload(converted.entries),
      { content_type: LOG_CONTAINER_CONTENT_TYPE, item_count: converted.entries.length },
      { projectId: 1, organizationId: 1, receivedAt: 1544712661, userAgent: 'OTel-OTLP-Exporter-Go/1.0' },
    );
    if (result.kind !== 'ok') throw new Error(result.reason);
    const [row] = result.value.records;
    expect(row).toMatchObject({ body: 'Example log record', level: 'info', severity_number: 10 });
    expect(row!.attributes_string['browser.name']).toBeUndefined();
    expect(row!.attributes_int['int.attribute']).toBe(10);
  });
});
