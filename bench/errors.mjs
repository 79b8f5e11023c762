// Error-ingestion benchmark (`npm run bench`): the built server runs as its own process
// on a fresh data dir; this process captures a pool of realistic error envelopes from the
// official @sentry/node SDK, then replays them with autocannon for BENCH_DURATION seconds
// (default 30) and reports events/s accepted, events/s stored and queryable, response
// latency (p50/p99) and the server's peak RSS.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { captureErrorEnvelopes } from './capture.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const duration = Number(process.env.BENCH_DURATION ?? 30);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);

/**
 * The SDK-captured pool as [envelope header, rest] pairs: every replayed request gets a
 * fresh envelope-header `event_id` (which wins over the payload's), so it is a new event.
 */
async function capturePool() {
  const bodies = await captureErrorEnvelopes();
  return bodies
    .filter((body) => body.includes('{"type":"event"'))
    .map((body) => {
      const newline = body.indexOf(10);
      return { header: JSON.parse(body.subarray(0, newline).toString('utf8')), rest: body.subarray(newline) };
    });
}

function withFreshEventId({ header, rest }) {
  const line = JSON.stringify({ ...header, event_id: randomUUID().replace(/-/g, '') });
  return Buffer.concat([Buffer.from(line), rest]);
}

function startServer(dataDir, port) {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
      path.join(root, 'dist/cli/main.js'),
      'start',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const dsn = /DSN:\s+(\S+)/.exec(out);
      const token = /API token:\s+(\S+)/.exec(out);
      if (dsn && token) resolve({ child, dsn: dsn[1], token: token[1] });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function storedEvents(base, token) {
  const res = await fetch(`${base}/api/0/organizations/vigil/issues/?query=&limit=100`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const issues = await res.json();
  return issues.reduce((n, i) => n + Number(i.count), 0);
}

const pool = await capturePool();
const avgBytes = Math.round(pool.reduce((n, e) => n + e.rest.length, 0) / pool.length);
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
      setupRequest: (req) => ({ ...req, body: withFreshEventId(pool[next++ % pool.length]) }),
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
