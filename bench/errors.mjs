// Error-ingestion benchmark (`npm run bench`): the built server runs as its own process
// on a fresh data dir; this process captures a pool of realistic error envelopes from the
// official @sentry/node SDK, then replays them with autocannon for BENCH_DURATION seconds
// (default 30) and reports events/s accepted, events/s stored and queryable, response
// latency (p50/p99) and the server's peak RSS.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { captureErrorEnvelopes } from './capture.mjs';
import { peakRssMb, startServer, withFreshIds } from './server.mjs';

const duration = Number(process.env.BENCH_DURATION ?? 30);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);

/** The SDK-captured error envelopes; each replayed request gets fresh event ids (a new event). */
async function capturePool() {
  return (await captureErrorEnvelopes()).filter((body) => body.includes('{"type":"event"'));
}

async function storedEvents(base, token) {
  const res = await fetch(`${base}/api/0/organizations/vigil/issues/?query=&limit=100`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const issues = await res.json();
  return issues.reduce((n, i) => n + Number(i.count), 0);
}

const pool = await capturePool();
const avgBytes = Math.round(pool.reduce((n, body) => n + body.length, 0) / pool.length);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
const port = 18000 + Math.floor(Math.random() * 1000);
const { child, dsn, token } = await startServer(dataDir, port);
const base = `http://127.0.0.1:${port}`;
const key = new URL(dsn).username;
let next = 0;
const started = Date.now();
const result = await autocannon({
  url: `${base}/api/1/envelope/?sentry_key=${key}&sentry_version=7&sentry_client=bench`,
  method: 'POST',
  connections,
  duration,
  headers: { 'content-type': 'application/x-sentry-envelope' },
  requests: [
    {
      setupRequest: (req) => ({ ...req, body: withFreshIds(pool[next++ % pool.length]) }),
    },
  ],
});
const sendSeconds = (Date.now() - started) / 1000;
const accepted = result['2xx'];
let stored = 0;
while (stored < accepted && Date.now() - started < (duration + 300) * 1000) {
  stored = await storedEvents(base, token);
  if (stored < accepted) await new Promise((r) => setTimeout(r, 250));
}
const storedSeconds = (Date.now() - started) / 1000;
const rss = peakRssMb(child.pid);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });

const report = {
  payloads: { distinct: pool.length, avgBytes },
  connections,
  durationSeconds: duration,
  requests: { total: result.requests.total, ok2xx: accepted, non2xx: result.non2xx, errors: result.errors },
  acceptedPerSecond: Math.round(accepted / sendSeconds),
  storedAndQueryable: {
    events: stored,
    perSecond: Math.round(stored / storedSeconds),
    seconds: storedSeconds,
  },
  latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
  serverPeakRssMb: rss,
};
console.log(JSON.stringify(report, null, 2));
