// Captures what the official SDKs send for the mixed benchmark: @sentry/node transactions
// with 20 child spans (`traceLifecycle: 'static'`), `Sentry.logger` log containers, release
// health sessions and errors; @sentry/browser session-replay segments recorded in Debian's
// Chromium. The SDKs send to a local HTTP server that records the bodies, so the benchmark
// replays real SDK payloads, not hand-written ones.
import http from 'node:http';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import * as Sentry from '@sentry/node';
import { root } from './server.mjs';

/** Starts a recorder on 127.0.0.1; `bodies` collects every request body, in order. */
async function recorder() {
  const bodies = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') bodies.push(Buffer.concat(chunks));
      res
        .writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
        .end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const dsn = `http://0123456789abcdef0123456789abcdef@127.0.0.1:${server.address().port}/1`;
  return { bodies, dsn, close: () => new Promise((r) => server.close(r)) };
}

/** The item types of an envelope body (one per item header line that names a type). */
export function itemTypes(body) {
  return [...body.toString('latin1').matchAll(/\{"type":"([a-z_]+)"/g)].map((m) => m[1]);
}

/** Node SDK envelopes: `rounds` requests' worth of transactions, logs, sessions and errors. */
async function captureNode(rounds) {
  const rec = await recorder();
  Sentry.init({
    dsn: rec.dsn,
    release: 'shop@4.2.0',
    environment: 'production',
    sendClientReports: false,
    tracesSampleRate: 1,
    traceLifecycle: 'static',
    enableLogs: true,
    // Dedupe would drop repeated errors; Http would trace the SDK's own requests to the recorder.
    integrations: (defaults) => defaults.filter((i) => i.name !== 'Dedupe' && i.name !== 'Http'),
  });
  for (let i = 0; i < rounds; i++) {
    Sentry.startSpan({ name: `GET /api/orders/${i % 7}`, op: 'http.server' }, () => {
      for (let s = 0; s < 20; s++) {
        Sentry.startSpan({ name: `SELECT * FROM orders WHERE id = $${s}`, op: 'db.query' }, () => {});
      }
      Sentry.logger.info(Sentry.logger.fmt`order ${i} loaded`, { route: '/api/orders', attempt: i % 3 });
      if (i % 5 === 0) Sentry.captureException(new Error(`order ${i % 11} failed to load`));
    });
    if (i % 4 === 0) {
      Sentry.startSession({ ignoreDuration: true });
      Sentry.captureSession(true);
    }
    if (i % 10 === 9) await Sentry.flush(5000);
  }
  await Sentry.flush(5000);
  await Sentry.close();
  await rec.close();
  return rec.bodies;
}

/** Browser SDK envelopes with replay segments: a page with replay on, clicked through. */
async function captureReplays(clicks) {
  const rec = await recorder();
  const bundle = await build({
    stdin: {
      contents: `import * as Sentry from '@sentry/browser';
        Sentry.init({ dsn: ${JSON.stringify(rec.dsn)}, release: 'web@1.0.0',
          integrations: [Sentry.replayIntegration({ maskAllText: false, minReplayDuration: 0, flushMinDelay: 200, flushMaxDelay: 400 })],
          replaysSessionSampleRate: 1 });
        let n = 0;
        document.getElementById('add').addEventListener('click', () => {
          const li = document.createElement('li'); li.textContent = 'item ' + ++n;
          document.getElementById('list').appendChild(li);
        });`,
      resolveDir: root,
    },
    bundle: true,
    write: false,
    format: 'iife',
    logLevel: 'silent',
  });
  const page = `<!doctype html><html><body><button id="add">Add</button><ul id="list"></ul><script>${bundle.outputFiles[0].text}</script></body></html>`;
  const site = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const tab = await browser.newPage();
  await tab.goto(`http://127.0.0.1:${site.address().port}/`);
  for (let i = 0; i < clicks; i++) {
    await tab.click('#add');
    await tab.waitForTimeout(500);
  }
  await tab.waitForTimeout(1500);
  await browser.close();
  await new Promise((r) => site.close(r));
  await rec.close();
  return rec.bodies.filter((b) => itemTypes(b).includes('replay_recording'));
}

/** The captured pools by kind: transaction, log, session, error and replay envelope bodies. */
export async function captureMixedEnvelopes() {
  const node = await captureNode(200);
  const ofType = (type) => node.filter((b) => itemTypes(b)[0] === type);
  return {
    transaction: ofType('transaction'),
    log: ofType('log'),
    session: ofType('session'),
    error: ofType('event'),
    replay: await captureReplays(12),
  };
}
