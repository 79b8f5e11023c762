/**
 * Attachments end to end against the built server:
 *
 * - @sentry/node 11.11.0: `scope.addAttachment` (text and binary) with `captureException`, one
 *   envelope holding the event and both attachments;
 * - Debian's python3-sentry-sdk 1.9: `scope.add_attachment` with `capture_exception`;
 * - the minidump endpoint, posted to as crash reporters (Breakpad, Crashpad, Electron) do: there
 *   is no SDK for it, they are plain HTTP uploaders, so the test uses `fetch` with a hand-built
 *   minimal minidump, raw and multipart, bare and in gzip/xz/bzip2/zstd containers (the last
 *   three made with Debian's `xz`, `bzip2`, `zstd` tools, skipped when a tool is missing);
 * - the multipart attachment endpoint, with `fetch` and a `FormData` body.
 *
 * Everything is read back through Sentry's attachment endpoints (bytes compared exactly) and
 * `vigil attachments`; the crashes are read back as error events of their issues.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMinidump } from '../helpers/minidump.js';
import {
  api,
  clientsDir,
  eventually,
  runClient,
  startVigil,
  vigilCli,
  type VigilProcess,
} from '../helpers/vigil-process.js';

type Json = Record<string, unknown>;

let vigil: VigilProcess;
let publicKey: string;

const client = (command: string, script: string): Promise<Json> =>
  runClient(command, [path.join(clientsDir, script)], { SENTRY_DSN: vigil.dsn });

const eventPath = (eventId: string): string => `/api/0/projects/vigil/default/events/${eventId}/attachments/`;

/** The attachments of an event once `count` of them are stored. */
async function attachmentsOf(eventId: string, count: number): Promise<Json[]> {
  return eventually(async () => {
    const res = await api(vigil, eventPath(eventId));
    const rows = res.body as Json[];
    return res.status === 200 && rows.length >= count ? rows : undefined;
  }, 30_000);
}

/** The bytes, content type and disposition of an attachment download. */
async function download(
  eventId: string,
  attachmentId: unknown,
): Promise<{ bytes: Buffer; headers: Headers }> {
  const res = await fetch(`${vigil.url}${eventPath(eventId)}${String(attachmentId)}/?download=1`, {
    headers: { authorization: `Bearer ${vigil.token}` },
  });
  expect(res.status).toBe(200);
  return { bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

/** The stored error event `eventId` (waits until it is stored). */
async function storedEvent(eventId: string): Promise<Json> {
  return eventually(async () => {
    const res = await api(vigil, `/api/0/projects/vigil/default/events/${eventId}/`);
    return res.status === 200 ? (res.body as Json) : undefined;
  }, 30_000);
}

beforeAll(async () => {
  vigil = await startVigil();
  publicKey = new URL(vigil.dsn).username;
}, 120_000);

afterAll(async () => {
  await vigil?.dispose();
});

describe('attachments from the official SDKs', () => {
  it('stores @sentry/node scope attachments with their event and returns the same bytes', async () => {
    const sent = await client(process.execPath, 'node-attachments.mjs');
    const eventId = String(sent.eventId);
    const rows = await attachmentsOf(eventId, 2);
    const byName = Object.fromEntries(rows.map((r) => [String(r.name), r]));
    expect(byName['checkout.log']).toMatchObject({
      event_id: eventId,
      type: 'event.attachment',
      mimetype: 'text/plain',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(byName['state.bin']).toMatchObject({ type: 'event.attachment', size: 1024 });
    const text = await download(eventId, byName['checkout.log']!.id);
    expect(text.bytes.equals(Buffer.from(String(sent.text), 'base64'))).toBe(true);
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text.headers.get('content-disposition')).toBe('attachment; filename="checkout.log"');
    const binary = await download(eventId, byName['state.bin']!.id);
    expect(binary.bytes.equals(Buffer.from(String(sent.binary), 'base64'))).toBe(true);
    // The error itself went through the error pipeline beside its attachments.
    expect((await storedEvent(eventId)).title).toContain('checkout failed with attachments');

    expect(await vigilCli(vigil, ['attachments', 'list', eventId], 'token')).toContain('checkout.log');
    const out = path.join(vigil.dataDir, 'state.bin');
    await vigilCli(
      vigil,
      ['attachments', 'download', eventId, String(byName['state.bin']!.id), '-o', out],
      'token',
    );
    expect((await readFile(out)).equals(binary.bytes)).toBe(true);
  }, 90_000);

  it('stores a python SDK scope attachment and returns the same bytes', async () => {
    const sent = await client('/usr/bin/python3', 'python_attachments.py');
    const eventId = String(sent.eventId);
    const [row] = await attachmentsOf(eventId, 1);
    expect(row).toMatchObject({ name: 'dump.bin', mimetype: 'application/x-custom', size: 2048 });
    const { bytes } = await download(eventId, row!.id);
    expect(bytes.equals(Buffer.from(String(sent.data), 'base64'))).toBe(true);
    const issue = (await storedEvent(eventId)).groupID;
    const issueAttachments = (await api(vigil, `/api/0/issues/${String(issue)}/attachments/`)).body as Json[];
    expect(issueAttachments.map((a) => a.id)).toEqual([row!.id]);
  }, 90_000);
});

describe('the minidump endpoint, as crash reporters post to it', () => {
  const DUMP = buildMinidump();
  const minidumpUrl = (): string => `${vigil.url}/api/1/minidump/?sentry_key=${publicKey}`;

  /** Posts a crash, checks the reply is a hyphenated UUID, and returns the event id (32 hex). */
  async function postCrash(body: Buffer | FormData, headers: Record<string, string> = {}): Promise<string> {
    const res = await fetch(minidumpUrl(), { method: 'POST', body, headers });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
    return text.replace(/-/g, '');
  }

  it('turns a raw minidump into a fatal native error event with the dump attached', async () => {
    const eventId = await postCrash(DUMP, { 'content-type': 'application/octet-stream' });
    const event = await storedEvent(eventId);
    // Sentry titles an event whose only exception is synthetic by its crashing function; a dump
    // without symbols has none, so the title is Sentry's `<unknown>` and the crash reason shows in
    // the exception entry.
    expect(event).toMatchObject({ platform: 'native', title: '<unknown>' });
    expect(event.tags).toEqual(expect.arrayContaining([{ key: 'level', value: 'fatal' }]));
    const entries = JSON.stringify(event.entries);
    expect(entries).toContain('"type":"SIGSEGV"');
    expect(entries).toContain('Fatal Error: SIGSEGV');
    expect(entries).toContain('"synthetic":true');
    const [row] = await attachmentsOf(eventId, 1);
    expect(row).toMatchObject({ type: 'event.minidump', name: 'Minidump', size: DUMP.length });
    expect((await download(eventId, row!.id)).bytes.equals(DUMP)).toBe(true);
    const issue = (
      await api(vigil, `/api/0/issues/${String(event.groupID)}/attachments/?types=event.minidump`)
    ).body as Json[];
    expect(issue.map((a) => a.id)).toEqual([row!.id]);
  }, 60_000);

  it('takes a multipart upload with Sentry form fields and other files', async () => {
    const form = new FormData();
    form.append('upload_file_minidump', new Blob([zlib.gzipSync(DUMP)]), 'crash.dmp.gz');
    form.append('sentry[release]', 'native-app@2.1');
    form.append('sentry[tags][channel]', 'beta');
    form.append('app.log', new Blob(['last log lines\n'], { type: 'text/plain' }), 'app.log');
    const eventId = await postCrash(form);
    const event = await storedEvent(eventId);
    expect(event.release).toMatchObject({ version: 'native-app@2.1' });
    expect(event.tags).toEqual(expect.arrayContaining([{ key: 'channel', value: 'beta' }]));
    const rows = await attachmentsOf(eventId, 2);
    const byName = Object.fromEntries(rows.map((r) => [String(r.name), r]));
    expect(byName['crash.dmp']).toMatchObject({ type: 'event.minidump', size: DUMP.length });
    expect(byName['app.log']).toMatchObject({ type: 'event.attachment', mimetype: 'text/plain' });
    expect((await download(eventId, byName['crash.dmp']!.id)).bytes.equals(DUMP)).toBe(true);
  }, 60_000);

  for (const tool of ['xz', 'bzip2', 'zstd']) {
    it(`unwraps a ${tool}-compressed minidump`, async () => {
      if (!existsSync(`/usr/bin/${tool}`)) {
        console.warn(`skipped: /usr/bin/${tool} is not installed, cannot build a ${tool} container`);
        return;
      }
      const packed = execFileSync(`/usr/bin/${tool}`, ['-c'], { input: DUMP });
      const eventId = await postCrash(packed, { 'content-type': 'application/x-dmp' });
      const [row] = await attachmentsOf(eventId, 1);
      expect((await download(eventId, row!.id)).bytes.equals(DUMP)).toBe(true);
    }, 60_000);
  }

  it("answers Relay's 400s for what is not a minidump", async () => {
    const invalid = await fetch(minidumpUrl(), {
      method: 'POST',
      body: 'not a dump',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect([invalid.status, await invalid.json()]).toEqual([400, { detail: 'invalid minidump' }]);
    const form = new FormData();
    form.append('other', new Blob([DUMP]), 'x.dmp');
    const missing = await fetch(minidumpUrl(), { method: 'POST', body: form });
    expect([missing.status, await missing.json()]).toEqual([400, { detail: 'missing minidump' }]);
  });
});

describe('the attachment upload endpoint', () => {
  it('stores every file part as an attachment of the event and answers 201', async () => {
    const eventId = '5e1f'.repeat(8);
    const form = new FormData();
    form.append('first', new Blob([Buffer.from([0, 255, 1, 254])]), 'first.bin');
    form.append('second', new Blob(['{"a":1}'], { type: 'application/json' }), 'second.json');
    const res = await fetch(`${vigil.url}/api/1/events/${eventId}/attachments/?sentry_key=${publicKey}`, {
      method: 'POST',
      body: form,
    });
    expect(res.status).toBe(201);
    // Parts of one upload share a timestamp, so the list does not promise their order.
    const rows = (await attachmentsOf(eventId, 2)).sort((a, b) =>
      String(a.name).localeCompare(String(b.name)),
    );
    expect(rows.map((r) => [r.name, r.mimetype, r.size])).toEqual([
      ['first.bin', 'application/octet-stream', 4],
      ['second.json', 'application/json', 7],
    ]);
    expect((await download(eventId, rows[0]!.id)).bytes.toString('hex')).toBe('00ff01fe');
  }, 60_000);
});
