// Malformed and oversized replay recordings through the whole in-process app (HTTP edge →
// queue → replay handler → chDB → web API): the recording is dropped with Relay's
// `invalid_replay_recording` outcome in category `replay`, while the replay event of the same
// envelope is stored and listed. Envelopes are hand-written on purpose: no SDK sends these.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVigil, type Vigil } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';

let dataDir: string;
let vigil: Vigil;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-replays-'));
  vigil = await createVigil({ ...loadConfig({ dataDir, logLevel: 'silent' }), processing: { workers: 0 } });
}, 60_000);

afterAll(async () => {
  await vigil?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const publicKey = (): string => new URL(vigil.dsn).username;

function replayEvent(replayId: string, segmentId: number): Buffer {
  const now = Date.now() / 1000;
  return Buffer.from(
    JSON.stringify({
      type: 'replay_event',
      replay_id: replayId,
      segment_id: segmentId,
      replay_type: 'session',
      timestamp: now,
      replay_start_timestamp: now - 5,
      urls: ['http://shop.example/checkout'],
      error_ids: [],
      trace_ids: [],
      platform: 'javascript',
      sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
    }),
  );
}

/** An envelope with a replay event and a recording item carrying `recording` as its payload. */
function envelope(replayId: string, recording: Buffer): Buffer {
  const event = replayEvent(replayId, 0);
  return Buffer.concat([
    Buffer.from(`${JSON.stringify({ event_id: replayId })}\n`),
    Buffer.from(`${JSON.stringify({ type: 'replay_event', length: event.length })}\n`),
    event,
    Buffer.from(`\n${JSON.stringify({ type: 'replay_recording', length: recording.length })}\n`),
    recording,
    Buffer.from('\n'),
  ]);
}

async function send(body: Buffer): Promise<void> {
  const res = await vigil.app.inject({
    method: 'POST',
    url: '/api/1/envelope/',
    headers: {
      'content-type': 'application/x-sentry-envelope',
      'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${publicKey()}`,
    },
    payload: body,
  });
  expect(res.statusCode).toBe(200);
  await vigil.flush();
}

async function api(url: string): Promise<{ status: number; body: unknown }> {
  const res = await vigil.app.inject({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${vigil.adminToken}` },
  });
  return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as unknown) : undefined };
}

const segmentHeader = Buffer.from('{"segment_id":0}\n');

describe('replay recordings that cannot be stored', () => {
  it.each([
    [
      'a body that is neither zlib nor JSON',
      'ab'.repeat(16),
      Buffer.concat([segmentHeader, Buffer.from('garbage')]),
    ],
    ['no header line', 'cd'.repeat(16), deflateSync('[]')],
    [
      // 101 MiB of rrweb text deflates to ~100 KiB, under the 10 MiB item limit of the edge.
      'a body that inflates past max_replay_uncompressed_size (100 MiB)',
      'ef'.repeat(16),
      Buffer.concat([segmentHeader, deflateSync(`["${'a'.repeat(101 * 1024 * 1024)}"]`)]),
    ],
  ])(
    'drops a recording with %s as invalid and keeps the replay event',
    async (_name, replayId, recording) => {
      const invalidBefore = vigil.outcomes.total('invalid', 'replay', 'invalid_replay_recording');
      const acceptedBefore = vigil.outcomes.total('accepted', 'replay');
      await send(envelope(replayId, recording));
      expect(vigil.outcomes.total('invalid', 'replay', 'invalid_replay_recording') - invalidBefore).toBe(1);
      expect(vigil.outcomes.total('accepted', 'replay') - acceptedBefore).toBe(1);

      const replay = await api(`/api/0/organizations/vigil/replays/${replayId}/`);
      expect(replay.status).toBe(200);
      expect((replay.body as { data: Record<string, unknown> }).data).toMatchObject({
        id: replayId,
        count_segments: 1,
        urls: ['http://shop.example/checkout'],
        sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
      });
      const segments = await api(`/api/0/projects/vigil/default/replays/${replayId}/recording-segments/`);
      expect(segments.body).toEqual({ data: [] });
    },
    60_000,
  );

  it('stores a valid recording of the same shape (the tests above can fail)', async () => {
    const replayId = '12'.repeat(16);
    const rrweb = [{ type: 4, timestamp: 1, data: { href: 'http://shop.example/checkout' } }];
    await send(envelope(replayId, Buffer.concat([segmentHeader, deflateSync(JSON.stringify(rrweb))])));
    const res = await vigil.app.inject({
      method: 'GET',
      url: `/api/0/projects/vigil/default/replays/${replayId}/recording-segments/?download`,
      headers: { authorization: `Bearer ${vigil.adminToken}` },
    });
    expect(JSON.parse(res.body)).toEqual([rrweb]);
  });
});

describe('replay API parameters', () => {
  it('lists with field selection and sorting, and rejects what it does not support', async () => {
    const list = await api(
      '/api/0/organizations/vigil/replays/?field=id&field=count_segments&sort=-count_segments',
    );
    expect(list.status).toBe(200);
    const data = (list.body as { data: Array<Record<string, unknown>> }).data;
    expect(data.length).toBeGreaterThanOrEqual(4);
    expect(Object.keys(data[0]!).sort()).toEqual(['count_segments', 'id']);
    expect((await api('/api/0/organizations/vigil/replays/?sort=nope')).status).toBe(400);
    expect((await api('/api/0/organizations/vigil/replays/?query=foo:bar')).status).toBe(400);
    const searched = await api(
      `/api/0/organizations/vigil/replays/?query=${encodeURIComponent('count_segments:1 url:*checkout')}`,
    );
    expect((searched.body as { data: unknown[] }).data.length).toBeGreaterThanOrEqual(4);
    const none = await api(
      `/api/0/organizations/vigil/replays/?query=${encodeURIComponent('!url:*checkout')}`,
    );
    expect(none.body).toEqual({ data: [] });
    expect((await api(`/api/0/organizations/vigil/replays/${'99'.repeat(16)}/`)).status).toBe(404);
  });

  it('shows recording segment metadata, and 404 for a segment that is not stored', async () => {
    const replayId = '12'.repeat(16);
    const index = await api(`/api/0/projects/vigil/default/replays/${replayId}/recording-segments/`);
    expect(index.body).toEqual({
      data: [{ replayId, segmentId: 0, projectId: '1', dateAdded: expect.any(String) as unknown }],
    });
    const one = await api(`/api/0/projects/vigil/default/replays/${replayId}/recording-segments/0/`);
    expect(one.body).toMatchObject({ data: { replayId, segmentId: 0 } });
    const missing = await api(
      `/api/0/projects/vigil/default/replays/${replayId}/recording-segments/7/?download`,
    );
    expect(missing).toEqual({ status: 404, body: { detail: 'Replay recording segment not found.' } });
  });
});

describe('replay_video items', () => {
  it('stores the event, the recording and the video of a native replay segment', async () => {
    const replayId = '34'.repeat(16);
    const rrweb = [{ type: 4, timestamp: 1, data: { href: 'app://main', width: 390, height: 844 } }];
    const video = Buffer.from([0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70]);
    const bundle = Buffer.from(
      encode({
        replay_event: replayEvent(replayId, 0),
        replay_recording: Buffer.concat([segmentHeader, deflateSync(JSON.stringify(rrweb))]),
        replay_video: video,
      }),
    );
    const acceptedBefore = vigil.outcomes.total('accepted', 'replay');
    await send(
      Buffer.concat([
        Buffer.from(`${JSON.stringify({ event_id: replayId })}\n`),
        Buffer.from(`${JSON.stringify({ type: 'replay_video', length: bundle.length })}\n`),
        bundle,
        Buffer.from('\n'),
      ]),
    );
    expect(vigil.outcomes.total('accepted', 'replay') - acceptedBefore).toBe(1);
    expect((await api(`/api/0/organizations/vigil/replays/${replayId}/`)).status).toBe(200);
    const res = await vigil.app.inject({
      method: 'GET',
      url: `/api/0/projects/vigil/default/replays/${replayId}/videos/0/`,
      headers: { authorization: `Bearer ${vigil.adminToken}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('video/mp4');
    expect(res.rawPayload).toEqual(video);
    const download = await vigil.app.inject({
      method: 'GET',
      url: `/api/0/projects/vigil/default/replays/${replayId}/recording-segments/?download`,
      headers: { authorization: `Bearer ${vigil.adminToken}` },
    });
    expect(JSON.parse(download.body)).toEqual([rrweb]);
    expect((await api(`/api/0/projects/vigil/default/replays/${replayId}/videos/1/`)).status).toBe(404);
  });
});
