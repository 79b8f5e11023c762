/**
 * Logs and trace metrics end to end: the official @sentry/node SDK (11.11) sends structured logs
 * (`Sentry.logger`) and trace metrics (`Sentry.metrics`) to the built server, an OpenTelemetry
 * exporter's OTLP/JSON logs arrive at `/api/{project}/integration/otlp/v1/logs`, and the explore
 * API (`/organizations/{org}/events/?dataset=logs|tracemetrics`) and `vigil logs` read them back —
 * searched, typed, scrubbed (reference/relay-protocol.md §14.2, §14.4, §9.1).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  clientsDir,
  eventually,
  runClient,
  startVigil,
  vigilCli,
  type VigilProcess,
} from '../helpers/vigil-process.js';

const nodeClient = path.join(clientsDir, 'node-logs.mjs');

type Answer = { data: Array<Record<string, unknown>>; meta: { fields: Record<string, string> } };

let vigil: VigilProcess;
let traceId: string;

async function explore(params: Record<string, string | string[]>): Promise<Answer> {
  const search = new URLSearchParams({ statsPeriod: '1h' });
  for (const [k, v] of Object.entries(params)) for (const value of [v].flat()) search.append(k, value);
  const res = await api(vigil, `/api/0/organizations/vigil/events/?${search}`);
  expect(res.status).toBe(200);
  return res.body as Answer;
}

const OTLP_TRACE = '0af7651916cd43dd8448eb211c80319c';

/** What an OpenTelemetry OTLP/HTTP JSON log exporter posts. */
const OTLP_LOGS = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otlp-shop' } }] },
      scopeLogs: [
        {
          scope: { name: 'shop.logger', version: '1.0.0' },
          logRecords: [
            {
              timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
              severityNumber: 17,
              severityText: 'ERROR',
              traceId: OTLP_TRACE,
              spanId: 'b7ad6b7169203331',
              body: { stringValue: 'Inventory sync failed' },
              attributes: [
                { key: 'sku', value: { stringValue: 'SKU-7' } },
                { key: 'attempt', value: { intValue: '4' } },
              ],
            },
          ],
        },
      ],
    },
  ],
};

beforeAll(async () => {
  vigil = await startVigil();
  ({ traceId } = await runClient<{ traceId: string }>(process.execPath, [nodeClient], {
    SENTRY_DSN: vigil.dsn,
  }));

  const dsn = new URL(vigil.dsn);
  const res = await fetch(`${vigil.url}/api/${dsn.pathname.slice(1)}/integration/otlp/v1/logs`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-sentry-auth': `Sentry sentry_key=${dsn.username}, sentry_version=7`,
    },
    body: JSON.stringify(OTLP_LOGS),
  });
  expect(res.status).toBe(202);

  // Logs and metrics are written asynchronously; wait until all of them are queryable.
  await eventually(async () => {
    const logs = await explore({ dataset: 'logs', field: 'message' });
    const metrics = await explore({ dataset: 'tracemetrics', field: 'metric.name' });
    return logs.data.length === 4 && metrics.data.length === 5;
  }, 30_000);
}, 180_000);

afterAll(async () => {
  await vigil?.dispose();
});

describe('logs from @sentry/node', () => {
  it('are listed newest first with severity, trace, SDK attributes and scrubbed bodies', async () => {
    const answer = await explore({
      dataset: 'logs',
      field: [
        'message',
        'severity',
        'severity_number',
        'trace',
        'release',
        'environment',
        'sdk.name',
        'user.id',
      ],
      query: `trace:${traceId}`,
      sort: '-timestamp',
    });
    // Timestamps of logs written in the same millisecond tie; compare as a set ordered by body.
    const rows = [...answer.data].sort((a, b) => String(a.message).localeCompare(String(b.message)));
    expect(rows).toEqual([
      {
        message: 'Cart of user-42 is almost full',
        severity: 'warn',
        severity_number: 13,
        trace: traceId,
        release: 'e2e-logs@1.0.0',
        environment: 'e2e',
        'sdk.name': 'sentry.javascript.node',
        'user.id': 'user-42',
      },
      {
        message: 'Order placed',
        severity: 'info',
        severity_number: 9,
        trace: traceId,
        release: 'e2e-logs@1.0.0',
        environment: 'e2e',
        'sdk.name': 'sentry.javascript.node',
        'user.id': 'user-42',
      },
      {
        // Log bodies get Relay's replace-only rules: the address is replaced, the rest kept.
        message: 'Payment failed for [email]',
        severity: 'error',
        severity_number: 17,
        trace: traceId,
        release: 'e2e-logs@1.0.0',
        environment: 'e2e',
        'sdk.name': 'sentry.javascript.node',
        'user.id': 'user-42',
      },
    ]);
  });

  it('keeps typed attributes, message templates and scrubs sensitive attributes', async () => {
    const order = await explore({
      dataset: 'logs',
      field: ['message', 'order.id', 'tags[order.total,number]', 'order.items'],
      query: 'order.id:A-1001',
    });
    expect(order.data).toEqual([
      { message: 'Order placed', 'order.id': 'A-1001', 'tags[order.total,number]': 99.5, 'order.items': 3 },
    ]);
    expect(order.meta.fields['order.items']).toBe('integer');

    const cart = await explore({
      dataset: 'logs',
      field: ['message', 'message.template', 'message.parameter.0'],
      query: 'severity:warn',
    });
    expect(cart.data).toEqual([
      {
        message: 'Cart of user-42 is almost full',
        'message.template': 'Cart of %s is almost full',
        'message.parameter.0': 'user-42',
      },
    ]);

    const payment = await explore({
      dataset: 'logs',
      field: ['message', 'password', 'payment.retry'],
      query: 'payment.retry:true',
    });
    expect(payment.data).toEqual([
      { message: 'Payment failed for [email]', password: '[Filtered]', 'payment.retry': true },
    ]);
  });

  it('are searchable by free text, numeric attributes and has:', async () => {
    const messages = async (query: string) =>
      (await explore({ dataset: 'logs', field: 'message', query })).data.map((r) => r.message);
    expect(await messages('almost')).toEqual(['Cart of user-42 is almost full']);
    expect(await messages('tags[cart.size,number]:>=19')).toEqual(['Cart of user-42 is almost full']);
    expect(await messages('has:order.id')).toEqual(['Order placed']);
    expect(await messages('severity:error')).toHaveLength(2);
  });
});

describe('OTLP logs', () => {
  it('are converted with resource and scope attributes', async () => {
    const answer = await explore({
      dataset: 'logs',
      field: [
        'message',
        'severity',
        'trace',
        'resource.service.name',
        'instrumentation.name',
        'sku',
        'attempt',
        'origin',
      ],
      query: 'resource.service.name:otlp-shop',
    });
    expect(answer.data).toEqual([
      {
        message: 'Inventory sync failed',
        severity: 'error',
        trace: OTLP_TRACE,
        'resource.service.name': 'otlp-shop',
        'instrumentation.name': 'shop.logger',
        sku: 'SKU-7',
        attempt: 4,
        origin: 'auto.otlp.logs',
      },
    ]);
  });
});

describe('trace metrics from @sentry/node', () => {
  it('are aggregated per metric', async () => {
    const answer = await explore({
      dataset: 'tracemetrics',
      field: ['metric.name', 'metric.type', 'metric.unit', 'sum(value)', 'avg(value)', 'count()'],
      sort: 'metric.name',
    });
    expect(answer.data).toEqual([
      {
        'metric.name': 'cart.size',
        'metric.type': 'gauge',
        'metric.unit': 'none',
        'sum(value)': 19,
        'avg(value)': 19,
        'count()': 1,
      },
      {
        'metric.name': 'checkout.duration',
        'metric.type': 'distribution',
        'metric.unit': 'millisecond',
        'sum(value)': 200,
        'avg(value)': 100,
        'count()': 2,
      },
      {
        'metric.name': 'orders.placed',
        'metric.type': 'counter',
        'metric.unit': '',
        'sum(value)': 3,
        'avg(value)': 1.5,
        'count()': 2,
      },
    ]);
    const eu = await explore({
      dataset: 'tracemetrics',
      field: ['sum(value)'],
      metricName: 'orders.placed',
      query: 'region:eu',
    });
    expect(eu.data).toEqual([{ 'sum(value)': 1 }]);
  });
});

describe('vigil logs', () => {
  it('prints matching logs, newest first', async () => {
    const stdout = await vigilCli(vigil, ['logs', '--query', 'severity:error', '--stats-period', '1h']);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('timestamp\tseverity\tproject\tmessage');
    expect(lines.slice(1).map((l) => l.split('\t').slice(1))).toEqual(
      expect.arrayContaining([
        ['error', 'default', 'Payment failed for [email]'],
        ['error', 'default', 'Inventory sync failed'],
      ]),
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00\t/);
  });
});
