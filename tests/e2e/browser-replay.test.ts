/**
 * Session Replay with the real @sentry/browser 11.11.0 in Debian's Chromium against the built
 * server: the user clicks buttons, an uncaught error is thrown, and the SDK's replay segments and
 * the error reach Vigil. Asserted through the web API: the replay with its URL, browser, OS, SDK
 * and segment count; the error linked both ways (the error's `contexts.replay.replay_id`, the
 * replay's `error_ids`); the clicks Vigil extracted from the recording; and the downloaded
 * recording equal to the rrweb events the SDK sent, decoded here from the envelope requests the
 * page made (captured with playwright, decompressed with node's zlib).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Request } from 'playwright-core';
import { parseEnvelope } from '../../src/protocol/envelope.js';
import { api, eventually, vigilCli, type VigilProcess } from '../helpers/vigil-process.js';
import { closeBrowserE2e, htmlPage, startBrowserE2e, type PageServer } from '../helpers/browser.js';

type Json = Record<string, unknown>;

let vigil: VigilProcess;
let pages: PageServer;
let browser: Browser;

beforeAll(async () => {
  ({ vigil, pages, browser } = await startBrowserE2e('tests/e2e/browser/replay.ts', (script) => ({
    '/': {
      body: htmlPage(
        '<h1>Shop</h1><p id="count">0 in the cart</p>' +
          '<button id="add" class="btn primary">Add to cart</button>' +
          '<button id="boom">Checkout</button>',
        script,
      ),
    },
  })));
}, 120_000);

afterAll(() => closeBrowserE2e({ vigil, pages, browser }));

/** What the SDK sent, decoded from its envelope requests. */
interface Sent {
  /** rrweb events per segment id. */
  segments: Map<number, unknown[]>;
  /** The replay events (one per segment). */
  replayEvents: Json[];
  /** Error event ids. */
  errorIds: string[];
}

function capture(sent: Sent, request: Request): void {
  if (!request.url().includes('/envelope/')) return;
  const body = request.postDataBuffer();
  if (!body) return;
  const parsed = parseEnvelope(body);
  if (!parsed.ok)
    throw new Error(`the SDK sent an envelope Vigil cannot parse: ${JSON.stringify(parsed.error)}`);
  for (const item of parsed.envelope.items) {
    const payload = Buffer.from(item.payload);
    if (item.headers.type === 'replay_event') sent.replayEvents.push(JSON.parse(payload.toString()) as Json);
    if (item.headers.type === 'event')
      sent.errorIds.push(String((JSON.parse(payload.toString()) as Json).event_id));
    if (item.headers.type === 'replay_recording') {
      const newline = payload.indexOf(0x0a);
      const header = JSON.parse(payload.subarray(0, newline).toString()) as { segment_id: number };
      const body = payload.subarray(newline + 1);
      // The SDK compresses in a web worker (zlib); without a worker it sends plain JSON.
      const text = body[0] === 0x5b ? body.toString() : inflateSync(body).toString();
      sent.segments.set(header.segment_id, JSON.parse(text) as unknown[]);
    }
  }
}

it('records a session replay linked to the error the user hit', async () => {
  const page = await browser.newPage();
  const sent: Sent = { segments: new Map(), replayEvents: [], errorIds: [] };
  let inFlight = 0;
  const isEnvelope = (request: Request): boolean => request.url().includes('/envelope/');
  page.on('request', (request) => {
    if (!isEnvelope(request)) return;
    inFlight += 1;
    capture(sent, request);
  });
  const done = (request: Request): void => {
    if (isEnvelope(request)) inFlight -= 1;
  };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  await page.goto(pages.origin);
  await page.click('#add');
  await page.click('#add');
  await page.evaluate('window.flushReplay()');
  await eventually(async () => sent.segments.has(0), 20_000);

  await page.click('#boom');
  await eventually(async () => sent.errorIds.length > 0, 20_000);
  const [errorId] = sent.errorIds;
  // The SDK adds the error to the replay's next segment once Vigil acknowledged the event.
  await eventually(async () => {
    await page.evaluate('window.flushReplay()');
    return sent.replayEvents.some((e) => (e.error_ids as string[]).includes(errorId!));
  }, 20_000);
  const replayId = await page.evaluate<string | undefined>('window.replayId()');
  expect(replayId).toMatch(/^[0-9a-f]{32}$/);
  // Stop recording and let every request finish, so the segments sent are all there will be.
  await page.evaluate('window.stopReplay()');
  await eventually(async () => inFlight === 0, 20_000);
  await page.close();
  expect(sent.replayEvents.every((e) => e.replay_id === replayId)).toBe(true);

  const segmentCount = sent.segments.size;
  expect(segmentCount).toBeGreaterThanOrEqual(2);
  let last: unknown;
  const replay = await eventually(async () => {
    const res = await api(vigil, `/api/0/organizations/vigil/replays/${replayId}/`);
    const data = (res.body as { data?: Json } | undefined)?.data;
    last = res;
    return res.status === 200 && data?.count_segments === segmentCount && data;
  }, 30_000).catch((err: unknown) => {
    throw new Error(`${String(err)}; last answer ${JSON.stringify(last)}; sent ${segmentCount} segments`);
  });
  expect(replay).toMatchObject({
    id: replayId,
    project_id: '1',
    replay_type: 'session',
    platform: 'javascript',
    environment: 'e2e',
    releases: ['web@1.0.0'],
    os: { name: 'Linux' },
    sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
    count_segments: segmentCount,
  });
  expect(replay.urls).toContain(`${pages.origin}/`);
  expect(String((replay.browser as Json).name)).toMatch(/Chrome/);
  expect(replay.error_ids).toContain(errorId);
  expect(replay.count_errors).toBeGreaterThanOrEqual(1);
  expect(replay.started_at).not.toBeNull();
  expect(replay.clicks).toContainEqual(
    expect.objectContaining({
      'click.tag': 'button',
      'click.id': 'add',
      'click.classes': ['btn', 'primary'],
    }),
  );

  // The list shows it too, and replay search finds it by what the user clicked.
  const list = await api(vigil, '/api/0/organizations/vigil/replays/');
  expect(((list.body as { data: Json[] }).data ?? []).map((r) => r.id)).toContain(replayId);
  const search = async (query: string): Promise<unknown[]> =>
    (
      (await api(vigil, `/api/0/organizations/vigil/replays/?query=${encodeURIComponent(query)}`)).body as {
        data: Json[];
      }
    ).data.map((r) => r.id);
  expect(await search('click.id:add click.textContent:"Add to cart" count_errors:>0')).toEqual([replayId]);
  expect(await search('click.id:nothing-like-this')).toEqual([]);

  // The other way round: the error event names the replay.
  let titles: unknown[] = [];
  const issue = await eventually(async () => {
    const issues = (await api(vigil, '/api/0/projects/vigil/default/issues/?query=is:unresolved'))
      .body as Json[];
    titles = issues.map((i) => i.title);
    return issues.find((i) => String(i.title).includes('Checkout exploded while replaying'));
  }, 30_000).catch((err: unknown) => {
    throw new Error(`${String(err)}; issues: ${JSON.stringify(titles)}`);
  });
  const event = (await api(vigil, `/api/0/issues/${String(issue.id)}/events/latest/`)).body as Json;
  expect(String(event.eventID ?? event.id).replace(/-/g, '')).toBe(errorId);
  expect((event.contexts as Record<string, Json>).replay).toMatchObject({ replay_id: replayId });

  // The recording, downloaded, is what the browser recorded, segment by segment.
  const expected = [...sent.segments.entries()].sort(([a], [b]) => a - b).map(([, events]) => events);
  const download = await fetch(
    `${vigil.url}/api/0/projects/vigil/default/replays/${replayId}/recording-segments/?download`,
    { headers: { authorization: `Bearer ${vigil.token}` } },
  );
  expect(download.status).toBe(200);
  expect(await download.json()).toEqual(expected);
  // The first segment carries rrweb's meta and full snapshot, which a player needs to start.
  expect(expected[0]!.map((e) => (e as Json).type)).toEqual(expect.arrayContaining([4, 2]));
  const one = await fetch(
    `${vigil.url}/api/0/projects/vigil/default/replays/${replayId}/recording-segments/1/?download`,
    { headers: { authorization: `Bearer ${vigil.token}` } },
  );
  expect(await one.json()).toEqual(sent.segments.get(1));

  // The CLI reads the same replay and recording.
  const listed = await vigilCli(vigil, ['replays', 'list']);
  expect(listed).toContain(replayId);
  const shown = await vigilCli(vigil, ['replays', 'show', replayId!]);
  expect(shown).toContain(`segments: ${segmentCount}`);
  expect(shown).toContain(`errors: ${errorId}`);
  const file = path.join(vigil.dataDir, 'recording.json');
  await vigilCli(vigil, ['replays', 'download', replayId!, '--output', file]);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(expected);
}, 120_000);
