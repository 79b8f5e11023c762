/**
 * A narrow fault-injection hook for the fault tests (tests/e2e/faults.test.ts): embedded chDB runs
 * inside the Vigil process and cannot be stopped from outside, so a test makes its inserts fail
 * instead. Only active when the environment variable {@link CLICKHOUSE_FAULT_FILE_ENV} names a
 * file; the server logs a warning at startup then. The file's content (read on every insert and
 * ping, so a test changes it while the server runs) selects the fault:
 *
 * - missing or empty: no fault;
 * - `fail`: every insert rejects at once and `ping` reports the store unreachable (a stopped server);
 * - `hang`: every insert waits until the file says something else, then rejects (a timeout), and
 *   `ping` reports unreachable;
 * - `slow <ms>`: every insert waits `<ms>` milliseconds (or until the file says something
 *   else), then runs (an overloaded server).
 *
 * Only `insertJsonLines` and `ping` are affected — every sink writes through `insertJsonLines`;
 * queries and migrations are not.
 */
import { readFileSync } from 'node:fs';
import type { ClickHouseStore } from './client.js';

/** The environment variable naming the fault file. */
export const CLICKHOUSE_FAULT_FILE_ENV = 'VIGIL_CLICKHOUSE_FAULT_FILE';

/** A fault read from the file. */
export type ClickHouseFault =
  { kind: 'none' } | { kind: 'fail' } | { kind: 'hang' } | { kind: 'slow'; ms: number };

/** Reads the fault file; anything unreadable or unknown is no fault. */
export function readClickHouseFault(file: string): ClickHouseFault {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    return { kind: 'none' };
  }
  if (text === 'fail') return { kind: 'fail' };
  if (text === 'hang') return { kind: 'hang' };
  const slow = /^slow\s+(\d+)$/.exec(text);
  if (slow) return { kind: 'slow', ms: Number(slow[1]) };
  return { kind: 'none' };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `store` with inserts and pings subject to the faults named in `file` (see the module comment). */
export function withInjectedFaults(store: ClickHouseStore, file: string): ClickHouseStore {
  const injected = (what: string): Error => new Error(`injected ClickHouse fault (${file}): ${what}`);
  return {
    kind: store.kind,
    client: store.client,
    database: store.database,
    ...(store.path !== undefined ? { path: store.path } : {}),
    close: () => store.close(),
    ping: async () => {
      const fault = readClickHouseFault(file);
      if (fault.kind === 'fail' || fault.kind === 'hang') return { ok: false, error: injected(fault.kind) };
      return store.ping();
    },
    insertJsonLines: async (table, lines) => {
      const fault = readClickHouseFault(file);
      if (fault.kind === 'fail') throw injected('insert failed');
      if (fault.kind === 'hang') {
        while (readClickHouseFault(file).kind === 'hang') await sleep(50);
        throw injected('insert timed out');
      }
      if (fault.kind === 'slow') {
        const until = Date.now() + fault.ms;
        while (Date.now() < until && readClickHouseFault(file).kind === 'slow') await sleep(50);
      }
      return store.insertJsonLines(table, lines);
    },
  };
}

/**
 * `store` itself, or wrapped by {@link withInjectedFaults} when `env` sets
 * {@link CLICKHOUSE_FAULT_FILE_ENV}; `warn` is told so.
 */
export function clickHouseFaultsFromEnv(
  store: ClickHouseStore,
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
): ClickHouseStore {
  const file = env[CLICKHOUSE_FAULT_FILE_ENV];
  if (file === undefined || file === '') return store;
  warn(`${CLICKHOUSE_FAULT_FILE_ENV} is set: ClickHouse inserts follow the faults in ${file} (tests only)`);
  return withInjectedFaults(store, file);
}
