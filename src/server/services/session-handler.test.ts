import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptedEnvelope, EnvelopeQueue } from '../ingest/index.js';
import { bootstrap, openMetadataStore, type MetadataStore } from '../../storage/metadata/index.js';
import type { BatchSink } from '../../storage/clickhouse/index.js';
import { EnvelopeProcessor } from './envelope-processor.js';
import { OutcomeCounter } from './outcome-counter.js';
import { ProcessingPool } from './processing-pool.js';
import { SessionItemHandler } from './session-handler.js';
import { DEFAULT_PROJECT_CONFIG, parseProjectConfig } from '../../processing/project-config/index.js';

const logger = pino({ level: 'silent' });
const NOW = Date.now() / 1000;
let dir: string;
let metadata: MetadataStore;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-session-handler-'));
  metadata = await openMetadataStore({ dataDir: dir });
  await bootstrap(metadata);
});

afterAll(async () => {
  await metadata?.close();
  rmSync(dir, { recursive: true, force: true });
});

function envelope(items: Array<{ type: string; payload: unknown }>, sentAt?: string): AcceptedEnvelope {
  return {
    envelope: {
      headers: sentAt ? { sent_at: sentAt } : {},
      items: items.map((i) => ({
        headers: { type: i.type },
        payload: Buffer.from(JSON.stringify(i.payload)),
      })),
    },
    projectId: 1,
    organizationId: 1,
    keyId: 1,
    publicKey: '0'.repeat(32),
    meta: { receivedAt: NOW, clientIp: '198.51.100.4', client: 'sentry.javascript.node/11.11.0' },
    sizeBytes: 100,
    config: DEFAULT_PROJECT_CONFIG,
  };
}

const started = new Date((NOW - 60) * 1000).toISOString();
const update = {
  sid: '805ee8e3974148298f71490aa9a60cb2',
  init: true,
  started,
  status: 'crashed',
  did: 'u1',
  attrs: { release: 'app@1.0', environment: 'e2e', ip_address: '{{auto}}' },
};
const aggregates = {
  aggregates: [{ started, exited: 3, errored: 1 }],
  attrs: { release: 'app@1.0' },
};

function setup(pushResults: boolean[] = []) {
  const pushed: string[][] = [];
  const sink = {
    push: (rows: readonly string[]) => {
      const accept = pushResults.length > 0 ? pushResults.shift()! : true;
      if (accept) pushed.push([...rows]);
      return accept;
    },
  };
  const handler = new SessionItemHandler({ sink, logger });
  const outcomes = new OutcomeCounter();
  const processor = new EnvelopeProcessor({
    queue: {} as EnvelopeQueue,
    metadata,
    eventSink: { push: () => true } as unknown as BatchSink<string>,
    handlers: { session: handler, sessions: handler },
    outcomes,
    pool: new ProcessingPool(logger, 0),
    logger,
  });
  return { pushed, processor, outcomes };
}

describe('SessionItemHandler in the processing loop', () => {
  it('stores the rows of session and sessions items, in one push per batch, without outcomes', async () => {
    const { pushed, processor, outcomes } = setup();
    await processor.processBatch([
      envelope([{ type: 'session', payload: update }]),
      envelope([
        { type: 'sessions', payload: aggregates },
        { type: 'session', payload: { ...update, attrs: { release: 'latest' } } },
      ]),
    ]);
    expect(pushed).toHaveLength(1);
    const rows = pushed[0]!.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((r) => [r.status, r.quantity, r.aggregate])).toEqual([
      ['crashed', 1, 0],
      ['exited', 3, 1],
      ['errored', 1, 1],
    ]);
    expect(rows[0]).toMatchObject({
      project_id: 1,
      session_id: '805ee8e3-9741-4829-8f71-490aa9a60cb2',
      distinct_id: 'u1',
      errors: 1,
      ip_address: '198.51.100.4',
      sdk: 'sentry.javascript.node/11.11.0',
      started: new Date((NOW - 60) * 1000).toISOString().replace('T', ' ').replace('Z', ''),
    });
    // Sessions never produce outcomes, not even for the dropped `latest` release.
    expect(outcomes.total('accepted')).toBe(0);
    expect(outcomes.total('invalid')).toBe(0);
  });

  it('drops sessions the inbound filters match, without outcomes; {{auto}} never looks local', async () => {
    const { pushed, processor, outcomes } = setup();
    const parsed = parseProjectConfig({
      filterSettings: {
        releases: { releases: ['app@2.*'] },
        localhost: { isEnabled: true },
        webCrawlers: { isEnabled: true },
      },
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const filtering = (items: Array<{ type: string; payload: unknown }>) => {
      const accepted = { ...envelope(items), config: parsed.config };
      accepted.meta = { ...accepted.meta, clientIp: '127.0.0.1' };
      return accepted;
    };
    await processor.processBatch([
      filtering([{ type: 'session', payload: { ...update, attrs: { release: 'app@2.0' } } }]),
      filtering([
        { type: 'sessions', payload: { ...aggregates, attrs: { release: 'app@1.0', ip_address: '::1' } } },
      ]),
      filtering([
        { type: 'session', payload: { ...update, attrs: { release: 'app@1.0', user_agent: 'Googlebot' } } },
      ]),
      // Sent from localhost, but `{{auto}}` is not resolved when Relay filters.
      filtering([{ type: 'session', payload: update }]),
    ]);
    expect(pushed.flat().map((line) => (JSON.parse(line) as { ip_address: string }).ip_address)).toEqual([
      '127.0.0.1',
    ]);
    expect(outcomes.total('filtered')).toBe(0);
  });

  it('waits while the sink is full and then pushes the rows once', async () => {
    const { pushed, processor } = setup([false, false, true]);
    await processor.processBatch([envelope([{ type: 'session', payload: update }])]);
    expect(pushed).toHaveLength(1);
    expect(pushed[0]).toHaveLength(1);
    // Nothing left over for the next batch.
    await processor.processBatch([envelope([{ type: 'sessions', payload: aggregates }])]);
    expect(pushed[1]).toHaveLength(2);
  });

  it('applies clock drift from the envelope sent_at', async () => {
    const { pushed, processor } = setup();
    const twoHoursBehind = new Date((NOW - 7200) * 1000).toISOString();
    const drifted = {
      ...update,
      started: new Date((NOW - 7260) * 1000).toISOString(),
      timestamp: new Date((NOW - 7200) * 1000).toISOString(),
    };
    await processor.processBatch([envelope([{ type: 'session', payload: drifted }], twoHoursBehind)]);
    const row = JSON.parse(pushed[0]![0]!) as { started: string };
    expect(Date.parse(`${row.started.replace(' ', 'T')}Z`) / 1000).toBeCloseTo(NOW - 60, 2);
  });
});
