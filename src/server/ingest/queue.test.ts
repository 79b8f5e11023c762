import { describe, it, expect } from 'vitest';
import { EnvelopeQueue } from './queue.js';
import type { AcceptedEnvelope } from './types.js';
import { DEFAULT_PROJECT_CONFIG } from '../../processing/project-config/index.js';

function accepted(id: number, sizeBytes = 10): AcceptedEnvelope {
  return {
    envelope: { headers: { event_id: id.toString(16).padStart(32, '0') }, items: [] },
    projectId: 1,
    organizationId: 1,
    keyId: 1,
    publicKey: 'a'.repeat(32),
    meta: { receivedAt: 0, clientIp: '127.0.0.1' },
    sizeBytes,
    config: DEFAULT_PROJECT_CONFIG,
  };
}

const ids = (list: AcceptedEnvelope[]): Array<string | undefined> =>
  list.map((e) => e.envelope.headers.event_id);

describe('EnvelopeQueue', () => {
  it('is bounded by the number of envelopes', () => {
    const queue = new EnvelopeQueue({ maxEnvelopes: 2, maxBytes: 1_000 });
    expect(queue.push(accepted(1))).toBe(true);
    expect(queue.push(accepted(2))).toBe(true);
    expect(queue.push(accepted(3))).toBe(false);
    expect(queue.size).toBe(2);
    expect(queue.bytes).toBe(20);
  });

  it('is bounded by bytes', () => {
    const queue = new EnvelopeQueue({ maxEnvelopes: 100, maxBytes: 25 });
    expect(queue.push(accepted(1, 10))).toBe(true);
    expect(queue.push(accepted(2, 10))).toBe(true);
    expect(queue.push(accepted(3, 10))).toBe(false);
    expect(queue.push(accepted(4, 5))).toBe(true);
    expect(queue.bytes).toBe(25);
    expect(queue.size).toBe(3);
  });

  it('isFull says whether any further push would be refused', () => {
    const byCount = new EnvelopeQueue({ maxEnvelopes: 1, maxBytes: 1_000 });
    expect(byCount.isFull).toBe(false);
    byCount.push(accepted(1));
    expect(byCount.isFull).toBe(true);
    byCount.take(1);
    expect(byCount.isFull).toBe(false);
    const byBytes = new EnvelopeQueue({ maxEnvelopes: 100, maxBytes: 20 });
    byBytes.push(accepted(1, 10));
    expect(byBytes.isFull).toBe(false);
    byBytes.push(accepted(2, 10));
    expect(byBytes.isFull).toBe(true);
    const closed = new EnvelopeQueue({ maxEnvelopes: 1, maxBytes: 1 });
    closed.close();
    expect(closed.isFull).toBe(true);
  });

  it('accepts one envelope larger than maxBytes only into an empty queue', () => {
    const queue = new EnvelopeQueue({ maxEnvelopes: 10, maxBytes: 100 });
    expect(queue.push(accepted(1, 500))).toBe(true);
    expect(queue.push(accepted(2, 1))).toBe(false);
    expect(queue.take(10)).toHaveLength(1);
    expect(queue.bytes).toBe(0);
    expect(queue.push(accepted(3, 1))).toBe(true);
    expect(queue.push(accepted(4, 500))).toBe(false);
  });

  it('pushAll queues a whole group or nothing', () => {
    const queue = new EnvelopeQueue({ maxEnvelopes: 3, maxBytes: 100 });
    expect(queue.pushAll([accepted(1, 200), accepted(2, 200)])).toBe(true); // empty queue: bytes not checked
    expect(queue.pushAll([accepted(3), accepted(4)])).toBe(false); // 4 envelopes > 3
    expect(queue.pushAll([accepted(3)])).toBe(false); // bytes
    expect(queue.size).toBe(2);
    expect(ids(queue.take(10))).toEqual([accepted(1), accepted(2)].map((e) => e.envelope.headers.event_id));
    expect(queue.pushAll([accepted(3, 50), accepted(4, 50)])).toBe(true);
    expect(queue.bytes).toBe(100);
    queue.close();
    expect(queue.pushAll([])).toBe(false);
  });

  it('takes in FIFO order, at most max, without waiting', () => {
    const queue = new EnvelopeQueue({ maxEnvelopes: 10, maxBytes: 1_000 });
    for (let i = 1; i <= 5; i++) queue.push(accepted(i, i));
    expect(ids(queue.take(2))).toEqual([
      accepted(1).envelope.headers.event_id,
      accepted(2).envelope.headers.event_id,
    ]);
    expect(queue.size).toBe(3);
    expect(queue.bytes).toBe(3 + 4 + 5);
    expect(ids(queue.take(10))).toEqual([3, 4, 5].map((i) => accepted(i).envelope.headers.event_id));
    expect(queue.take(10)).toEqual([]);
    expect(queue.take(0)).toEqual([]);
    expect(queue.bytes).toBe(0);
  });

  it('frees capacity as envelopes are taken', () => {
    const queue = new EnvelopeQueue({ maxEnvelopes: 1, maxBytes: 1_000 });
    expect(queue.push(accepted(1))).toBe(true);
    expect(queue.push(accepted(2))).toBe(false);
    queue.take(1);
    expect(queue.push(accepted(2))).toBe(true);
  });

  it('keeps order across many pushes and takes (compaction)', () => {
    const queue = new EnvelopeQueue({ maxEnvelopes: 10_000, maxBytes: 1e9 });
    let next = 0;
    const seen: number[] = [];
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 700; i++) queue.push(accepted(next++, 1));
      for (const e of queue.take(500)) seen.push(Number.parseInt(e.envelope.headers.event_id ?? '', 16));
    }
    for (const e of queue.take(100_000)) seen.push(Number.parseInt(e.envelope.headers.event_id ?? '', 16));
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(queue.size).toBe(0);
    expect(queue.bytes).toBe(0);
  });

  it('waitForWork resolves at once when work is queued', async () => {
    const queue = new EnvelopeQueue({ maxEnvelopes: 10, maxBytes: 1_000 });
    queue.push(accepted(1));
    await expect(queue.waitForWork()).resolves.toBeUndefined();
  });

  it('waitForWork wakes every waiter on push', async () => {
    const queue = new EnvelopeQueue({ maxEnvelopes: 10, maxBytes: 1_000 });
    let woken = 0;
    const waits = [queue.waitForWork(), queue.waitForWork()].map((p) => p.then(() => woken++));
    await Promise.resolve();
    expect(woken).toBe(0);
    queue.push(accepted(1));
    await Promise.all(waits);
    expect(woken).toBe(2);
  });

  it('waitForWork wakes on close and on abort', async () => {
    const queue = new EnvelopeQueue({ maxEnvelopes: 10, maxBytes: 1_000 });
    const controller = new AbortController();
    let aborted = false;
    const waiting = queue.waitForWork(controller.signal).then(() => (aborted = true));
    await Promise.resolve();
    expect(aborted).toBe(false);
    controller.abort();
    await waiting;
    expect(aborted).toBe(true);
    expect(queue.size).toBe(0);

    let closed = false;
    const onClose = queue.waitForWork().then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    queue.close();
    await onClose;
    expect(closed).toBe(true);
    await expect(queue.waitForWork()).resolves.toBeUndefined();
  });

  it('close stops accepting but keeps queued envelopes takeable (drain)', () => {
    const queue = new EnvelopeQueue({ maxEnvelopes: 10, maxBytes: 1_000 });
    queue.push(accepted(1));
    queue.push(accepted(2));
    queue.close();
    queue.close();
    expect(queue.closed).toBe(true);
    expect(queue.push(accepted(3))).toBe(false);
    expect(queue.take(10)).toHaveLength(2);
    expect(queue.size).toBe(0);
  });

  it('rejects non-positive bounds', () => {
    expect(() => new EnvelopeQueue({ maxEnvelopes: 0, maxBytes: 1 })).toThrow(RangeError);
    expect(() => new EnvelopeQueue({ maxEnvelopes: 1, maxBytes: Number.NaN })).toThrow(RangeError);
  });
});
