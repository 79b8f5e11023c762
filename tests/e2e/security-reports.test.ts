/**
 * Security reports end to end: Debian's Chromium loads pages served by the test whose
 * `Content-Security-Policy` sends violation reports to the built server's security endpoint,
 * and Chromium itself posts the reports:
 *
 * - the legacy way: `report-uri` → an `application/csp-report` body, straight to Vigil;
 * - the Reporting API: `report-to` + `Reporting-Endpoints` → an `application/reports+json` list
 *   (after a CORS preflight). Chromium only uploads those to https endpoints, so this page and
 *   Vigil are reached through loopback TLS servers of the test (a throwaway self-signed
 *   certificate; Chromium runs with `--ignore-certificate-errors`).
 *
 * The test reads the resulting CSP issues back through the web API: Relay's titles, culprits and
 * tags, and the release/environment from the report URL (reference/relay-protocol.md §1.4).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { api, eventually, startVigil, type VigilProcess } from '../helpers/vigil-process.js';
import { launchChromium, servePages, type PageServer } from '../helpers/browser.js';

type Json = Record<string, unknown>;

let vigil: VigilProcess;
let pages: PageServer;
let browser: Browser;
const tlsServers: https.Server[] = [];
let tlsDir: string;
let securityPath: string;
let securePage: string;

/** A self-signed certificate for 127.0.0.1, made with the system's openssl. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  tlsDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-tls-'));
  const [key, cert] = [path.join(tlsDir, 'key.pem'), path.join(tlsDir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

/** Starts an https server on a free loopback port; returns its origin. */
async function serveTls(tls: { key: Buffer; cert: Buffer }, handler: http.RequestListener): Promise<string> {
  const server = https.createServer(tls, handler);
  tlsServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as { port: number }).port}`;
}

beforeAll(async () => {
  vigil = await startVigil();
  const dsn = new URL(vigil.dsn);
  securityPath = `/api/${dsn.pathname.slice(1)}/security/?sentry_key=${dsn.username}&sentry_release=web%402.0.0&sentry_environment=e2e`;
  pages = await servePages({
    '/legacy': {
      body: '<!doctype html><title>legacy</title><img id="pixel" alt="">',
      headers: { 'content-security-policy': `img-src 'self'; report-uri ${vigil.url}${securityPath}` },
    },
  });
  const tls = selfSignedCertificate();
  // TLS in front of Vigil: forwards every request as is.
  const vigilTls = await serveTls(tls, (req, res) => {
    const upstream = http.request(
      `${vigil.url}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  securePage = await serveTls(tls, (_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'reporting-endpoints': `vigil="${vigilTls}${securityPath}"`,
      'content-security-policy': "script-src 'self'; report-to vigil",
    });
    res.end("<!doctype html><title>reporting api</title><script>document.title = 'ran';</script>");
  });
  // Reporting API reports are delivered after about a minute by default; 100 ms with this switch.
  browser = await launchChromium(['--short-reporting-delay', '--ignore-certificate-errors']);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  for (const server of tlsServers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  await vigil?.dispose();
});

async function issueTitled(title: string): Promise<Json> {
  return eventually(async () => {
    const res = await api(vigil, '/api/0/projects/vigil/default/issues/?query=is:unresolved');
    return (res.body as Json[]).find((i) => i.title === title);
  }, 30_000);
}

async function latestEvent(issue: Json): Promise<Json> {
  return (await api(vigil, `/api/0/issues/${String(issue.id)}/events/latest/`)).body as Json;
}

function tag(event: Json, key: string): string | undefined {
  return (event.tags as Array<{ key: string; value: string }>).find((t) => t.key === key)?.value;
}

it('turns a report-uri CSP violation sent by Chromium into a CSP issue', async () => {
  // The blocked image is on another origin of the same page server (localhost vs 127.0.0.1).
  const pixel = `${pages.origin.replace('127.0.0.1', 'localhost')}/pixel.gif`;
  const page = await browser.newPage();
  await page.goto(`${pages.origin}/legacy`);
  // A string expression: the test is compiled without the DOM library.
  await page.evaluate(`document.getElementById('pixel').src = ${JSON.stringify(pixel)}`);
  const issue = await issueTitled(`Blocked 'image' from '${new URL(pixel).host}'`);
  // Chromium reports CSP3's violated-directive: the directive name alone.
  expect(issue).toMatchObject({ culprit: 'img-src', type: 'csp', metadata: { directive: 'img-src' } });
  const event = await latestEvent(issue);
  expect(event.release).toMatchObject({ version: 'web@2.0.0' });
  expect(tag(event, 'environment')).toBe('e2e');
  expect(tag(event, 'effective-directive')).toBe('img-src');
  expect(tag(event, 'blocked-uri')).toBe(pixel);
  expect(tag(event, 'blocked-host')).toBe('localhost');
  await page.close();
}, 60_000);

it('turns a Reporting API (report-to) CSP violation sent by Chromium into a CSP issue', async () => {
  const page = await browser.newPage();
  await page.goto(securePage);
  expect(await page.title()).toBe('reporting api'); // the inline script was blocked
  // CSP3: Chromium names the blocked inline script `inline` under `script-src-elem`, which
  // Relay words as a URI (its `inline`/`eval` markers only apply to `script-src`).
  const issue = await issueTitled("Blocked 'script' from 'inline:'");
  // The Reporting API body has no violated-directive, so Sentry's culprit falls back to the URL.
  expect(issue).toMatchObject({
    culprit: `${securePage}/`,
    type: 'csp',
    metadata: { directive: 'script-src-elem' },
  });
  const event = await latestEvent(issue);
  expect(event.release).toMatchObject({ version: 'web@2.0.0' });
  expect(tag(event, 'effective-directive')).toBe('script-src-elem');
  expect(tag(event, 'blocked-uri')).toBe('inline');
  expect(tag(event, 'logger')).toBe('csp');
  const csp = (event.entries as Array<{ type: string; data: Json }>).find((e) => e.type === 'csp');
  expect(csp?.data).toMatchObject({
    document_uri: `${securePage}/`,
    effective_directive: 'script-src-elem',
    disposition: 'enforce',
    original_policy: "script-src 'self'; report-to vigil",
  });
  await page.close();
}, 60_000);
