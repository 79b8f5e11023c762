// Envelopes through the whole in-process app (edge → processing loop → sinks → chDB → API): a
// malformed transaction next to a span v2 container with one valid and one bad entry, and an
// error event of the same trace in its own envelope. The bad items end as `invalid` outcomes with
// Relay's reasons; the other items are stored and readable through the trace endpoint
// (reference/relay-protocol.md §7.2, §8.3, §14.3).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { createVigil, type Vigil } from '../../src/server/app.js';

const TRACE = '4c79f60c11214eb38604f4ae0781bfb2';
const NOW = Date.now() / 1000;

let dataDir: string;
let vigil: Vigil;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-int-spans-'));
  const config = loadConfig({ dataDir, logLevel: 'warn' });
  vigil = await createVigil({ ...config, processing: { workers: 0 } });
}, 60_000);

afterAll(async () => {
  await vigil?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function line(value: unknown): string {
  return JSON.stringify(value);
}

/** A malformed transaction next to a span container with one bad entry. */
function envelope(): string {
  const badTransaction = {
    type: 'transaction',
    transaction: 'GET /broken',
    start_timestamp: NOW - 1,
    timestamp: NOW - 2, // ends before it starts
    contexts: { trace: { trace_id: TRACE, span_id: 'aaaaaaaaaaaaaaaa' } },
    spans: [],
  };
  const spans = {
    items: [
      {
        trace_id: TRACE,
        span_id: 'bbbbbbbbbbbbbbbb',
        name: 'GET /ok',
        status: 'ok',
        is_segment: true,
        start_timestamp: NOW - 1,
        end_timestamp: NOW - 0.5,
        attributes: { 'sentry.op': { type: 'string', value: 'http.server' } },
      },
      {
        trace_id: TRACE,
        span_id: 'cccccccccccccccc',
        parent_span_id: 'bbbbbbbbbbbbbbbb',
        name: 'broken child',
        status: 'ok',
        start_timestamp: NOW - 0.6,
        // no end_timestamp: dropped as `timestamp`
      },
    ],
  };
  return [
    line({}),
    line({ type: 'transaction' }),
    line(badTransaction),
    line({ type: 'span', content_type: 'application/vnd.sentry.items.span.v2+json', item_count: 2 }),
    line(spans),
    '',
  ].join('\n');
}

/** An error event of the same trace (events go alone: one event-creating item per envelope). */
function errorEnvelope(): string {
  const error = {
    event_id: 'dddddddddddddddddddddddddddddddd',
    exception: { values: [{ type: 'Error', value: 'boom' }] },
    contexts: { trace: { trace_id: TRACE, span_id: 'bbbbbbbbbbbbbbbb' } },
  };
  return [line({}), line({ type: 'event' }), line(error), ''].join('\n');
}

describe('a mixed envelope', () => {
  it('rejects the malformed items with Relay reasons and stores the others', async () => {
    const key = new URL(vigil.dsn).username;
    for (const payload of [envelope(), errorEnvelope()]) {
      const res = await vigil.app.inject({
        method: 'POST',
        url: '/api/1/envelope/',
        headers: {
          'content-type': 'application/x-sentry-envelope',
          'x-sentry-auth': `Sentry sentry_key=${key}, sentry_version=7`,
        },
        payload,
      });
      expect(res.statusCode).toBe(200);
    }
    await vigil.flush();

    const { outcomes } = vigil;
    expect(outcomes.total('invalid', 'transaction', 'invalid_transaction')).toBe(1);
    expect(outcomes.total('invalid', 'transaction_indexed', 'invalid_transaction')).toBe(1);
    expect(outcomes.total('invalid', 'span', 'invalid_transaction')).toBe(1);
    expect(outcomes.total('invalid', 'span', 'timestamp')).toBe(1);
    expect(outcomes.total('accepted', 'span')).toBe(1);
    expect(outcomes.total('accepted', 'span_indexed')).toBe(1);
    expect(outcomes.total('accepted', 'error')).toBe(1);

    const token = vigil.adminToken!;
    const trace = await vigil.app.inject({
      method: 'GET',
      url: `/api/0/organizations/vigil/trace/${TRACE}/`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(trace.statusCode).toBe(200);
    expect(trace.json()).toEqual([
      expect.objectContaining({
        event_id: 'bbbbbbbbbbbbbbbb',
        op: 'http.server',
        name: 'GET /ok',
        children: [],
        errors: [
          expect.objectContaining({ event_id: 'dddddddddddddddddddddddddddddddd', title: 'Error: boom' }),
        ],
      }),
    ]);
  });
});
