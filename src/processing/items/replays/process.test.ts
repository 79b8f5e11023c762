import { deflateSync, gzipSync } from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { processReplayItems, type ReplayEnvelopeContext, type ReplayItems } from './process.js';
import { processReplayEvent } from './replay-event.js';
import { parseRecording } from './recording.js';
import { extractClicks } from './clicks.js';
import type { JsonObject } from '../../../protocol/json.js';

const REPLAY_ID = '0123456789abcdef0123456789abcdef';
const ERROR_ID = 'fedcba9876543210fedcba9876543210';
const NOW = 1_700_000_000;
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

const ctx: ReplayEnvelopeContext = {
  projectId: 1,
  receivedAt: NOW,
  envelopeEventId: REPLAY_ID,
  clientIp: '203.0.113.7',
};

const json = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));

function replayEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'replay_event',
    replay_id: REPLAY_ID,
    segment_id: 0,
    replay_type: 'session',
    timestamp: NOW - 5,
    replay_start_timestamp: NOW - 10,
    urls: ['http://127.0.0.1:8080/'],
    error_ids: [ERROR_ID],
    trace_ids: [],
    platform: 'javascript',
    release: 'web@1.0.0',
    environment: 'e2e',
    sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
    request: { url: 'http://127.0.0.1:8080/', headers: { 'User-Agent': CHROME } },
    contexts: { replay: { error_sample_rate: 0, session_sample_rate: 1 } },
    ...overrides,
  };
}

const RRWEB = [
  { type: 4, timestamp: 1, data: { href: 'http://127.0.0.1:8080/' } },
  { type: 2, timestamp: 2, data: { node: { type: 0, childNodes: [] } } },
];

function recording(body: Uint8Array | string, segmentId: number | string = 0): Uint8Array {
  const header = Buffer.from(`${JSON.stringify({ segment_id: segmentId })}\n`);
  return Buffer.concat([header, Buffer.from(body)]);
}

const items = (partial: Partial<ReplayItems>): ReplayItems => ({
  events: [],
  recordings: [],
  videos: [],
  ...partial,
});

describe('processReplayItems', () => {
  it('accepts a web replay: event + zlib recording, counted 2 in category replay', () => {
    const result = processReplayItems(
      items({ events: [json(replayEvent())], recordings: [recording(deflateSync(JSON.stringify(RRWEB)))] }),
      ctx,
    );
    expect(result.dropped).toEqual([]);
    expect(result.accepted).toBe(2);
    expect(result.events).toHaveLength(1);
    const [event] = result.events;
    expect(event).toMatchObject({
      replayId: REPLAY_ID,
      segmentId: 0,
      replayType: 'session',
      timestamp: NOW - 5,
      replayStartTimestamp: NOW - 10,
      urls: ['http://127.0.0.1:8080/'],
      errorIds: [ERROR_ID],
      platform: 'javascript',
      release: 'web@1.0.0',
      environment: 'e2e',
      sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
      browser: { name: 'Chrome', version: '120.0.0' },
      os: { name: 'Linux' },
      // `{{auto}}`-less JavaScript events get the client IP (Relay's legacy inference).
      user: { ipAddress: '203.0.113.7' },
      errorSampleRate: 0,
      sessionSampleRate: 1,
    });
    expect(event!.event.type).toBe('replay_event');
    expect(result.recordings).toEqual([
      expect.objectContaining({
        replayId: REPLAY_ID,
        segmentId: 0,
        rrweb: JSON.stringify(RRWEB),
        clicks: [],
      }),
    ]);
  });

  it('reads gzip and plain recordings', () => {
    expect(parseRecording(recording(gzipSync(JSON.stringify(RRWEB))))).toMatchObject({
      kind: 'ok',
      value: { segmentId: 0, events: RRWEB },
    });
    expect(parseRecording(recording(JSON.stringify(RRWEB), 3))).toMatchObject({
      kind: 'ok',
      value: { segmentId: 3, rrweb: JSON.stringify(RRWEB) },
    });
  });

  it.each([
    ['no header line', Buffer.from(JSON.stringify(RRWEB))],
    ['a header without an integer segment_id', recording(JSON.stringify(RRWEB), 'zero')],
    ['a body that is neither zlib nor JSON', recording('not rrweb')],
    ['a corrupt zlib stream', recording(deflateSync(JSON.stringify(RRWEB)).subarray(0, 12))],
    ['JSON that is not an array', recording(deflateSync('{"type":2}'))],
  ])('drops a recording with %s as invalid_replay_recording and keeps the event', (_name, payload) => {
    const result = processReplayItems(items({ events: [json(replayEvent())], recordings: [payload] }), ctx);
    expect(result.dropped).toEqual([{ outcome: 'invalid', reason: 'invalid_replay_recording', quantity: 1 }]);
    expect(result.accepted).toBe(1);
    expect(result.events).toHaveLength(1);
    expect(result.recordings).toEqual([]);
  });

  it('drops a recording that inflates past max_replay_uncompressed_size', () => {
    const big = deflateSync(JSON.stringify([{ type: 3, data: 'x'.repeat(10_000) }]));
    const result = processReplayItems(
      items({ events: [json(replayEvent())], recordings: [recording(big)] }),
      { ...ctx, maxUncompressedSize: 1000 },
    );
    expect(result.dropped).toEqual([{ outcome: 'invalid', reason: 'invalid_replay_recording', quantity: 1 }]);
    expect(result.events).toHaveLength(1);
  });

  it.each([
    ['not JSON', Buffer.from('{nope'), 'invalid_replay'],
    ['JSON null', Buffer.from('null'), 'invalid_replay_no_payload'],
    ['without replay_id', json(replayEvent({ replay_id: undefined })), 'invalid_replay'],
    ['without segment_id', json(replayEvent({ segment_id: null })), 'invalid_replay'],
    ['with an invalid error id', json(replayEvent({ error_ids: ['nope'] })), 'invalid_replay'],
    ['with an invalid trace id', json(replayEvent({ trace_ids: [42] })), 'invalid_replay'],
  ])('drops a replay event %s together with its recording', (_name, payload, reason) => {
    const result = processReplayItems(
      items({ events: [payload], recordings: [recording(JSON.stringify(RRWEB))] }),
      ctx,
    );
    expect(result.dropped).toEqual([{ outcome: 'invalid', reason, quantity: 2 }]);
    expect(result.accepted).toBe(0);
    expect(result.recordings).toEqual([]);
  });

  it('rejects the item combinations Relay rejects', () => {
    const event = json(replayEvent());
    const rec = recording(JSON.stringify(RRWEB));
    expect(processReplayItems(items({ events: [event] }), ctx).dropped).toEqual([
      { outcome: 'invalid', reason: 'invalid_replay_missing_recording', quantity: 1 },
    ]);
    expect(processReplayItems(items({ events: [event, event], recordings: [rec] }), ctx).dropped).toEqual([
      { outcome: 'invalid', reason: 'duplicate_item', quantity: 3 },
    ]);
    expect(
      processReplayItems(items({ events: [event], recordings: [rec] }), {
        ...ctx,
        envelopeEventId: undefined,
      }).dropped,
    ).toEqual([{ outcome: 'invalid', reason: 'internal', quantity: 2 }]);
    expect(
      processReplayItems(items({ events: [event], recordings: [rec] }), { ...ctx, maxMessageSize: 100 })
        .dropped,
    ).toEqual([{ outcome: 'invalid', reason: 'too_large:replay_recording', quantity: 2 }]);
  });

  it('accepts a standalone recording (older SDKs) under the envelope event id', () => {
    const result = processReplayItems(items({ recordings: [recording(JSON.stringify(RRWEB), 4)] }), ctx);
    expect(result).toMatchObject({ accepted: 1, dropped: [], events: [] });
    expect(result.recordings[0]).toMatchObject({ replayId: REPLAY_ID, segmentId: 4 });
  });

  it('accepts a replay_video bundle as one item and rejects bad ones as invalid_replay_video', () => {
    const bundle = (video: Uint8Array): Uint8Array =>
      encode({
        replay_event: json(replayEvent({ platform: 'cocoa' })),
        replay_recording: recording(deflateSync(JSON.stringify(RRWEB))),
        replay_video: video,
      });
    const ok = processReplayItems(items({ videos: [bundle(Uint8Array.from([1, 2, 3]))] }), ctx);
    expect(ok).toMatchObject({ accepted: 1, dropped: [] });
    expect(ok.recordings[0]!.video).toEqual(Uint8Array.from([1, 2, 3]));
    expect(ok.events[0]!.platform).toBe('cocoa');
    const bad = processReplayItems(
      items({ videos: [bundle(new Uint8Array()), Buffer.from('garbage')] }),
      ctx,
    );
    expect(bad.dropped).toEqual([
      { outcome: 'invalid', reason: 'invalid_replay_video', quantity: 1 },
      { outcome: 'invalid', reason: 'invalid_replay_video', quantity: 1 },
    ]);
  });
});

describe('processReplayEvent', () => {
  it('normalizes like Relay: platform, lists capped at 100, ids, type', () => {
    const result = processReplayEvent(
      json(
        replayEvent({
          platform: 'nonsense',
          urls: [...Array.from({ length: 150 }, (_, i) => `http://x/${i}`), 7],
          error_ids: ['01234567-89ab-cdef-0123-456789ABCDEF', null],
          replay_type: 'weird',
          release: 42,
          timestamp: '2023-11-14T22:13:15Z',
          request: undefined,
        }),
      ),
      ctx,
    );
    expect(result.kind).toBe('ok');
    if (result.kind !== 'ok') return;
    expect(result.value).toMatchObject({
      platform: 'other',
      errorIds: [REPLAY_ID],
      replayType: 'session',
      release: '42',
      timestamp: NOW - 5,
    });
    // 100 entries at most, then an 8 KiB bag: these short URLs all fit.
    expect(result.value.urls).toHaveLength(100);
    // No request headers: Relay derives no user-agent contexts.
    expect(result.value.browser).toEqual({ name: '', version: '' });
  });

  it('applies default data scrubbing to pii fields and keeps ids', () => {
    const result = processReplayEvent(
      json(
        replayEvent({
          urls: ['http://shop/pay?card=4242-4242-4242-4242'],
          user: { id: '1', email: 'jane@example.org' },
          tags: { password: 'hunter2' },
        }),
      ),
      ctx,
    );
    if (result.kind !== 'ok') throw new Error('dropped');
    expect(result.value.urls[0]).not.toContain('4242-4242');
    expect(result.value.tags).not.toContainEqual(['password', 'hunter2']);
    expect(result.value.replayId).toBe(REPLAY_ID);
    expect(result.value.errorIds).toEqual([ERROR_ID]);
  });
});

describe('extractClicks', () => {
  const crumb = (payload: JsonObject): JsonObject => ({
    type: 5,
    timestamp: 1,
    data: { tag: 'breadcrumb', payload },
  });
  it('reads ui.click and dead/rage ui.slowClickDetected breadcrumbs', () => {
    const node = {
      id: 12,
      tagName: 'button',
      textContent: 'Pay now',
      attributes: { id: 'pay', class: ' btn  primary ', 'data-testid': 'pay-btn', 'aria-label': 'Pay' },
    };
    const clicks = extractClicks([
      crumb({ category: 'ui.click', timestamp: 1700000001.5, data: { node } }),
      crumb({
        category: 'ui.slowClickDetected',
        timestamp: 1700000002,
        data: { node, endReason: 'timeout', timeAfterClickMs: 7000, clickCount: 5 },
      }),
      crumb({
        category: 'ui.slowClickDetected',
        timestamp: 1700000003,
        data: { node, endReason: 'mutation', timeAfterClickMs: 9000 },
      }),
      crumb({ category: 'navigation', timestamp: 1 }),
      { type: 3, data: {} },
    ]);
    expect(clicks).toEqual([
      {
        nodeId: 12,
        tag: 'button',
        id: 'pay',
        classes: ['btn', 'primary'],
        text: 'Pay now',
        role: '',
        alt: '',
        testid: 'pay-btn',
        ariaLabel: 'Pay',
        title: '',
        componentName: '',
        isDead: false,
        isRage: false,
        timestamp: 1700000001,
      },
      expect.objectContaining({ isDead: true, isRage: true, timestamp: 1700000002 }),
    ]);
  });
});

describe('replay list trimming', () => {
  it('trims error ids to a 2 KiB bag of hyphenated UUIDs and urls to an 8 KiB bag, as Relay does', () => {
    const ids = Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(32, '0'));
    const longUrls = Array.from({ length: 50 }, (_, i) => `http://shop/${'x'.repeat(500)}/${i}`);
    const result = processReplayEvent(json(replayEvent({ error_ids: ids, urls: longUrls })), ctx);
    if (result.kind !== 'ok') throw new Error('dropped');
    const errorIds = result.value.errorIds;
    expect(errorIds.length).toBeGreaterThan(40);
    expect(errorIds.length).toBeLessThan(60);
    expect(errorIds).toEqual(ids.slice(0, errorIds.length));
    const urlBytes = result.value.urls.reduce((sum, u) => sum + u.length, 0);
    expect(urlBytes).toBeLessThanOrEqual(8192);
    expect(result.value.urls.length).toBeLessThan(20);
    expect(result.value.urls[0]).toBe(longUrls[0]);
  });
});
