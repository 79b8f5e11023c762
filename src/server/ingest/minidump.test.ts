import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import zlib from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import { buildMinidump } from '../../../tests/helpers/minidump.js';
import { attachmentRoutes } from './attachments.js';
import { minidumpRoutes } from './minidump.js';
import {
  closeHarnesses,
  ingestHarness,
  TEST_KEY as KEY,
  TEST_PROJECT as PROJECT,
  type HarnessOptions,
} from './test-harness.js';

afterEach(closeHarnesses);

const QUERY = `?sentry_key=${KEY}`;
const DUMP = buildMinidump({ timestamp: 1_700_000_000 });

/** A multipart body of `parts` ([field, value, filename?]) and its content type. */
function multipart(parts: Array<[string, Buffer | string, string?]>): { body: Buffer; type: string } {
  const boundary = '----vigil-test-boundary';
  const chunks: Buffer[] = [];
  for (const [name, value, filename] of parts) {
    const disposition = `form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}`;
    const type = filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(Buffer.isBuffer(value) ? value : Buffer.from(value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

/** `data` compressed by the Debian CLI `tool` (`zstd`, `xz`, `bzip2`), or undefined when it is not installed. */
function compressWith(tool: string, data: Buffer): Buffer | undefined {
  if (!existsSync(`/usr/bin/${tool}`)) return undefined;
  return execFileSync(`/usr/bin/${tool}`, ['-c'], { input: data });
}

const minidumpHarness = (options: HarnessOptions = {}) => ingestHarness(minidumpRoutes, options);

describe('POST /api/{project}/minidump/', () => {
  it('takes a raw dump, answers the hyphenated event id and queues the crash event with the dump', async () => {
    const { app, accepted } = await minidumpHarness();
    const res = await app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/minidump/${QUERY}`,
      headers: { 'content-type': 'application/x-dmp' },
      payload: DUMP,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const envelope = accepted[0]!.envelope;
    expect(envelope.headers.event_id).toBe(res.body.replace(/-/g, ''));
    expect(
      envelope.items.map((i) => [i.headers.type, i.headers.attachment_type, i.headers.filename]),
    ).toEqual([
      ['event', undefined, undefined],
      ['attachment', 'event.minidump', 'Minidump'],
    ]);
    expect(envelope.items[1]!.payload.equals(DUMP)).toBe(true);
    expect(JSON.parse(envelope.items[0]!.payload.toString())).toMatchObject({
      platform: 'native',
      level: 'fatal',
      exception: { values: [{ type: 'SIGSEGV', mechanism: { type: 'minidump', handled: false } }] },
    });
  });

  it('takes a multipart upload with Sentry fields, msgpack event and extra files', async () => {
    const { app, accepted } = await minidumpHarness();
    const { body, type } = multipart([
      ['upload_file_minidump', zlib.gzipSync(DUMP), 'crash.dmp.gz'],
      ['__sentry-event', Buffer.from(encode({ event_id: 'cd'.repeat(16), message: 'boom' })), 'event.mp'],
      ['sentry[release]', 'app@3'],
      ['log', 'last lines', 'app.log'],
    ]);
    const res = await app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/minidump${QUERY}`,
      headers: { 'content-type': type },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('cdcdcdcd-cdcd-cdcd-cdcd-cdcdcdcdcdcd');
    const items = accepted[0]!.envelope.items;
    expect(items.map((i) => [i.headers.attachment_type ?? i.headers.type, i.headers.filename])).toEqual([
      ['event', undefined],
      ['event.minidump', 'crash.dmp'],
      ['event.attachment', 'app.log'],
    ]);
    expect(items[1]!.payload.equals(DUMP)).toBe(true);
    expect(JSON.parse(items[0]!.payload.toString())).toMatchObject({ message: 'boom', release: 'app@3' });
  });

  for (const tool of ['zstd', 'xz', 'bzip2']) {
    it(`unwraps a ${tool} container by its magic bytes`, async () => {
      const packed = compressWith(tool, DUMP);
      if (packed === undefined) {
        console.warn(`skipped: /usr/bin/${tool} is not installed`);
        return;
      }
      const { app, accepted } = await minidumpHarness();
      const res = await app.inject({
        method: 'POST',
        url: `/api/${PROJECT}/minidump/${QUERY}`,
        headers: { 'content-type': 'application/octet-stream' },
        payload: packed,
      });
      expect(res.statusCode).toBe(200);
      expect(accepted[0]!.envelope.items[1]!.payload.equals(DUMP)).toBe(true);
    });
  }

  it("rejects what is not a minidump with Relay's errors", async () => {
    const { app, accepted } = await minidumpHarness({ limits: { maxAttachmentSize: 4096 } });
    const post = (payload: Buffer, type: string) =>
      app.inject({
        method: 'POST',
        url: `/api/${PROJECT}/minidump/${QUERY}`,
        headers: { 'content-type': type },
        payload,
      });
    const invalid = await post(Buffer.from('not a dump'), 'application/octet-stream');
    expect([invalid.statusCode, invalid.json()]).toEqual([400, { detail: 'invalid minidump' }]);
    const noField = multipart([['other', DUMP, 'x.dmp']]);
    const missing = await post(noField.body, noField.type);
    expect([missing.statusCode, missing.json()]).toEqual([400, { detail: 'missing minidump' }]);
    const corrupt = await post(Buffer.from([0x1f, 0x8b, 1, 2, 3, 4]), 'application/octet-stream');
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json()).toMatchObject({ detail: 'invalid compression container' });
    const bomb = await post(
      zlib.gzipSync(Buffer.concat([DUMP, Buffer.alloc(100_000)])),
      'application/octet-stream',
    );
    expect(bomb.statusCode).toBe(413);
    expect(bomb.json().detail).toContain("'attachment:minidump'");
    const notMultipart = await post(DUMP, 'text/plain');
    expect([notMultipart.statusCode, notMultipart.json().detail]).toEqual([400, 'invalid multipart data']);
    const noAuth = await app.inject({ method: 'POST', url: `/api/${PROJECT}/minidump/`, payload: DUMP });
    expect(noAuth.statusCode).toBe(401);
    expect(accepted).toHaveLength(0);
  });
});

describe('POST /api/{project}/events/{event_id}/attachments/', () => {
  const EVENT = '0123456789abcdef0123456789abcdef';

  it('queues every file part as an attachment of the event and answers 201', async () => {
    const { app, accepted } = await ingestHarness(attachmentRoutes);
    const { body, type } = multipart([
      ['a', Buffer.from([0, 1, 2, 255]), 'a.bin'],
      ['note', 'a plain field is not a file'],
      ['b', 'second', 'b.txt'],
    ]);
    const res = await app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/events/${EVENT}/attachments/${QUERY}`,
      headers: { 'content-type': type },
      payload: body,
    });
    expect(res.statusCode).toBe(201);
    const envelope = accepted[0]!.envelope;
    expect(envelope.headers.event_id).toBe(EVENT);
    expect(
      envelope.items.map((i) => [i.headers.filename, i.headers.attachment_type, i.payload.toString('hex')]),
    ).toEqual([
      ['a.bin', 'event.attachment', '000102ff'],
      ['b.txt', 'event.attachment', Buffer.from('second').toString('hex')],
    ]);
  });

  it("answers Relay's errors for a bad event id, a bad body and too many bytes", async () => {
    const { app, accepted } = await ingestHarness(attachmentRoutes, { limits: { maxAttachmentSize: 8 } });
    const { body, type } = multipart([['a', 'much more than eight bytes', 'a.txt']]);
    const post = (eventId: string, payload: Buffer, contentType: string) =>
      app.inject({
        method: 'POST',
        url: `/api/${PROJECT}/events/${eventId}/attachments/${QUERY}`,
        headers: { 'content-type': contentType },
        payload,
      });
    expect((await post('nope', body, type)).json()).toEqual({ detail: 'invalid event id' });
    expect((await post(EVENT, Buffer.from('x'), 'text/plain')).statusCode).toBe(400);
    const tooLarge = await post(EVENT, body, type);
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().detail).toContain("'attachment:attachment'");
    expect(accepted).toHaveLength(0);
  });
});
