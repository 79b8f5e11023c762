/**
 * Fault tests (issue 4, "Surviving overload and faults"): the built server under load from the
 * official @sentry/node SDK (clients/node-load.mjs, which records exactly which events and logs
 * got a 200) while its stores fail:
 * - ClickHouse inserts fail (the fault-injection hook, `VIGIL_CLICKHOUSE_FAULT_FILE`), recover
 *   under load, fail again, and the server gets SIGTERM while they fail and is restarted;
 * - ClickHouse is slow: back-pressure reaches the SDK as 503 once the queue, the sinks and the
 *   spool are full, and `/ready/` fails while the spool is full;
 * - the process is above its memory ceiling (`health.maxMemoryBytes`): 503 and not ready;
 * - Postgres (the metadata store) is cut off through a TCP proxy, restored under load, cut
 *   again, and the server gets SIGTERM while it is unreachable and is restarted.
 * Every time, every event and log answered with 200 must end up stored exactly once: one row per
 * event id and per log, and `accepted` outcomes equal to what is stored (the events table is a
 * ReplacingMergeTree whose merges could hide a duplicate row; the outcome sums would not).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  api,
  clientsDir,
  eventually,
  repoRoot,
  run,
  startVigil,
  type VigilProcess,
} from '../helpers/vigil-process.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const dirs: string[] = [];
const servers: VigilProcess[] = [];
const proxies: TcpProxy[] = [];
const schemas: string[] = [];
const pgBase = process.env.VIGIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

afterAll(async () => {
  for (const server of servers) await server.stop();
  for (const proxy of proxies) await proxy.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  if (schemas.length > 0) {
    const client = new pg.Client({ connectionString: pgBase });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A YAML config file with `text`. */
function configFile(text: string): string {
  const file = path.join(tempDir('vigil-faults-config-'), 'vigil.yaml');
  writeFileSync(file, text);
  return file;
}

async function start(options: Parameters<typeof startVigil>[0]): Promise<VigilProcess> {
  const vigil = await startVigil(options);
  servers.push(vigil);
  return vigil;
}

/** What the load client reports. */
interface LoadResult {
  accepted: { events: string[]; logs: string[] };
  statuses: Record<string, number>;
}

/** A running load client: `sent(n)` resolves once it captured `n` events, `done` with its report. */
interface Load {
  sent(n: number): Promise<void>;
  done: Promise<LoadResult>;
}

function startLoad(vigil: VigilProcess, runName: string, events: number, intervalMs = 10): Load {
  const child = spawn(process.execPath, [path.join(clientsDir, 'node-load.mjs')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      SENTRY_DSN: vigil.dsn,
      LOAD_RUN: runName,
      LOAD_EVENTS: String(events),
      LOAD_INTERVAL_MS: String(intervalMs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<LoadResult>((resolve, reject) => {
    child.once('exit', (code) => {
      for (const wake of waiters.splice(0)) wake();
      if (code !== 0) reject(new Error(`load client exited with ${code}:\n${out}\n${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult);
    });
  });
  done.catch(() => undefined);
  return {
    done,
    sent: async (n) => {
      while (!out.includes(`sent ${n}\n`)) {
        if (child.exitCode !== null)
          throw new Error(`load client ended before sending ${n}:\n${out}\n${err}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

/** Sends SIGTERM and expects exit code 0 (the server's output is the failure message). */
async function stopCleanly(vigil: VigilProcess): Promise<void> {
  const code = await vigil.stop();
  expect(code, vigil.output()).toBe(0);
}

/** The status of `/api/relay/healthcheck/ready/`. */
async function readyStatus(vigil: VigilProcess): Promise<number> {
  return (await fetch(`${vigil.url}/api/relay/healthcheck/ready/`)).status;
}

/** Bytes in the spool's segment files. */
function spooledBytes(dataDir: string): number {
  const dir = path.join(dataDir, 'spool');
  let bytes = 0;
  try {
    for (const name of readdirSync(dir))
      if (name.endsWith('.log')) bytes += statSync(path.join(dir, name)).size;
  } catch {
    return 0;
  }
  return bytes;
}

/** Events stored so far, summed over the project's issues. */
async function storedEventCount(vigil: VigilProcess): Promise<number> {
  const res = await api(vigil, '/api/0/projects/vigil/default/issues/?query=&limit=100');
  return (res.body as Array<{ count: string }>).reduce((n, issue) => n + Number(issue.count), 0);
}

/** Waits until the spool is empty and at least `events` events are stored (timeout 180 s). */
async function settled(vigil: VigilProcess, events: number): Promise<void> {
  await eventually(
    async () => spooledBytes(vigil.dataDir) === 0 && (await storedEventCount(vigil)) >= events,
    180_000,
  );
}

/** Rows per event id and log body and `accepted` outcomes, read from the stopped server's ClickHouse. */
async function storedCounts(dataDir: string): Promise<{
  events: Record<string, number>;
  logs: Record<string, number>;
  accepted: Record<string, number>;
}> {
  const { stdout } = await run(
    process.execPath,
    [path.join(repoRoot, 'tests/helpers/telemetry-counts.mjs'), dataDir],
    {
      timeout: 60_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

/** Data category ids (src/protocol/data-category.ts). */
const ERROR_CATEGORY = '1';
const LOG_ITEM_CATEGORY = '23';

/** Every accepted event and log is stored once, nothing is stored twice, outcomes agree. */
async function expectStoredExactlyOnce(dataDir: string, loads: LoadResult[]): Promise<void> {
  const counts = await storedCounts(dataDir);
  const events = loads.flatMap((l) => l.accepted.events);
  const logs = loads.flatMap((l) => l.accepted.logs);
  expect(new Set(events).size).toBe(events.length);
  const missingEvents = events.filter((id) => counts.events[id] !== 1);
  expect(missingEvents).toEqual([]);
  const missingLogs = logs.filter((body) => counts.logs[body] !== 1);
  expect(missingLogs).toEqual([]);
  expect(Object.values(counts.events).filter((n) => n !== 1)).toEqual([]);
  expect(Object.values(counts.logs).filter((n) => n !== 1)).toEqual([]);
  expect(counts.accepted[ERROR_CATEGORY] ?? 0).toBe(Object.keys(counts.events).length);
  expect(counts.accepted[LOG_ITEM_CATEGORY] ?? 0).toBe(Object.keys(counts.logs).length);
}

describe('faults under load from @sentry/node', () => {
  it('ClickHouse failing: accepted data is spooled and stored once when it returns, also across SIGTERM and a restart', async () => {
    const dataDir = tempDir('vigil-faults-ch-');
    const fault = path.join(tempDir('vigil-faults-file-'), 'clickhouse');
    const setFault = (text: string): void => writeFileSync(fault, text);
    const options = {
      dataDir,
      args: ['--config', configFile('queue: { maxEnvelopes: 20 }\nlimits: { shutdownTimeout: 2 }\n')],
      env: { VIGIL_CLICKHOUSE_FAULT_FILE: fault },
    };
    let vigil = await start(options);
    expect(await readyStatus(vigil)).toBe(200);

    // 1. Inserts fail, then recover while the SDK keeps sending.
    setFault('fail');
    await eventually(async () => (await readyStatus(vigil)) === 503);
    const first = startLoad(vigil, 'ch1', 200);
    await first.sent(100);
    await eventually(async () => spooledBytes(dataDir) > 0);
    setFault('');
    const firstResult = await first.done;
    expect(firstResult.accepted.events.length).toBeGreaterThan(100);
    await eventually(async () => (await readyStatus(vigil)) === 200);

    // 2. Inserts fail again; SIGTERM while they fail spools what the process holds.
    setFault('fail');
    const second = await startLoad(vigil, 'ch2', 150).done;
    expect(second.accepted.events.length).toBeGreaterThan(0);
    await stopCleanly(vigil);
    expect(vigil.output()).toMatch(/Vigil stopped: \d+ envelopes and \d+ rows spooled to /);
    expect(spooledBytes(dataDir)).toBeGreaterThan(0);

    // 3. A restart with ClickHouse healthy replays the spool.
    setFault('');
    vigil = await start(options);
    const loads = [firstResult, second];
    await settled(
      vigil,
      loads.reduce((n, l) => n + l.accepted.events.length, 0),
    );
    await stopCleanly(vigil);
    expect(vigil.output()).toContain('Vigil stopped: queue drained, stores flushed');
    await expectStoredExactlyOnce(dataDir, loads);
  }, 300_000);

  it('ClickHouse slow: the queue, the sinks and the spool fill, the SDK gets 503, /ready/ fails while the spool is full', async () => {
    const dataDir = tempDir('vigil-faults-slow-');
    const fault = path.join(tempDir('vigil-faults-file-'), 'clickhouse');
    const setFault = (text: string): void => writeFileSync(fault, text);
    const vigil = await start({
      dataDir,
      args: [
        '--config',
        configFile(
          'queue: { maxEnvelopes: 10 }\nsinks: { maxBufferedRows: 20 }\nspool: { maxDiskSize: 65536 }\n' +
            'limits: { shutdownTimeout: 2 }\n',
        ),
      ],
      env: { VIGIL_CLICKHOUSE_FAULT_FILE: fault },
    });
    // Every insert takes (up to) ten minutes: processing stalls on full sinks, nothing drains.
    setFault('slow 600000');
    const load = await startLoad(vigil, 'slow', 300, 5).done;
    expect(load.statuses['503']).toBeGreaterThan(0);
    expect(load.accepted.events.length).toBeGreaterThan(0);
    // ClickHouse answers pings (it is only slow), so the spool alone makes it not ready.
    expect(await readyStatus(vigil)).toBe(503);
    setFault('');
    await eventually(async () => (await readyStatus(vigil)) === 200, 120_000);
    await settled(vigil, load.accepted.events.length);
    await stopCleanly(vigil);
    await expectStoredExactlyOnce(dataDir, [load]);
  }, 300_000);

  it('above the memory ceiling the edge answers 503 and /ready/ fails, with nothing accepted', async () => {
    const vigil = await start({
      args: ['--config', configFile('health: { maxMemoryBytes: 1048576 }\n')],
    });
    dirs.push(vigil.dataDir);
    const load = await startLoad(vigil, 'memory', 5).done;
    expect(load.accepted.events).toEqual([]);
    expect(load.statuses['503']).toBeGreaterThan(0);
    expect(await readyStatus(vigil)).toBe(503);
    expect((await fetch(`${vigil.url}/api/relay/healthcheck/live/`)).status).toBe(200);
  });

  it('Postgres unreachable: accepted events wait for their issues and are stored once, also across SIGTERM and a restart', async () => {
    const schema = `vigil_faults_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    const proxy = await startTcpProxy(
      '127.0.0.1',
      new URL(pgBase).port ? Number(new URL(pgBase).port) : 5432,
    );
    proxies.push(proxy);
    const databaseUrl = `postgres://postgres@127.0.0.1:${proxy.port}/${new URL(pgBase).pathname.slice(1)}?schema=${schema}`;
    const dataDir = tempDir('vigil-faults-pg-');
    const options = {
      dataDir,
      args: [
        '--database-url',
        databaseUrl,
        '--config',
        configFile('queue: { maxEnvelopes: 20 }\nlimits: { shutdownTimeout: 2 }\n'),
      ],
    };
    let vigil = await start(options);
    // One event while Postgres is there: the DSN key is cached at the edge.
    const warm = await startLoad(vigil, 'pg0', 1).done;
    expect(warm.accepted.events).toHaveLength(1);

    // 1. Cut, then restored while the SDK keeps sending.
    proxy.cut();
    await eventually(async () => (await readyStatus(vigil)) === 503);
    const first = startLoad(vigil, 'pg1', 200);
    await first.sent(100);
    await eventually(async () => spooledBytes(dataDir) > 0);
    proxy.restore();
    const firstResult = await first.done;
    expect(firstResult.accepted.events.length).toBeGreaterThan(100);
    await eventually(async () => (await readyStatus(vigil)) === 200);

    // 2. Cut again; SIGTERM while Postgres is unreachable.
    proxy.cut();
    const second = await startLoad(vigil, 'pg2', 150).done;
    expect(second.accepted.events.length, JSON.stringify(second.statuses) + vigil.output()).toBeGreaterThan(
      0,
    );
    await stopCleanly(vigil);
    expect(vigil.output()).toMatch(/Vigil stopped: \d+ envelopes and \d+ rows spooled to /);

    // 3. Restart with Postgres back.
    proxy.restore();
    vigil = await start(options);
    const loads = [warm, firstResult, second];
    await settled(
      vigil,
      loads.reduce((n, l) => n + l.accepted.events.length, 0),
    );
    await stopCleanly(vigil);
    await expectStoredExactlyOnce(dataDir, loads);
  }, 300_000);
});
