import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from './client.js';
import {
  CLICKHOUSE_FAULT_FILE_ENV,
  clickHouseFaultsFromEnv,
  readClickHouseFault,
} from './fault-injection.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-faults-'));
  dirs.push(dir);
  const file = path.join(dir, 'fault');
  const inserted: string[][] = [];
  const store = {
    kind: 'embedded',
    client: {},
    database: 'default',
    ping: async () => ({ ok: true }),
    insertJsonLines: async (_table: string, lines: readonly string[]) => void inserted.push([...lines]),
    close: async () => undefined,
  } as unknown as ClickHouseStore;
  const warnings: string[] = [];
  const faulty = clickHouseFaultsFromEnv(store, { [CLICKHOUSE_FAULT_FILE_ENV]: file }, (m) =>
    warnings.push(m),
  );
  return { file, store, faulty, inserted, warnings, set: (text: string) => writeFileSync(file, text) };
}

describe('ClickHouse fault injection', () => {
  it('is off without the environment variable', () => {
    const { store } = setup();
    expect(clickHouseFaultsFromEnv(store, {}, () => undefined)).toBe(store);
  });

  it('reads the fault from the file on every call', async () => {
    const { file, faulty, inserted, warnings, set } = setup();
    expect(warnings).toEqual([expect.stringContaining(file)]);
    await faulty.insertJsonLines('t', ['{"a":1}']); // no file yet: no fault
    set('fail\n');
    await expect(faulty.insertJsonLines('t', ['{"a":2}'])).rejects.toThrow('injected ClickHouse fault');
    expect(await faulty.ping()).toMatchObject({ ok: false });
    set('slow 30');
    expect(await faulty.ping()).toEqual({ ok: true });
    await faulty.insertJsonLines('t', ['{"a":3}']);
    set('');
    await faulty.insertJsonLines('t', ['{"a":4}']);
    expect(inserted).toEqual([['{"a":1}'], ['{"a":3}'], ['{"a":4}']]);
  });

  it('hangs an insert until the fault changes, then rejects it without inserting', async () => {
    const { faulty, inserted, set } = setup();
    set('hang');
    let settled = false;
    const insert = faulty.insertJsonLines('t', ['{"a":1}']).finally(() => (settled = true));
    insert.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 150));
    expect(settled).toBe(false);
    expect(await faulty.ping()).toMatchObject({ ok: false });
    set('');
    await expect(insert).rejects.toThrow('timed out');
    expect(inserted).toEqual([]);
  });

  it('ends a slow insert early once the fault is lifted', async () => {
    const { faulty, inserted, set } = setup();
    set('slow 600000');
    const insert = faulty.insertJsonLines('t', ['{"a":1}']);
    await new Promise((r) => setTimeout(r, 100));
    expect(inserted).toEqual([]);
    set('');
    await insert;
    expect(inserted).toEqual([['{"a":1}']]);
  });

  it('parses the file content', () => {
    const { file, set } = setup();
    expect(readClickHouseFault(file)).toEqual({ kind: 'none' });
    set('slow 2500');
    expect(readClickHouseFault(file)).toEqual({ kind: 'slow', ms: 2500 });
    set('whatever');
    expect(readClickHouseFault(file)).toEqual({ kind: 'none' });
  });
});
