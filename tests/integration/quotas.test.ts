// Quotas end to end (reference/relay-protocol.md §6): a project config with an error quota set
// through the web API, the real @sentry/node SDK (11.11) sending errors, and raw requests for
// the exact response headers. As in Relay, the event that crosses the quota is answered 200 and
// dropped in processing; the rejection is cached, so the next requests get 429 with Retry-After
// and X-Sentry-Rate-Limits until the window ends, and the SDK then backs off on its own. Every
// item sent is accounted for: received = accepted + filtered + rate_limited + invalid.
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vigil } from '../../src/server/app.js';
import { parseRateLimits } from '../../src/protocol/rate-limit-header.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';
import { buildMinidump } from '../helpers/minidump.js';
import { queryRows } from '../../src/storage/clickhouse/query-helpers.js';

let vigil: Vigil;
let server: TestVigil;
let base: string;
let publicKey: string;

beforeAll(async () => {
  server = await startTestVigil('quotas');
  vigil = server.vigil;
  base = server.url;
  publicKey = new URL(vigil.dsn).username;
}, 60_000);

afterAll(async () => {
  await Sentry.close(2000);
  await server?.close();
});

async function setConfig(config: object): Promise<void> {
  const res = await vigil.app.inject({
    method: 'PUT',
    url: '/api/0/projects/vigil/default/config/',
    headers: { authorization: `Bearer ${vigil.adminToken}`, 'content-type': 'application/json' },
    payload: config,
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** Seconds until the fixed window of `window` seconds ends for organization 1 (shift 1 % window). */
function secondsLeft(window: number): number {
  const now = Date.now() / 1000;
  const shift = 1 % window;
  return window - ((now - shift) % window);
}

/** Posts a raw envelope with `items` (`[headers, payload]`) and returns status, headers and body. */
async function postEnvelope(items: Array<[object, string | Buffer]>, eventId?: string) {
  const parts: Buffer[] = [Buffer.from(JSON.stringify(eventId ? { event_id: eventId } : {}) + '\n')];
  for (const [headers, payload] of items) {
    const bytes = Buffer.from(payload);
    parts.push(
      Buffer.from(JSON.stringify({ ...headers, length: bytes.length }) + '\n'),
      bytes,
      Buffer.from('\n'),
    );
  }
  const res = await fetch(`${base}/api/1/envelope/?sentry_key=${publicKey}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-sentry-envelope' },
    body: Buffer.concat(parts),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

async function storedErrors(message: string): Promise<number> {
  await vigil.flush();
  const rows = await queryRows(
    vigil.clickhouse,
    `SELECT count() AS n FROM events WHERE project_id = 1 AND positionCaseInsensitive(title, {m:String}) > 0`,
    { m: message },
  );
  return Number(rows[0]?.n ?? 0);
}

describe('an error quota', () => {
  it('stores the first N events, drops the one crossing the quota, then answers 429 with the limits', async () => {
    // Stay clear of a window boundary (windows of an hour, shifted by org id 1).
    const left = secondsLeft(3600);
    if (left < 60) await new Promise((r) => setTimeout(r, (left + 1) * 1000));
    await setConfig({
      quotas: [
        {
          id: 'errors',
          categories: ['error'],
          scope: 'project',
          limit: 3,
          window: 3600,
          reasonCode: 'over_errors',
        },
      ],
    });

    const sent: string[] = [];
    Sentry.init({ dsn: vigil.dsn, defaultIntegrations: false });
    for (let i = 0; i < 6; i++) {
      Sentry.captureException(new Error(`quota test ${i}`));
      await Sentry.flush(5000);
      // Let processing count this event before the next one reaches the edge.
      await vigil.flush();
      sent.push(`quota test ${i}`);
    }
    expect(await storedErrors('quota test')).toBe(3);
    // Events 4 (dropped in processing) and 5 (refused at the edge, 429) are counted rate_limited;
    // the SDK honoured the 429 and never sent event 6, counting it itself.
    expect(vigil.outcomes.total('accepted', 'error')).toBe(3);
    expect(vigil.outcomes.total('rate_limited', 'error', 'over_errors')).toBe(2);
    await Sentry.close(2000);

    // The response an SDK gets now: 429, Retry-After as whole seconds, the limit in Relay's grammar.
    const limited = await postEnvelope([[{ type: 'event' }, '{"message":"raw"}']], 'b'.repeat(32));
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body)).toEqual({ detail: 'event rejected due to rate limit' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(300);
    const header = limited.headers.get('x-sentry-rate-limits')!;
    expect(header).toMatch(/^\d+:error:project:over_errors$/);
    expect(parseRateLimits(header)[0]!.retryAfterSeconds).toBe(retryAfter);

    // A partial drop: the log is stored, the answer is 200 and names the limit.
    const partial = await postEnvelope(
      [
        [{ type: 'event' }, '{"message":"dropped with its attachment"}'],
        [{ type: 'attachment', filename: 'a.txt' }, 'hello'],
        [
          { type: 'log', content_type: 'application/vnd.sentry.items.log+json', item_count: 1 },
          JSON.stringify({
            items: [
              { timestamp: Date.now() / 1000, trace_id: 'c'.repeat(32), level: 'info', body: 'quota log' },
            ],
          }),
        ],
      ],
      'c'.repeat(32),
    );
    expect(partial.status).toBe(200);
    expect(partial.headers.get('x-sentry-rate-limits')).toMatch(/^\d+:error:project:over_errors$/);
    expect(vigil.outcomes.total('rate_limited', 'attachment', 'over_errors')).toBe(5);
    await vigil.flush();
    expect(vigil.outcomes.total('accepted', 'log_item')).toBe(1);

    // The minidump endpoint never answers 429: the crash is dropped with its outcomes.
    const form = new FormData();
    form.append('upload_file_minidump', new Blob([buildMinidump()]), 'crash.dmp');
    const crash = await fetch(`${base}/api/1/minidump/?sentry_key=${publicKey}`, {
      method: 'POST',
      body: form,
    });
    expect(crash.status).toBe(200);
    expect(vigil.outcomes.total('rate_limited', 'attachment_item', 'over_errors')).toBe(2);

    // Every item received is accounted for, once.
    await vigil.flush();
    const received = 6 - 1 + 1 + 1; // SDK events that reached Vigil, the raw event, the partial's event
    expect(
      vigil.outcomes.total('accepted', 'error') +
        vigil.outcomes.total('rate_limited', 'error') +
        vigil.outcomes.total('filtered', 'error') +
        vigil.outcomes.total('invalid', 'error'),
    ).toBe(received + 1); // + the minidump's event
  });

  it('admits items again when the window ends', async () => {
    // Logs, so the error limit cached by the test above (it lasts up to 300 s) does not interfere.
    await setConfig({
      quotas: [
        { id: 'short', categories: ['log_item'], scope: 'project', limit: 1, window: 3, reasonCode: 'short' },
      ],
    });
    // Start at the beginning of a window so the three sends fall into the same one.
    await new Promise((r) => setTimeout(r, secondsLeft(3) * 1000 + 50));
    const send = async (i: number) => {
      const res = await postEnvelope([
        [
          { type: 'log', content_type: 'application/vnd.sentry.items.log+json', item_count: 1 },
          JSON.stringify({
            items: [
              { timestamp: Date.now() / 1000, trace_id: 'd'.repeat(32), level: 'info', body: `window ${i}` },
            ],
          }),
        ],
      ]);
      await vigil.flush();
      return res;
    };
    const before = vigil.outcomes.total('accepted', 'log_item');
    expect((await send(0)).status).toBe(200);
    expect((await send(1)).status).toBe(200); // counted over quota in processing, dropped
    const refused = await send(2);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-sentry-rate-limits')).toMatch(/^[1-3]:log_item:project:short$/);
    await new Promise((r) => setTimeout(r, Number(refused.headers.get('retry-after')) * 1000 + 100));
    expect((await send(3)).status).toBe(200);
    expect(vigil.outcomes.total('accepted', 'log_item') - before).toBe(2);
    expect(vigil.outcomes.total('rate_limited', 'log_item', 'short')).toBe(2);
  }, 20_000);

  it('rejects everything a reject-all quota covers at the edge, for 60 s', async () => {
    await setConfig({ quotas: [{ categories: ['transaction'], limit: 0, reasonCode: 'no_tx' }] });
    const res = await postEnvelope(
      [
        [
          { type: 'transaction' },
          JSON.stringify({ type: 'transaction', transaction: '/x', start_timestamp: 1, timestamp: 2 }),
        ],
      ],
      '1'.repeat(32),
    );
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(res.headers.get('x-sentry-rate-limits')).toBe('60:transaction:organization:no_tx');
    expect(vigil.outcomes.total('rate_limited', 'transaction', 'no_tx')).toBe(1);
  });
});
