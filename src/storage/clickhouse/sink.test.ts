import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClickHouseClient, InsertResult } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouse } from './client.js';
import type { ClickHouseStore } from './client.js';
import { approximateJsonBytes, BatchSink, pushWhenRoom, SinkClosedError } from './sink.js';

interface TestRow {
  id: number;
  v: string;
}

const rowsFrom = (start: number, count: number): TestRow[] =>
  Array.from({ length: count }, (_, i) => ({ id: start + i, v: `row-${start + i}` }));

const INSERTED: InsertResult = { executed: true, query_id: 'fake', response_headers: {} };

/** A client whose inserts are recorded and complete when the test says so. */
function recordingClient() {
  const batches: number[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => undefined;
  const client: Pick<ClickHouseClient, 'insert'> = {
    insert: async (params: { values?: unknown }) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await gate;
        batches.push((params.values as TestRow[]).map((r) => r.id));
        return INSERTED;
      } finally {
        inFlight -= 1;
      }
    },
  };
  return {
    store: { client },
    batches,
    maxInFlight: () => maxInFlight,
    hold: () => {
      gate = new Promise((resolve) => (open = resolve));
    },
    release: () => open(),
  };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('BatchSink (fake client)', () => {
  it('cuts full batches of maxRows with at most one insert in flight', async () => {
    const fake = recordingClient();
    const sink = new BatchSink<TestRow>({ store: fake.store, table: 't', maxRows: 10, maxDelayMs: 60_000 });
    for (let i = 0; i < 25; i += 5) expect(sink.push(rowsFrom(i, 5))).toBe(true);
    await sink.flush();
    expect(fake.batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(fake.batches.flat()).toEqual(rowsFrom(0, 25).map((r) => r.id));
    expect(fake.maxInFlight()).toBe(1);
    expect(sink.pendingRows).toBe(0);
    await sink.close();
  });

  it('cuts batches by approximate size', async () => {
    const fake = recordingClient();
    const sink = new BatchSink<TestRow>({
      store: fake.store,
      table: 't',
      maxBatchBytes: 300,
      maxDelayMs: 60_000,
      estimateBytes: () => 100,
    });
    sink.push(rowsFrom(0, 7));
    await sink.flush();
    expect(fake.batches.map((b) => b.length)).toEqual([3, 3, 1]);
  });

  it('inserts a partial batch after maxDelayMs without a flush', async () => {
    const fake = recordingClient();
    const sink = new BatchSink<TestRow>({ store: fake.store, table: 't', maxDelayMs: 20 });
    sink.push(rowsFrom(0, 3));
    expect(fake.batches).toEqual([]);
    await until(() => fake.batches.length === 1);
    expect(fake.batches[0]).toEqual([0, 1, 2]);
    await sink.close();
  });

  it('refuses rows beyond maxBufferedRows (all or none) until inserts drain', async () => {
    const fake = recordingClient();
    fake.hold();
    const sink = new BatchSink<TestRow>({
      store: fake.store,
      table: 't',
      maxRows: 4,
      maxBufferedRows: 10,
      maxDelayMs: 60_000,
    });
    expect(sink.push(rowsFrom(0, 8))).toBe(true);
    expect(sink.push(rowsFrom(8, 3))).toBe(false);
    expect(sink.push(rowsFrom(8, 2))).toBe(true);
    expect(sink.push(rowsFrom(10, 1))).toBe(false);
    expect(sink.pendingRows).toBe(10);
    fake.release();
    await sink.flush();
    expect(sink.pendingRows).toBe(0);
    expect(fake.batches.flat()).toEqual(rowsFrom(0, 10).map((r) => r.id));
    expect(sink.push(rowsFrom(10, 1))).toBe(true);
    await sink.close();
    expect(sink.push(rowsFrom(11, 1))).toBe(false);
  });

  it('takes a push larger than maxBufferedRows into an empty buffer, so one big batch cannot wedge it', async () => {
    const fake = recordingClient();
    const sink = new BatchSink<TestRow>({ store: fake.store, table: 't', maxRows: 4, maxBufferedRows: 3 });
    expect(sink.push(rowsFrom(0, 5))).toBe(true);
    expect(sink.push(rowsFrom(5, 1))).toBe(false);
    await sink.close();
    expect(fake.batches.flat()).toEqual(rowsFrom(0, 5).map((r) => r.id));
  });

  it('refuses pushes beyond maxBufferedBytes, but always takes a push into an empty buffer', async () => {
    const fake = recordingClient();
    fake.hold();
    const sink = new BatchSink<TestRow>({
      store: fake.store,
      table: 't',
      maxBufferedBytes: 1000,
      maxDelayMs: 60_000,
      estimateBytes: () => 400,
    });
    expect(sink.push(rowsFrom(0, 3))).toBe(true); // 1200 bytes, but the buffer was empty
    expect(sink.push(rowsFrom(3, 1))).toBe(false);
    expect(sink.pendingRows).toBe(3);
    fake.release();
    await sink.flush();
    expect(sink.push(rowsFrom(3, 2))).toBe(true);
    expect(sink.push(rowsFrom(5, 1))).toBe(false);
    await sink.close();
    expect(fake.batches.flat()).toEqual([0, 1, 2, 3, 4]);
  });

  it('hasRoom answers what push would do without queueing; liftBounds takes everything', async () => {
    const fake = recordingClient();
    fake.hold();
    const sink = new BatchSink<TestRow>({
      store: fake.store,
      table: 't',
      maxBufferedRows: 3,
      maxDelayMs: 60_000,
    });
    expect(sink.hasRoom(rowsFrom(0, 5))).toBe(true); // empty buffer
    expect(sink.push(rowsFrom(0, 2))).toBe(true);
    expect(sink.hasRoom(rowsFrom(2, 2))).toBe(false);
    expect(sink.hasRoom(rowsFrom(2, 1))).toBe(true);
    expect(sink.pendingRows).toBe(2);
    sink.liftBounds();
    expect(sink.hasRoom(rowsFrom(2, 100))).toBe(true);
    expect(sink.push(rowsFrom(2, 100))).toBe(true);
    fake.release();
    await sink.close();
    expect(sink.hasRoom(rowsFrom(0, 1))).toBe(false);
    expect(fake.batches.flat()).toEqual(rowsFrom(0, 102).map((r) => r.id));
  });

  it('gives back the rows a closed sink could not insert, once, and pushWhenRoom rejects on it', async () => {
    const client: Pick<ClickHouseClient, 'insert'> = {
      insert: () => Promise.reject(new Error('server unavailable')),
    };
    const sink = new BatchSink<TestRow>({
      store: { client },
      table: 't',
      maxBufferedRows: 2,
      maxDelayMs: 60_000,
    });
    expect(() => sink.takeUnflushed()).toThrow('close the sink first');
    sink.push(rowsFrom(0, 2));
    const waiting = pushWhenRoom(sink, rowsFrom(2, 1));
    await expect(sink.close()).rejects.toThrow('server unavailable');
    await expect(waiting).rejects.toBeInstanceOf(SinkClosedError);
    expect(sink.closed).toBe(true);
    expect(sink.takeUnflushed().map((r) => r.id)).toEqual([0, 1]);
    expect(sink.takeUnflushed()).toEqual([]);
    expect(sink.pendingRows).toBe(0);
    await expect(sink.flush()).resolves.toBeUndefined();
  });

  it('rejects flush when an insert fails, keeping the rows for the next attempt', async () => {
    let failing = true;
    const seen: number[][] = [];
    const client: Pick<ClickHouseClient, 'insert'> = {
      insert: async (params: { values?: unknown }) => {
        if (failing) throw new Error('server unavailable');
        seen.push((params.values as TestRow[]).map((r) => r.id));
        return INSERTED;
      },
    };
    const sink = new BatchSink<TestRow>({
      store: { client },
      table: 't',
      maxDelayMs: 60_000,
      retryInitialDelayMs: 60_000,
    });
    sink.push(rowsFrom(0, 2));
    await expect(sink.flush()).rejects.toThrow('server unavailable');
    expect(sink.pendingRows).toBe(2);
    expect(sink.lastError?.message).toBe('server unavailable');
    failing = false;
    await sink.close();
    expect(seen).toEqual([[0, 1]]);
    expect(sink.lastError).toBeUndefined();
  });

  it('estimates JSON size from above', () => {
    const row = { a: 'xyz', n: 12, list: ['p', 'q'], nested: { ok: true, none: null } };
    expect(approximateJsonBytes(row)).toBeGreaterThanOrEqual(JSON.stringify(row).length);
  });
});

describe('BatchSink (chDB)', () => {
  let dataDir: string;
  let store: ClickHouseStore;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-ch-sink-'));
    store = await openClickHouse({ dataDir });
    await store.client.command({
      query: 'CREATE TABLE sink_test (id UInt32, v String) ENGINE = MergeTree ORDER BY id',
    });
  });

  afterAll(async () => {
    await store?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const stored = async (): Promise<{ n: number; distinct: number }> => {
    const rows = await (
      await store.client.query({
        query: 'SELECT count() AS n, uniqExact(id) AS distinct FROM sink_test',
        format: 'JSONEachRow',
      })
    ).json<{ n: number | string; distinct: number | string }>();
    return { n: Number(rows[0]?.n), distinct: Number(rows[0]?.distinct) };
  };

  it('retries failed inserts with backoff and loses nothing', async () => {
    await store.client.command({ query: 'TRUNCATE TABLE sink_test' });
    let failuresLeft = 2;
    const flaky: Pick<ClickHouseClient, 'insert'> = {
      insert: (params) => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          return Promise.reject(new Error('injected failure'));
        }
        return store.client.insert(params);
      },
    };
    const attempts: number[] = [];
    const sink = new BatchSink<TestRow>({
      store: { client: flaky },
      table: 'sink_test',
      maxRows: 50,
      maxDelayMs: 5,
      retryInitialDelayMs: 10,
      onError: (_error, info) => attempts.push(info.attempt),
    });
    expect(sink.push(rowsFrom(0, 120))).toBe(true);
    await until(() => sink.pendingRows === 0);
    expect(attempts).toEqual([1, 2]);
    expect(sink.lastError).toBeUndefined();
    expect(await stored()).toEqual({ n: 120, distinct: 120 });
    await sink.close();
  });

  it('flushes buffered rows on close', async () => {
    await store.client.command({ query: 'TRUNCATE TABLE sink_test' });
    const sink = new BatchSink<TestRow>({ store, table: 'sink_test', maxDelayMs: 60_000 });
    sink.push(rowsFrom(0, 30));
    sink.push(rowsFrom(30, 12));
    expect(await stored()).toEqual({ n: 0, distinct: 0 });
    await sink.close();
    expect(sink.pendingRows).toBe(0);
    expect(await stored()).toEqual({ n: 42, distinct: 42 });
    expect(sink.push(rowsFrom(42, 1))).toBe(false);
  });
});
