// Dynamic sampling with the real @sentry/node SDK (11.11, tracesSampleRate 1) against the
// in-process server: the project's sampling rules drop `GET /health` transactions (a transaction
// rule on the name) and half of the `batch-job` traces (a trace rule on the DSC's transaction and
// release, deciding with the DSC's `sample_rand`), and keep the rest. Sampled-out items are not
// stored and count, as Relay records them, `accepted` in `transaction`/`span` and `filtered` with
// reason `Sampled:<rule ids>` in `transaction_indexed`/`span_indexed`; errors of a dropped trace
// are kept. Checked through the trace endpoint and stats_v2 (reference/relay-protocol.md §7.1).
//
// Project configs are not stored yet, so the test hands the project its config through the key
// lookup (the key cache's answer gets the parsed config, as stored configs will be carried).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Vigil } from '../../src/server/app.js';
import { KeyCache } from '../../src/server/services/key-cache.js';
import { parseProjectConfig } from '../../src/processing/project-config/index.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';
import { clientsDir, runClient } from '../helpers/vigil-process.js';

interface Traces {
  health: string[];
  checkout: string;
  batchKept: string;
  batchDropped: string;
}

const parsed = parseProjectConfig({
  sampling: {
    version: 2,
    rules: [
      {
        id: 11,
        type: 'transaction',
        condition: { op: 'eq', name: 'event.transaction', value: 'GET /health' },
        samplingValue: { type: 'sampleRate', value: 0 },
      },
      {
        id: 12,
        type: 'trace',
        condition: {
          op: 'and',
          inner: [
            { op: 'eq', name: 'trace.transaction', value: 'batch-job' },
            { op: 'glob', name: 'trace.release', value: ['sampling@1.*'] },
          ],
        },
        samplingValue: { type: 'sampleRate', value: 0.5 },
      },
      {
        id: 13,
        type: 'trace',
        condition: { op: 'eq', name: 'trace.environment', value: 'e2e' },
        samplingValue: { type: 'sampleRate', value: 1 },
      },
    ],
  },
});
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const projectConfig = parsed.config;

let server: TestVigil;
let vigil: Vigil;
const traces: Record<'static' | 'stream', Traces> = {} as never;

beforeAll(async () => {
  const lookup = KeyCache.prototype.lookup;
  vi.spyOn(KeyCache.prototype, 'lookup').mockImplementation(async function (this: KeyCache, key: string) {
    const info = await lookup.call(this, key);
    return info && { ...info, config: projectConfig };
  });
  server = await startTestVigil('sampling');
  vigil = server.vigil;
  for (const mode of ['static', 'stream'] as const) {
    traces[mode] = await runClient<Traces>('node', [path.join(clientsDir, 'node-sampling.mjs'), mode], {
      SENTRY_DSN: vigil.dsn,
    });
  }
  await vigil.flush();
}, 120_000);

afterAll(async () => {
  await server?.close();
  vi.restoreAllMocks();
});

interface Node {
  event_type: 'span' | 'error';
  children?: Node[];
}

/** The spans and errors stored for a trace (none when the trace endpoint answers 404). */
async function stored(traceId: string): Promise<{ spans: number; errors: number }> {
  const res = await vigil.app.inject({
    method: 'GET',
    url: `/api/0/organizations/vigil/trace/${traceId}/`,
    headers: { authorization: `Bearer ${vigil.adminToken}` },
  });
  if (res.statusCode === 404) return { spans: 0, errors: 0 };
  expect(res.statusCode).toBe(200);
  const count = (nodes: Node[]): { spans: number; errors: number } =>
    nodes.reduce(
      (sum, node) => {
        const below = count(node.children ?? []);
        const own = node.event_type === 'span' ? { spans: 1, errors: 0 } : { spans: 0, errors: 1 };
        return { spans: sum.spans + own.spans + below.spans, errors: sum.errors + own.errors + below.errors };
      },
      { spans: 0, errors: 0 },
    );
  return count(res.json<Node[]>());
}

describe('dynamic sampling of SDK traces', () => {
  it('stores the kept transactions and drops the sampled-out ones', async () => {
    const t = traces.static;
    for (const id of t.health) expect(await stored(id)).toEqual({ spans: 0, errors: 0 });
    expect(await stored(t.checkout)).toEqual({ spans: 3, errors: 0 });
    expect(await stored(t.batchKept)).toEqual({ spans: 2, errors: 0 });
    // Errors are never sampled: the dropped trace keeps its error.
    expect(await stored(t.batchDropped)).toEqual({ spans: 0, errors: 1 });
  });

  it('samples streamed spans by the trace rules only', async () => {
    const t = traces.stream;
    // Transaction rules read transaction events; streamed spans only meet trace rules (as in Relay).
    for (const id of t.health) expect(await stored(id)).toEqual({ spans: 1, errors: 0 });
    expect(await stored(t.checkout)).toEqual({ spans: 3, errors: 0 });
    expect(await stored(t.batchKept)).toEqual({ spans: 2, errors: 0 });
    expect(await stored(t.batchDropped)).toEqual({ spans: 0, errors: 1 });
  });

  it('counts Relay’s outcomes: total categories accepted, indexed ones filtered as Sampled:<id>', () => {
    const { outcomes } = vigil;
    // Static mode: 5 transactions; 2 dropped by rule 11 (1 span each), 1 by rule 12 (2 spans).
    expect(outcomes.total('accepted', 'transaction')).toBe(5);
    expect(outcomes.total('accepted', 'transaction_indexed')).toBe(2);
    expect(outcomes.total('filtered', 'transaction_indexed', 'Sampled:11')).toBe(2);
    expect(outcomes.total('filtered', 'transaction_indexed', 'Sampled:12')).toBe(1);
    expect(outcomes.total('filtered', 'transaction')).toBe(0);
    // Spans of both modes: 9 per mode received.
    expect(outcomes.total('accepted', 'span')).toBe(18);
    expect(outcomes.total('filtered', 'span_indexed', 'Sampled:11')).toBe(2);
    expect(outcomes.total('filtered', 'span_indexed', 'Sampled:12')).toBe(4);
    expect(outcomes.total('accepted', 'span_indexed')).toBe(12);
    expect(outcomes.total('filtered', 'span')).toBe(0);
    expect(outcomes.total('accepted', 'error')).toBe(2);
    expect(outcomes.total('invalid')).toBe(0);
  });

  it('serves the Sampled:<id> outcomes through stats_v2', async () => {
    const res = await vigil.app.inject({
      method: 'GET',
      url:
        '/api/0/organizations/vigil/stats_v2/?field=sum(quantity)&groupBy=outcome&groupBy=reason' +
        '&category=transaction_indexed&statsPeriod=1h&interval=1h',
      headers: { authorization: `Bearer ${vigil.adminToken}` },
    });
    expect(res.statusCode).toBe(200);
    const groups = res
      .json<{
        groups: Array<{ by: { outcome: string; reason: string }; totals: { 'sum(quantity)': number } }>;
      }>()
      .groups.map((g) => [g.by.outcome, g.by.reason, g.totals['sum(quantity)']]);
    expect(groups).toEqual(
      expect.arrayContaining([
        ['accepted', '', 2],
        ['filtered', 'Sampled:11', 2],
        ['filtered', 'Sampled:12', 1],
      ]),
    );
    expect(groups).toHaveLength(3);
  });
});
