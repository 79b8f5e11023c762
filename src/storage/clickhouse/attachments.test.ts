import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from './client.js';
import { closeTestStore, openTestStore } from './test-store.js';
import {
  ATTACHMENTS_INPUT_TABLE,
  encodeAttachmentRow,
  getAttachment,
  listAttachments,
  type AttachmentRowInput,
} from './attachments.js';
import { PROFILES_TABLE, encodeProfileRow, getProfilePayload, listProfiles } from './profiles.js';

const NOW = Math.floor(Date.now() / 1000) - 3600;
const EVENT = 'ab'.repeat(16);
const OTHER_EVENT = 'cd'.repeat(16);
// Every byte value, so a lossy (UTF-8) path through JSON would show.
const BINARY = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

let store: ClickHouseStore;

function attachment(overrides: Partial<AttachmentRowInput>): AttachmentRowInput {
  return {
    projectId: 1,
    eventId: EVENT,
    attachmentId: '01'.repeat(16),
    timestamp: NOW,
    name: 'dump.bin',
    contentType: 'application/octet-stream',
    attachmentType: 'event.attachment',
    size: BINARY.length,
    sha1: 'f'.repeat(40),
    data: BINARY,
    ...overrides,
  };
}

beforeAll(async () => {
  store = await openTestStore('attachments');
  await store.insertJsonLines(ATTACHMENTS_INPUT_TABLE, [
    encodeAttachmentRow(attachment({})),
    encodeAttachmentRow(
      attachment({
        attachmentId: '02'.repeat(16),
        timestamp: NOW + 1,
        name: 'log.txt',
        contentType: 'text/plain',
        data: Buffer.from('héllo'),
        size: 6,
      }),
    ),
    // A retried insert of the same attachment stays one attachment.
    encodeAttachmentRow(attachment({})),
    encodeAttachmentRow(
      attachment({ eventId: OTHER_EVENT, attachmentId: '03'.repeat(16), attachmentType: 'event.minidump' }),
    ),
  ]);
  await store.client.command({
    query: `INSERT INTO events (project_id, timestamp, event_id, group_id) VALUES (1, now64(3), '${OTHER_EVENT}', 77)`,
  });
});

afterAll(() => closeTestStore(store));

describe('attachments table', () => {
  it('lists the attachments of an event, oldest first, without duplicates', async () => {
    const list = await listAttachments(store, { projectIds: [1], eventId: EVENT });
    expect(list.map((a) => [a.attachmentId, a.name, a.contentType, a.size])).toEqual([
      ['01'.repeat(16), 'dump.bin', 'application/octet-stream', 512],
      ['02'.repeat(16), 'log.txt', 'text/plain', 6],
    ]);
    expect(await listAttachments(store, { projectIds: [2], eventId: EVENT })).toEqual([]);
    expect(await listAttachments(store, { projectIds: [1], eventId: 'nope' })).toEqual([]);
  });

  it('returns the bytes unchanged, binary included', async () => {
    const binary = await getAttachment(store, 1, EVENT, '01'.repeat(16));
    expect(binary?.data.equals(BINARY)).toBe(true);
    const text = await getAttachment(store, 1, EVENT, '02'.repeat(16));
    expect(text?.data.toString('utf8')).toBe('héllo');
    expect(await getAttachment(store, 1, EVENT, '09'.repeat(16))).toBeNull();
  });

  it('lists the attachments of an issue through its events, filtered by type', async () => {
    const all = await listAttachments(store, { projectIds: [1], groupId: 77 });
    expect(all.map((a) => a.attachmentId)).toEqual(['03'.repeat(16)]);
    expect(
      await listAttachments(store, { projectIds: [1], groupId: 77, types: ['event.attachment'] }),
    ).toEqual([]);
  });
});

describe('profiles table', () => {
  it('stores profiles and chunks with their payloads and lists them newest first', async () => {
    const base = {
      projectId: 1,
      transactionName: '',
      traceId: '',
      release: 'app@1',
      environment: 'prod',
      durationMs: 1000,
      receivedAt: NOW,
    };
    await store.insertJsonLines(PROFILES_TABLE, [
      encodeProfileRow({
        ...base,
        kind: 'profile',
        profileId: '11'.repeat(16),
        profilerId: '',
        transactionId: '22'.repeat(16),
        transactionName: 'GET /',
        traceId: '33'.repeat(16),
        platform: 'python',
        start: NOW,
        end: NOW + 1,
        data: Buffer.from('{"version":"1"}'),
      }),
      encodeProfileRow({
        ...base,
        kind: 'profile_chunk',
        profileId: '44'.repeat(16),
        profilerId: '55'.repeat(16),
        transactionId: '',
        platform: 'javascript',
        start: NOW + 10,
        end: NOW + 11,
        data: Buffer.from('{"version":"2","ü":1}'),
      }),
    ]);
    const all = await listProfiles(store, { projectIds: [1], limit: 10 });
    expect(all.map((p) => [p.kind, p.profileId, p.platform])).toEqual([
      ['profile_chunk', '44'.repeat(16), 'javascript'],
      ['profile', '11'.repeat(16), 'python'],
    ]);
    expect(all[1]).toMatchObject({
      transactionId: '22'.repeat(16),
      traceId: '33'.repeat(16),
      durationMs: 1000,
    });
    const chunks = await listProfiles(store, { projectIds: [1], limit: 10, profilerId: '55'.repeat(16) });
    expect(chunks).toHaveLength(1);
    expect((await getProfilePayload(store, 1, '11'.repeat(16)))?.payload).toBe('{"version":"1"}');
    expect((await getProfilePayload(store, 1, '44'.repeat(16), '55'.repeat(16)))?.payload).toBe(
      '{"version":"2","ü":1}',
    );
    expect(await getProfilePayload(store, 1, '44'.repeat(16))).toBeNull();
  });
});
