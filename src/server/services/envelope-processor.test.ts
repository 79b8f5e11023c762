import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptedEnvelope } from '../ingest/index.js';
import { bootstrap, openMetadataStore, type MetadataStore } from '../../storage/metadata/index.js';
import type { BatchSink } from '../../storage/clickhouse/index.js';
import { EnvelopeProcessor } from './envelope-processor.js';
import { OutcomeCounter } from './outcome-counter.js';
import { ProcessingPool } from './processing-pool.js';
import type { EnvelopeQueue } from '../ingest/index.js';

const logger = pino({ level: 'silent' });
let dir: string;
let metadata: MetadataStore;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-processor-'));
  metadata = await openMetadataStore({ dataDir: dir });
  await bootstrap(metadata);
});

afterAll(async () => {
  await metadata?.close();
  rmSync(dir, { recursive: true, force: true });
});

function envelope(...payloads: string[]): AcceptedEnvelope {
  return {
    envelope: {
      headers: { event_id: 'a'.repeat(32) },
      items: payloads.map((p) => ({ headers: { type: 'event' }, payload: Buffer.from(p) })),
    },
    projectId: 1,
    organizationId: 1,
    keyId: 1,
    publicKey: '0'.repeat(32),
    meta: { receivedAt: Date.now() / 1000, clientIp: '127.0.0.1' },
    sizeBytes: 100,
  };
}

function processor() {
  const rows: string[] = [];
  const outcomes = new OutcomeCounter();
  const sink = { push: (r: readonly string[]) => (rows.push(...r), true) } as unknown as BatchSink<string>;
  const p = new EnvelopeProcessor({
    queue: {} as EnvelopeQueue,
    metadata,
    eventSink: sink,
    outcomes,
    pool: new ProcessingPool(logger, 0),
    logger,
  });
  return { p, rows, outcomes };
}

describe('EnvelopeProcessor.processBatch', () => {
  it('stores one event per envelope and rejects the others as duplicate_item', async () => {
    const { p, rows, outcomes } = processor();
    await p.processBatch([envelope('{"message":"first"}', '{"message":"second"}', '{"message":"third"}')]);
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!)).toMatchObject({ event_id: 'a'.repeat(32), message: 'first' });
    expect(outcomes.total('invalid', 'error', 'duplicate_item')).toBe(2);
    expect(outcomes.total('accepted')).toBe(1);
  });

  it('drops invalid JSON and lone surrogate escapes as invalid_json, keeping the rest of the batch', async () => {
    const { p, rows, outcomes } = processor();
    await p.processBatch([
      envelope('{"message": oops}'),
      envelope('{"message":"\\ud800 alone"}'),
      envelope('{"message":"pair \\ud83d\\ude00 ok"}'),
    ]);
    expect(outcomes.total('invalid', 'error', 'invalid_json')).toBe(2);
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!).message).toBe('pair 😀 ok');
  });
});

describe('OutcomeCounter', () => {
  it('keeps reasons that contain colons intact', () => {
    const c = new OutcomeCounter();
    c.record({ outcome: 'invalid', reason: 'too_large:attachment', category: 'attachment', quantity: 3 });
    c.record({ outcome: 'invalid', reason: 'too_large', category: 'attachment', quantity: 1 });
    expect(c.total('invalid', 'attachment', 'too_large:attachment')).toBe(3);
    expect(c.total('invalid', 'attachment', 'too_large')).toBe(1);
    expect(c.total('invalid')).toBe(4);
  });
});
