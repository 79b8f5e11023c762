/**
 * Transactions and spans end to end, with real clients against the built server:
 * - @sentry/node 11.11 sends a transaction with nested spans and an error inside the innermost
 *   span, once with `traceLifecycle: 'static'` (a `transaction` item) and once with the SDK's
 *   default (streamed spans: span v2 containers);
 * - Debian's python3-sentry-sdk (1.9) sends a transaction with an error inside a child span;
 * - OpenTelemetry's OTLP/HTTP trace exporters send a trace in OTLP/JSON and in protobuf, and the
 *   protobuf logs exporter a log record inside that trace.
 * The stored trees are read back through the trace endpoint (parents, ops, durations,
 * attributes, errors on their spans), the spans dataset of the explore API, and the CLI
 * (`vigil traces show`, `vigil spans list`). reference/relay-protocol.md §3.4, §8.3, §14.3.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  clientsDir as clients,
  eventually,
  runClient,
  startVigil,
  vigilCli,
  type VigilProcess,
} from '../helpers/vigil-process.js';

interface Node {
  event_id: string;
  event_type: 'span' | 'error';
  transaction_id?: string | null;
  parent_span_id?: string | null;
  op?: string;
  name?: string;
  status?: string;
  kind?: string;
  duration?: number;
  exclusive_time?: number;
  is_transaction?: boolean;
  transaction?: string;
  release?: string;
  additional_attributes?: Record<string, unknown>;
  errors?: Array<{ title: string; span: string; issue_id: number; event_type: string }>;
  children?: Node[];
  title?: string;
}

type Ids = Record<string, string>;

let vigil: VigilProcess;
const ids: Record<string, Ids> = {};

function client(command: string, args: string[], env: Record<string, string>): Promise<Ids> {
  return runClient(command, args, env, 60_000);
}

async function trace(traceId: string): Promise<Node[]> {
  const res = await api(vigil, `/api/0/organizations/vigil/trace/${traceId}/`);
  if (res.status !== 200) throw new Error(`trace ${traceId}: ${res.status}`);
  return res.body as Node[];
}

/** Counts the spans and errors of a tree. */
function count(nodes: readonly Node[]): { spans: number; errors: number } {
  let spans = 0;
  let errors = 0;
  for (const node of nodes) {
    if (node.event_type === 'error') {
      errors += 1;
      continue;
    }
    spans += 1;
    errors += node.errors?.length ?? 0;
    const below = count(node.children ?? []);
    spans += below.spans;
    errors += below.errors;
  }
  return { spans, errors };
}

/** Waits until the trace has `spans` spans and `errors` errors (rows are written asynchronously). */
async function settledTrace(traceId: string, spans: number, errors: number): Promise<Node[]> {
  return eventually(async () => {
    const nodes = await trace(traceId);
    const c = count(nodes);
    return c.spans === spans && c.errors === errors ? nodes : undefined;
  }, 30_000);
}

function child(node: Node, name: string): Node {
  const found = node.children?.find((c) => c.name === name);
  if (!found) throw new Error(`no child ${name} under ${node.name}`);
  return found;
}

beforeAll(async () => {
  vigil = await startVigil();
  const dsn = new URL(vigil.dsn);
  const sentryEnv = { SENTRY_DSN: vigil.dsn };
  const otlpEnv = { VIGIL_URL: vigil.url, SENTRY_KEY: dsn.username, PROJECT_ID: dsn.pathname.slice(1) };
  const node = path.join(clients, 'node-traces.mjs');
  const otlp = path.join(clients, 'node-otlp.mjs');
  [ids.static, ids.stream, ids.python, ids.json, ids.proto] = await Promise.all([
    client(process.execPath, [node, 'static'], sentryEnv),
    client(process.execPath, [node, 'stream'], sentryEnv),
    client('/usr/bin/python3', [path.join(clients, 'python_traces.py')], sentryEnv),
    client(process.execPath, [otlp, 'json'], otlpEnv),
    client(process.execPath, [otlp, 'proto'], otlpEnv),
  ]);
}, 180_000);

afterAll(async () => {
  await vigil?.dispose();
});

describe.each(['static', 'stream'] as const)('@sentry/node transaction (%s)', (mode) => {
  it('is stored as a tree of its spans with ops, durations, attributes and the error', async () => {
    const { traceId, root: rootId, db: dbId, cache: cacheId } = ids[mode]!;
    const nodes = await settledTrace(traceId!, 4, 1);
    expect(nodes).toHaveLength(1);
    const root = nodes[0]!;
    expect(root).toMatchObject({
      event_id: rootId,
      parent_span_id: null,
      is_transaction: true,
      op: 'task',
      name: 'checkout',
      transaction: 'checkout',
      release: `e2e-traces@${mode}`,
      status: 'ok',
    });
    expect(root.additional_attributes).toMatchObject({ 'cart.id': 'C-7' });
    expect(root.children!.map((c) => c.name)).toEqual(['load cart', 'charge card']);

    const db = child(root, 'load cart');
    expect(db).toMatchObject({
      event_id: dbId,
      parent_span_id: rootId,
      op: 'db.query',
      is_transaction: false,
    });
    expect(db.additional_attributes).toMatchObject({ 'db.rows': 3 });
    const cache = child(db, 'price lookup');
    expect(cache).toMatchObject({ event_id: cacheId, parent_span_id: dbId, op: 'cache.get', children: [] });
    expect(cache.additional_attributes).toMatchObject({ 'cache.hit': false });
    expect(child(root, 'charge card')).toMatchObject({ op: 'http.client', children: [] });

    // The client slept 60 ms in `load cart` before `price lookup`, which slept 30 ms.
    expect(db.duration).toBeGreaterThanOrEqual(85);
    expect(cache.duration).toBeGreaterThanOrEqual(28);
    expect(root.duration).toBeGreaterThanOrEqual(db.duration! + 18);
    expect(db.exclusive_time).toBeCloseTo(db.duration! - cache.duration!, 1);
    expect(cache.exclusive_time).toBeCloseTo(cache.duration!, 3);

    // The error captured inside `price lookup` hangs on that span.
    expect(cache.errors).toEqual([
      expect.objectContaining({
        title: `Error: price service unavailable (${mode})`,
        span: cacheId,
        event_type: 'error',
      }),
    ]);

    if (mode === 'static') {
      // One transaction event: every span knows it.
      expect(root.transaction_id).toMatch(/^[0-9a-f]{32}$/);
      expect(cache.transaction_id).toBe(root.transaction_id);
    } else {
      expect(root.transaction_id).toBeNull();
      expect(root.additional_attributes).toMatchObject({ 'sentry.trace_lifecycle': 'stream' });
    }
  });
});

describe('python3-sentry-sdk transaction', () => {
  it('is stored as a tree with the error on its span', async () => {
    const { traceId, root: rootId, query: queryId, upstream: upstreamId } = ids.python!;
    const [root, ...rest] = await settledTrace(traceId!, 3, 1);
    expect(rest).toEqual([]);
    expect(root).toMatchObject({
      event_id: rootId,
      op: 'task',
      name: 'nightly report',
      is_transaction: true,
      release: 'py-traces@1.0.0',
    });
    const query = child(root!, 'SELECT reports');
    expect(query).toMatchObject({ event_id: queryId, op: 'db', parent_span_id: rootId });
    expect(query.additional_attributes).toMatchObject({ 'db.rows': 7 });
    expect(query.duration).toBeGreaterThanOrEqual(65);
    const upstream = child(query, 'GET /upstream');
    expect(upstream).toMatchObject({ event_id: upstreamId, op: 'http.client' });
    expect(upstream.errors).toEqual([
      expect.objectContaining({ title: "KeyError: 'missing'", span: upstreamId }),
    ]);
  });
});

describe.each(['json', 'proto'] as const)('OpenTelemetry OTLP/HTTP trace exporter (%s)', (encoding) => {
  it('is stored as a tree with kinds, ops from the conventions, statuses and attributes', async () => {
    const { traceId, root: rootId, query: queryId, retry: retryId } = ids[encoding]!;
    const [root, ...rest] = await settledTrace(traceId!, 3, 0);
    expect(rest).toEqual([]);
    expect(root).toMatchObject({
      event_id: rootId,
      parent_span_id: null,
      is_transaction: true,
      name: `GET /orders (${encoding})`,
      op: 'http.server',
      kind: 'server',
      status: 'ok',
    });
    expect(root!.additional_attributes).toMatchObject({
      'url.path': '/orders',
      'resource.service.name': `otlp-shop-${encoding}`,
      'instrumentation.name': 'otlp-shop',
      'instrumentation.version': '3.1.0',
      'sentry.origin': 'auto.otlp.spans',
    });
    const query = child(root!, 'SELECT orders');
    expect(query).toMatchObject({
      event_id: queryId,
      op: 'db',
      kind: 'client',
      transaction: `GET /orders (${encoding})`,
    });
    expect(query.additional_attributes).toMatchObject({ 'db.system': 'postgresql', 'db.rows': 12 });
    expect(query.duration).toBeGreaterThanOrEqual(50);
    const retry = child(query, 'retry');
    expect(retry).toMatchObject({ event_id: retryId, status: 'error' });
    expect(retry.additional_attributes).toMatchObject({
      attempt: 2,
      cached: false,
      'sentry.status.message': 'connection reset',
    });
    expect(retry.duration).toBeGreaterThanOrEqual(13);
  });
});

describe('OpenTelemetry OTLP/HTTP protobuf logs exporter', () => {
  it('stores the log record with its trace and span', async () => {
    const { traceId, query } = ids.proto!;
    const search = new URLSearchParams({ dataset: 'logs', statsPeriod: '1h', query: `trace:${traceId}` });
    for (const field of ['message', 'severity', 'span_id', 'order.count', 'resource.service.name']) {
      search.append('field', field);
    }
    const body = await eventually(async () => {
      const res = await api(vigil, `/api/0/organizations/vigil/events/?${search}`);
      const answer = res.body as { data: Array<Record<string, unknown>> };
      return answer.data.length > 0 ? answer : undefined;
    }, 30_000);
    expect(body.data).toEqual([
      {
        message: 'order export failed',
        severity: 'error',
        span_id: query,
        'order.count': 12,
        'resource.service.name': 'otlp-shop-proto',
      },
    ]);
  });
});

describe('the spans dataset and the trace endpoint', () => {
  it('lists spans with Sentry search syntax on span fields', async () => {
    await settledTrace(ids.stream!.traceId!, 4, 1);
    await settledTrace(ids.static!.traceId!, 4, 1);
    const search = new URLSearchParams({ dataset: 'spans', statsPeriod: '1h', query: 'span.op:db.query' });
    for (const field of ['id', 'trace', 'span.name', 'span.duration', 'transaction', 'is_transaction']) {
      search.append('field', field);
    }
    search.set('sort', '-span.duration');
    const res = await api(vigil, `/api/0/organizations/vigil/events/?${search}`);
    expect(res.status).toBe(200);
    const answer = res.body as {
      data: Array<Record<string, unknown>>;
      meta: { fields: Record<string, string> };
    };
    expect(answer.data.map((r) => r.id).sort()).toEqual([ids.static!.db, ids.stream!.db].sort());
    expect(answer.data.every((r) => r['span.name'] === 'load cart' && r.transaction === 'checkout')).toBe(
      true,
    );
    expect(answer.data.every((r) => r.is_transaction === false)).toBe(true);
    expect(answer.meta.fields['span.duration']).toBe('duration');

    const segments = new URLSearchParams({
      dataset: 'spans',
      statsPeriod: '1h',
      query: 'is_transaction:true',
    });
    segments.append('field', 'span.name');
    const roots = await api(vigil, `/api/0/organizations/vigil/events/?${segments}`);
    expect(roots.body).toMatchObject({ data: expect.any(Array) });
    const names = (roots.body as { data: Array<{ 'span.name': string }> }).data.map((r) => r['span.name']);
    expect(names.sort()).toEqual([
      'GET /orders (json)',
      'GET /orders (proto)',
      'checkout',
      'checkout',
      'nightly report',
    ]);
  });

  it('answers 404 for an unknown trace and 400 for a malformed id', async () => {
    expect((await api(vigil, `/api/0/organizations/vigil/trace/${'0'.repeat(32)}/`)).status).toBe(404);
    expect((await api(vigil, '/api/0/organizations/vigil/trace/not-a-trace/')).status).toBe(400);
    // The older path answers the same.
    const old = await api(vigil, `/api/0/organizations/vigil/events-trace/${ids.python!.traceId}/`);
    expect(old.status).toBe(200);
  });
});

describe('vigil traces show / vigil spans list', () => {
  it('prints a trace as an indented tree with its error', async () => {
    await settledTrace(ids.stream!.traceId!, 4, 1);
    const stdout = await vigilCli(vigil, ['traces', 'show', ids.stream!.traceId!]);
    const lines = stdout.trim().split('\n');
    expect(lines.map((l) => l.replace(/ {2}[\d.]+ ms {2}/, '  <d>  '))).toEqual([
      'task — checkout  <d>  [ok]',
      '  db.query — load cart  <d>  [ok]',
      '    cache.get — price lookup  <d>  [ok]',
      expect.stringMatching(/^ {6}! error: Error: price service unavailable \(stream\) \(issue \d+\)$/),
      '  http.client — charge card  <d>  [ok]',
    ]);
  });

  it('lists spans matching a query', async () => {
    const stdout = await vigilCli(vigil, [
      'spans',
      'list',
      '--query',
      'span.op:cache.get',
      '--stats-period',
      '1h',
    ]);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('timestamp\ttrace\tspan\top\tname\tduration_ms\tproject');
    expect(
      lines
        .slice(1)
        .map((l) => l.split('\t').slice(2, 5))
        .sort(),
    ).toEqual(
      [
        [ids.static!.cache, 'cache.get', 'price lookup'],
        [ids.stream!.cache, 'cache.get', 'price lookup'],
      ].sort(),
    );
  });
});
