import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskSpool, frameBytes, type SpoolRecord } from './spool.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-spool-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const record = (i: number, size = 10): SpoolRecord => ({ meta: { i }, payload: Buffer.alloc(size, i % 256) });

async function drainAll(spool: DiskSpool, batchSize?: number): Promise<number[]> {
  const seen: number[] = [];
  await spool.drain(async (records) => {
    for (const r of records) seen.push(r.meta.i as number);
  }, batchSize);
  return seen;
}

describe('DiskSpool', () => {
  it('drains records oldest first across segments and deletes what it drained', async () => {
    const dir = tempDir();
    const spool = new DiskSpool({ dir, segmentBytes: 100 });
    for (let i = 0; i < 20; i++) expect(spool.append([record(i)])).toBe(true);
    expect(readdirSync(dir).length).toBeGreaterThan(3);
    expect(await drainAll(spool, 3)).toEqual([...Array(20).keys()]);
    expect(spool.empty).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.log'))).toHaveLength(0);
  });

  it('keeps records across a restart and returns payload bytes unchanged', async () => {
    const dir = tempDir();
    const first = new DiskSpool({ dir });
    first.append([{ meta: { kind: 'envelope', projectId: 1 }, payload: Buffer.from([0, 255, 10, 13]) }]);
    first.close();
    const second = new DiskSpool({ dir });
    expect(second.bytes).toBeGreaterThan(0);
    const got: SpoolRecord[] = [];
    await second.drain(async (records) => void got.push(...records));
    expect(got).toEqual([
      { meta: { kind: 'envelope', projectId: 1 }, payload: Buffer.from([0, 255, 10, 13]) },
    ]);
  });

  it('stops at a failing batch, keeps it, and does not repeat handled batches after a restart', async () => {
    const dir = tempDir();
    const spool = new DiskSpool({ dir });
    spool.append([0, 1, 2, 3, 4, 5].map((i) => record(i)));
    const seen: number[] = [];
    await expect(
      spool.drain(async (records) => {
        if (records[0]!.meta.i === 4) throw new Error('store down');
        seen.push(...records.map((r) => r.meta.i as number));
      }, 2),
    ).rejects.toThrow('store down');
    expect(seen).toEqual([0, 1, 2, 3]);
    spool.close();
    expect(await drainAll(new DiskSpool({ dir }))).toEqual([4, 5]);
  });

  it('drops a torn record at the end of a segment and keeps the ones before it', async () => {
    const dir = tempDir();
    const spool = new DiskSpool({ dir });
    spool.append([record(1), record(2)]);
    spool.close();
    const [segment] = readdirSync(dir);
    appendFileSync(path.join(dir, segment!), Buffer.concat([Buffer.from('VSP1'), Buffer.alloc(7)]));
    const reopened = new DiskSpool({ dir });
    expect(await drainAll(reopened)).toEqual([1, 2]);
  });

  it('detects a corrupted record by its checksum', async () => {
    const dir = tempDir();
    const spool = new DiskSpool({ dir });
    spool.append([record(1)]);
    spool.close();
    const [segment] = readdirSync(dir);
    // Flip the last payload byte on disk.
    const file = path.join(dir, segment!);
    const { readFileSync, writeFileSync } = await import('node:fs');
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(file, bytes);
    expect(await drainAll(new DiskSpool({ dir }))).toEqual([]);
  });

  it('refuses appends beyond maxBytes and accepts again once drained', async () => {
    const spool = new DiskSpool({ dir: tempDir(), maxBytes: 200 });
    expect(spool.append([record(1, 100)])).toBe(true);
    expect(spool.append([record(2, 100)])).toBe(false);
    expect(await drainAll(spool)).toEqual([1]);
    expect(spool.append([record(3, 100)])).toBe(true);
    expect(spool.append([record(4, 100)], { force: true })).toBe(true);
    expect(spool.bytes).toBe(frameBytes([record(3, 100), record(4, 100)]));
    expect(spool.bytes).toBeGreaterThan(200);
  });

  it('cuts drain batches by payload bytes too, with at least one record per batch', async () => {
    const spool = new DiskSpool({ dir: tempDir() });
    spool.append([record(1, 40), record(2, 40), record(3, 100), record(4, 10), record(5, 10)]);
    const batches: number[][] = [];
    await spool.drain(async (records) => void batches.push(records.map((r) => r.meta.i as number)), 10, 80);
    expect(batches).toEqual([[1, 2], [3], [4, 5]]);
    expect(spool.maxBytes).toBe(2 ** 30);
  });

  it('drains records appended while draining', async () => {
    const spool = new DiskSpool({ dir: tempDir() });
    spool.append([record(1)]);
    const seen: number[] = [];
    await spool.drain(async (records) => {
      seen.push(...records.map((r) => r.meta.i as number));
      if (seen.length === 1) spool.append([record(2)]);
    });
    expect(seen).toEqual([1, 2]);
  });
});
