// Mixed-workload benchmark (`npm run bench`, after the error benchmark): the built server
// takes a blend of real SDK envelopes for BENCH_DURATION seconds (default 30) through
// autocannon: transactions with 20 spans, log containers, release-health sessions, errors and
// session-replay segments, in the proportions of MIX below. The server is then stopped with
// SIGTERM (which drains the queue and flushes every sink) and its ClickHouse data dir is
// opened here to count what was stored. Reports requests/s accepted, items/s and bytes/s
// stored (request bytes in, compressed bytes on disk), latency and the server's peak RSS.
// It runs twice: once with the project's processing config empty (no quotas, no inbound
// filters, default scrubbing), once with the edge at work (EDGE_CONFIG: counted quotas on every
// category the blend sends, every inbound filter on, advanced PII rules and legacy scrubbing
// settings), and prints both.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { captureMixedEnvelopes } from './capture-mixed.mjs';
import { peakRssMb, processCpuSeconds, root, startServer, withFreshIds } from './server.mjs';

const duration = Number(process.env.BENCH_DURATION ?? 30);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);

/** Requests per 20 of each kind: a service's traffic is mostly spans and logs, then sessions. */
const MIX = { transaction: 8, log: 5, session: 3, error: 2, replay: 2 };

/** ClickHouse tables that hold the stored items, and what one row is. */
const TABLES = {
  spans: 'span',
  logs: 'log',
  sessions: 'session update',
  events: 'error event',
  replay_recordings: 'replay segment',
};

/**
 * The default project's config in the "edge at work" run: quotas that count (never reached)
 * in every category the blend sends, all inbound filters (none matches the SDK traffic, so
 * everything is still stored), and scrubbing with advanced rules on top of the defaults.
 */
const EDGE_CONFIG = {
  quotas: ['error', 'transaction', 'span', 'log_item', 'log_byte', 'session', 'replay', 'attachment'].map(
    (category) => ({
      id: `bench-${category}`,
      categories: [category],
      scope: 'project',
      limit: 1e12,
      window: 3600,
    }),
  ),
  filterSettings: {
    browserExtensions: { isEnabled: true },
    webCrawlers: { isEnabled: true },
    localhost: { isEnabled: false },
    legacyBrowsers: { isEnabled: true, options: ['default'] },
    ignoreTransactions: { isEnabled: true, patterns: ['*healthcheck*', '*/health', '*/ping'] },
    errorMessages: { patterns: ['*ResizeObserver loop*', '*Script error*'] },
    releases: { releases: ['0.0.0-never*'] },
    clientIps: { blacklistedIps: ['10.0.0.0/8', '192.0.2.1'] },
  },
  datascrubbingSettings: { scrubIpAddresses: true, sensitiveFields: ['secret', 'token'], excludeFields: [] },
  piiConfig: {
    rules: {
      card: { type: 'pattern', pattern: '\\d{4}-\\d{4}-\\d{4}-\\d{4}', redaction: { method: 'mask' } },
    },
    applications: { $string: ['card', '@email:replace'], '$http.headers.*': ['@ip:hash'] },
  },
};

const pools = await captureMixedEnvelopes();
const schedule = Object.entries(MIX).flatMap(([kind, n]) => Array(n).fill(kind));
const runs = {};
for (const [label, projectConfig] of [
  ['plain', {}],
  ['edge', EDGE_CONFIG],
]) {
  runs[label] = await runMixed(projectConfig);
}
console.log(
  JSON.stringify(
    {
      workload: {
        mixPer20Requests: MIX,
        pools: Object.fromEntries(Object.entries(pools).map(([k, v]) => [k, v.length])),
      },
      connections,
      durationSeconds: duration,
      withoutQuotasFiltersScrubbingRules: runs.plain,
      withQuotasFiltersScrubbingRules: runs.edge,
      edgeCost: {
        acceptedRequestsPerSecond: +(
          runs.edge.acceptedRequestsPerSecond / runs.plain.acceptedRequestsPerSecond
        ).toFixed(3),
        storedItemsPerSecond: +(runs.edge.stored.itemsPerSecond / runs.plain.stored.itemsPerSecond).toFixed(
          3,
        ),
      },
    },
    null,
    2,
  ),
);

/** One timed run against a fresh server whose default project has `projectConfig`. */
async function runMixed(projectConfig) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-mixed-'));
  const configFile = path.join(dataDir, 'vigil.yaml');
  writeFileSync(configFile, JSON.stringify({ projects: { 'vigil/default': projectConfig } }));
  const port = 19000 + Math.floor(Math.random() * 1000);
  const { child, dsn } = await startServer(dataDir, port, configFile);
  const key = new URL(dsn).username;
  const used = Object.fromEntries(Object.keys(MIX).map((k) => [k, 0]));
  let next = 0;
  let bytesSent = 0;
  let rss = 0;
  // Startup (module loading, migrations) is not counted.
  const cpuAtStart = processCpuSeconds(child.pid);
  let cpuSeconds = cpuAtStart;
  const sampler = setInterval(() => {
    // Max: a sample taken as the process exits reads nothing (0).
    rss = Math.max(rss, peakRssMb(child.pid));
    cpuSeconds = Math.max(cpuSeconds, processCpuSeconds(child.pid));
  }, 200);
  const started = Date.now();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/api/1/envelope/?sentry_key=${key}&sentry_version=7&sentry_client=bench`,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/x-sentry-envelope' },
    requests: [
      {
        setupRequest: (req) => {
          const kind = schedule[next++ % schedule.length];
          const pool = pools[kind];
          const body = withFreshIds(pool[used[kind]++ % pool.length]);
          bytesSent += body.length;
          return { ...req, body };
        },
      },
    ],
  });
  const sendSeconds = (Date.now() - started) / 1000;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  clearInterval(sampler);
  const storedSeconds = (Date.now() - started) / 1000;

  const { openClickHouse } = await import(path.join(root, 'dist/storage/clickhouse/index.js'));
  const store = await openClickHouse({ dataDir });
  const counted = await store.client.query({
    query: `SELECT table, sum(rows) AS rows, sum(data_compressed_bytes) AS bytes
          FROM system.parts WHERE active AND database = currentDatabase() AND table IN {tables:Array(String)}
          GROUP BY table`,
    query_params: { tables: Object.keys(TABLES) },
    format: 'JSONEachRow',
  });
  const stored = Object.fromEntries((await counted.json()).map((r) => [r.table, r]));
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });

  const items = Object.fromEntries(
    Object.entries(TABLES).map(([table, what]) => [`${what}s`, Number(stored[table]?.rows ?? 0)]),
  );
  const totalItems = Object.values(items).reduce((a, b) => a + b, 0);
  const diskBytes = Object.values(stored).reduce((n, r) => n + Number(r.bytes), 0);
  const sent = result.requests.sent || result.requests.total;
  return {
    requests: { sent, ok2xx: result['2xx'], non2xx: result.non2xx, errors: result.errors },
    acceptedRequestsPerSecond: Math.round(result['2xx'] / sendSeconds),
    requestMiBPerSecond: +(bytesSent / sendSeconds / 2 ** 20).toFixed(2),
    stored: {
      items,
      itemsPerSecond: Math.round(totalItems / storedSeconds),
      compressedMiB: +(diskBytes / 2 ** 20).toFixed(1),
      secondsUntilDrained: storedSeconds,
    },
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    serverPeakRssMb: rss,
    // CPU time (all threads) per request, until drained: unlike req/s, it hardly moves with load from other processes.
    serverCpuMsPerRequest: +(((cpuSeconds - cpuAtStart) * 1000) / result['2xx']).toFixed(2),
  };
}
