import { beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../protocol/outcome.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { AcceptedEnvelope } from '../ingest/index.js';
import { acceptedEnvelope } from './test-envelope.js';
import { AttachmentItemHandler } from './attachment-handler.js';
import { ProfileItemHandler } from './profile-handler.js';

let outcomes: Outcome[];
let rows: string[];

beforeEach(() => {
  outcomes = [];
  rows = [];
});

const deps = () => ({
  sink: { push: (lines: readonly string[]) => (rows.push(...lines), true) },
  outcomes: { record: (o: Outcome) => outcomes.push(o) },
});

function accepted(
  items: EnvelopeItem[],
  eventId: string | null = 'ab'.repeat(16),
  projectId = 4,
): AcceptedEnvelope {
  return acceptedEnvelope({
    headers: eventId === null ? {} : { event_id: eventId },
    items,
    projectId,
    meta: { receivedAt: 1_700_000_000 },
  });
}

/** The scoping of {@link accepted}'s default envelope, and of one of project 9. */
const scoping = { organizationId: 1, projectId: 4, keyId: 1 };
const other = { organizationId: 1, projectId: 9, keyId: 1 };

const chunkItem = (platform: string, payload: unknown): EnvelopeItem => ({
  headers: { type: 'profile_chunk', platform },
  payload: Buffer.from(JSON.stringify(payload)),
});
const chunk = (platform: string) => ({
  chunk_id: 'dd'.repeat(16),
  profiler_id: 'ee'.repeat(16),
  platform,
  version: '2',
  profile: {
    frames: [{}],
    stacks: [[0]],
    samples: [
      { stack_id: 0, thread_id: '1', timestamp: 1 },
      { stack_id: 0, thread_id: '1', timestamp: 2 },
    ],
  },
});

describe('ProfileItemHandler', () => {
  it('stores valid chunks and counts each in its platform category; malformed ones do not affect them', async () => {
    const handler = new ProfileItemHandler(deps());
    const profile: EnvelopeItem = { headers: { type: 'profile' }, payload: Buffer.from('{"broken"') };
    const envelope = accepted([
      chunkItem('javascript', chunk('javascript')),
      chunkItem('node', chunk('node')),
      profile,
    ]);
    for (const item of envelope.envelope.items) handler.handle(envelope, item);
    handler.handle(envelope, chunkItem('cocoa', { platform: 'cocoa' }));
    expect(outcomes).toEqual([
      { outcome: 'invalid', reason: 'profiling_invalid_json', category: 'profile', quantity: 1, scoping },
      {
        outcome: 'invalid',
        reason: 'profiling_invalid_json',
        category: 'profile_indexed',
        quantity: 1,
        scoping,
      },
      {
        outcome: 'invalid',
        reason: 'profiling_invalid_json',
        category: 'profile_chunk_ui',
        quantity: 1,
        scoping,
      },
    ]);
    await handler.flush();
    expect(rows).toHaveLength(2);
    expect(outcomes.slice(3)).toEqual([
      { outcome: 'accepted', reason: null, category: 'profile_chunk_ui', quantity: 1, scoping },
      { outcome: 'accepted', reason: null, category: 'profile_chunk', quantity: 1, scoping },
    ]);
  });

  it('records the accepted outcomes of a batch per project, each with its own scoping', async () => {
    const handler = new ProfileItemHandler(deps());
    const node = chunkItem('node', chunk('node'));
    handler.handle(accepted([node]), node);
    handler.handle(accepted([node], null, 9), node);
    handler.handle(accepted([node], null, 9), node);
    await handler.flush();
    expect(rows).toHaveLength(3);
    expect(outcomes).toEqual([
      { outcome: 'accepted', reason: null, category: 'profile_chunk', quantity: 1, scoping },
      { outcome: 'accepted', reason: null, category: 'profile_chunk', quantity: 2, scoping: other },
    ]);
  });
});

describe('AttachmentItemHandler', () => {
  it("stores attachments of the envelope's event and counts bytes and items", async () => {
    const handler = new AttachmentItemHandler(deps());
    const items: EnvelopeItem[] = [
      {
        headers: { type: 'attachment', filename: 'a.txt', content_type: 'text/plain' },
        payload: Buffer.from('hello'),
      },
      { headers: { type: 'attachment', attachment_type: 'event.view_hierarchy' }, payload: Buffer.alloc(0) },
    ];
    const envelope = accepted(items);
    for (const item of items) handler.handle(envelope, item);
    handler.handle(accepted(items, null), items[0]!);
    expect(outcomes).toEqual([
      { outcome: 'invalid', reason: 'no_event_payload', category: 'attachment', quantity: 5, scoping },
      { outcome: 'invalid', reason: 'no_event_payload', category: 'attachment_item', quantity: 1, scoping },
    ]);
    await handler.flush();
    const stored = rows.map((r) => JSON.parse(r) as Record<string, unknown>);
    expect(stored).toMatchObject([
      {
        project_id: 4,
        event_id: 'ab'.repeat(16),
        name: 'a.txt',
        content_type: 'text/plain',
        attachment_type: 'event.attachment',
        size: 5,
        sha1: 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d',
        blob_base64: Buffer.from('hello').toString('base64'),
      },
      {
        name: 'Unnamed Attachment',
        content_type: 'application/octet-stream',
        attachment_type: 'event.view_hierarchy',
        size: 0,
      },
    ]);
    expect(outcomes.slice(2)).toEqual([
      { outcome: 'accepted', reason: null, category: 'attachment', quantity: 6, scoping },
      { outcome: 'accepted', reason: null, category: 'attachment_item', quantity: 2, scoping },
    ]);
  });

  it('records the accepted outcomes of a batch per project, each with its own scoping', async () => {
    const handler = new AttachmentItemHandler(deps());
    const item: EnvelopeItem = { headers: { type: 'attachment' }, payload: Buffer.from('hello') };
    handler.handle(accepted([item], 'cd'.repeat(16), 9), item);
    handler.handle(accepted([item]), item);
    handler.handle(accepted([item], 'cd'.repeat(16), 9), item);
    await handler.flush();
    expect(rows).toHaveLength(3);
    expect(outcomes).toEqual([
      { outcome: 'accepted', reason: null, category: 'attachment', quantity: 10, scoping: other },
      { outcome: 'accepted', reason: null, category: 'attachment_item', quantity: 2, scoping: other },
      { outcome: 'accepted', reason: null, category: 'attachment', quantity: 5, scoping },
      { outcome: 'accepted', reason: null, category: 'attachment_item', quantity: 1, scoping },
    ]);
  });
});
