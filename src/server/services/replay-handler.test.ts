import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../protocol/outcome.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { AcceptedEnvelope } from '../ingest/index.js';
import { acceptedEnvelope } from './test-envelope.js';
import { parseProjectConfig } from '../../processing/project-config/index.js';
import { ReplayItemHandler } from './replay-handler.js';

const REPLAY_ID = 'ab'.repeat(16);
const RECEIVED = 1_740_830_400;

function item(type: string, payload: string): EnvelopeItem {
  const bytes = Buffer.from(payload);
  return { headers: { type, length: bytes.length }, payload: bytes };
}

const EVENT = JSON.stringify({
  replay_id: REPLAY_ID,
  segment_id: 0,
  timestamp: RECEIVED,
  urls: ['http://x/'],
});
const CLICK = {
  type: 5,
  timestamp: 1,
  data: {
    tag: 'breadcrumb',
    payload: {
      category: 'ui.click',
      timestamp: RECEIVED,
      data: { node: { id: 3, tagName: 'button', textContent: 'Go' } },
    },
  },
};
const RECORDING = `{"segment_id":0}\n${JSON.stringify([{ type: 4, timestamp: 1, data: {} }, CLICK])}`;

/** The scoping of {@link envelope}'s default envelope. */
const scoping = { organizationId: 1, projectId: 5, keyId: 1 };

function envelope(items: EnvelopeItem[], projectId = 5, keyId = 1): AcceptedEnvelope {
  return acceptedEnvelope({
    headers: { event_id: REPLAY_ID },
    items,
    projectId,
    keyId,
    meta: { receivedAt: RECEIVED, clientIp: '198.51.100.4' },
  });
}

function setup(): {
  handler: ReplayItemHandler;
  rows: string[];
  recordings: string[];
  outcomes: Outcome[];
  full: { value: boolean };
} {
  const rows: string[] = [];
  const recordings: string[] = [];
  const outcomes: Outcome[] = [];
  const full = { value: false };
  const handler = new ReplayItemHandler({
    sink: { push: (lines) => (rows.push(...lines), true) },
    recordingSink: { push: (lines) => (full.value ? false : (recordings.push(...lines), true)) },
    outcomes: { record: (o) => outcomes.push(o) },
  });
  return { handler, rows, recordings, outcomes, full };
}

describe('ReplayItemHandler', () => {
  it('processes an envelope once (on its first replay item) and stores segment, click and recording rows', async () => {
    const { handler, rows, recordings, outcomes } = setup();
    const accepted = envelope([item('replay_event', EVENT), item('replay_recording', RECORDING)]);
    for (const i of accepted.envelope.items) handler.handle(accepted, i);
    expect(outcomes).toEqual([]);
    await handler.flush();
    expect(rows.map((r) => JSON.parse(r) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ project_id: 5, replay_id: REPLAY_ID, segment_id: 0, urls: ['http://x/'] }),
      expect.objectContaining({
        replay_id: REPLAY_ID,
        segment_id: null,
        click_tag: 'button',
        click_text: 'Go',
      }),
    ]);
    expect(recordings.map((r) => JSON.parse(r) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ replay_id: REPLAY_ID, segment_id: 0, video: '' }),
    ]);
    expect(outcomes).toEqual([
      { outcome: 'accepted', reason: null, category: 'replay', quantity: 2, scoping },
    ]);
    await handler.flush();
    expect(outcomes).toHaveLength(1);
  });

  it('prepares the envelope on its first replay item, which carries the quantity left for quotas', async () => {
    const { handler, rows, outcomes } = setup();
    const accepted = envelope([item('replay_event', EVENT), item('replay_recording', RECORDING)]);
    const [first, second] = accepted.envelope.items.map((i) => handler.prepare(accepted, i));
    expect(first).toMatchObject({ kept: true, quantities: [['replay', 2]] });
    expect(second).toMatchObject({ kept: true, quantities: [['replay', 0]] });
    expect(rows).toEqual([]);
    await handler.flush();
    expect(rows).toEqual([]); // nothing before commit
    if (second?.kept) second.commit();
    if (first?.kept) first.commit();
    await handler.flush();
    expect(rows).toHaveLength(2);
    expect(outcomes).toEqual([
      { outcome: 'accepted', reason: null, category: 'replay', quantity: 2, scoping },
    ]);
  });

  it("drops a filtered replay event with its recording, with the filter's stat key", () => {
    const { handler, outcomes } = setup();
    const parsed = parseProjectConfig({ filterSettings: { releases: { releases: ['*-beta'] } } });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const beta = JSON.stringify({ ...(JSON.parse(EVENT) as object), release: 'app@1.0.0-beta' });
    const accepted = {
      ...envelope([item('replay_event', beta), item('replay_recording', RECORDING)]),
      config: parsed.config,
    };
    const prepared = accepted.envelope.items.map((i) => handler.prepare(accepted, i));
    expect(prepared).toEqual([{ kept: false }, { kept: false }]);
    expect(outcomes).toEqual([
      { outcome: 'filtered', reason: 'release-version', category: 'replay', quantity: 2, scoping },
    ]);
  });

  it('records drops at once in category replay', () => {
    const { handler, outcomes } = setup();
    const accepted = envelope([item('replay_event', EVENT)]);
    handler.handle(accepted, accepted.envelope.items[0]!);
    expect(outcomes).toEqual([
      {
        outcome: 'invalid',
        reason: 'invalid_replay_missing_recording',
        category: 'replay',
        quantity: 1,
        scoping,
      },
    ]);
  });

  it('waits for a full sink and stores nothing twice', async () => {
    const { handler, rows, recordings, outcomes, full } = setup();
    const accepted = envelope([item('replay_event', EVENT), item('replay_recording', RECORDING)]);
    handler.handle(accepted, accepted.envelope.items[0]!);
    full.value = true;
    const flushing = handler.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(recordings).toEqual([]);
    full.value = false;
    await flushing;
    expect(recordings).toHaveLength(1);
    expect(rows).toHaveLength(2);
    expect(outcomes).toEqual([
      { outcome: 'accepted', reason: null, category: 'replay', quantity: 2, scoping },
    ]);
  });

  it('records the outcomes of a batch per project and key, each with its own scoping', async () => {
    const { handler, outcomes } = setup();
    const complete = (projectId: number, keyId: number) =>
      envelope([item('replay_event', EVENT), item('replay_recording', RECORDING)], projectId, keyId);
    for (const accepted of [complete(6, 2), complete(5, 1), complete(6, 2), complete(5, 4)]) {
      handler.handle(accepted, accepted.envelope.items[0]!);
    }
    const broken = envelope([item('replay_event', EVENT)], 7, 3);
    handler.handle(broken, broken.envelope.items[0]!);
    await handler.flush();
    const reason = 'invalid_replay_missing_recording';
    const scope = (projectId: number, keyId: number) => ({ organizationId: 1, projectId, keyId });
    expect(outcomes).toEqual([
      { outcome: 'invalid', reason, category: 'replay', quantity: 1, scoping: scope(7, 3) },
      { outcome: 'accepted', reason: null, category: 'replay', quantity: 4, scoping: scope(6, 2) },
      { outcome: 'accepted', reason: null, category: 'replay', quantity: 2, scoping: scope(5, 1) },
      { outcome: 'accepted', reason: null, category: 'replay', quantity: 2, scoping: scope(5, 4) },
    ]);
  });
});
