/**
 * The browser side of the end-to-end tests: bundles a test page's script with esbuild (so the
 * page runs the real `@sentry/browser` from node_modules), serves pages from a loopback HTTP
 * server the test owns, and drives Debian's Chromium (`/usr/bin/chromium`, installed by
 * scripts/install-test-deps.sh) through playwright-core. Every server and browser started
 * here is stopped by the `close()` the test calls.
 */
import http from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot, startVigil, type VigilProcess } from './vigil-process.js';

/**
 * Bundles `entry` (a path relative to the repository root, e.g.
 * `tests/e2e/browser/replay.ts`) for the browser as one IIFE script. `define` replaces
 * globals at build time (values are JSON-encoded), e.g. `{ __DSN__: dsn }`.
 */
export async function bundleScript(entry: string, define: Record<string, string> = {}): Promise<string> {
  const result = await build({
    entryPoints: [path.join(repoRoot, entry)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    sourcemap: false,
    logLevel: 'silent',
    define: Object.fromEntries(Object.entries(define).map(([k, v]) => [k, JSON.stringify(v)])),
  });
  return result.outputFiles[0]!.text;
}

/** One response of the page server: a body, its content type and extra headers. */
export interface PageResource {
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A loopback HTTP server serving fixed resources by path; other paths answer 404. */
export interface PageServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/** Serves `resources` (path → resource; `/` is the page) on 127.0.0.1 at a free port. */
export async function servePages(resources: Record<string, PageResource>): Promise<PageServer> {
  const server = http.createServer((req, res) => {
    const resource = resources[new URL(req.url ?? '/', 'http://x').pathname];
    if (!resource) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': resource.contentType ?? 'text/html; charset=utf-8',
      ...resource.headers,
    });
    res.end(resource.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A page whose body is `html` and which runs `script` (a bundle) at the end of the body. */
export function htmlPage(html: string, script: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Vigil e2e</title></head><body>${html}<script>${script.replace(/<\/script/gi, '<\\/script')}</script></body></html>`;
}

/**
 * Launches headless Chromium with the flags this machine needs: no sandbox (root), and no
 * background networking (the closed network refuses Google's hosts, which would otherwise
 * flood connection errors). `extraArgs` are appended (e.g. `--short-reporting-delay`, which
 * makes the Reporting API deliver after 100 ms instead of about a minute).
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** What a browser end-to-end test runs against: the built server, its page server and Chromium. */
export interface BrowserE2e {
  vigil: VigilProcess;
  pages: PageServer;
  browser: Browser;
}

/**
 * Starts the built server, bundles the page script `entry` with `__DSN__` set to the server's
 * DSN, serves `resources(script)` (see {@link servePages}) and launches Chromium. When a step
 * fails, what was started is stopped and the error rethrown; otherwise the test stops all three
 * with {@link closeBrowserE2e} in its `afterAll`.
 */
export async function startBrowserE2e(
  entry: string,
  resources: (script: string) => Record<string, PageResource>,
): Promise<BrowserE2e> {
  const started: Partial<BrowserE2e> = {};
  try {
    const vigil = (started.vigil = await startVigil());
    const script = await bundleScript(entry, { __DSN__: vigil.dsn });
    const pages = (started.pages = await servePages(resources(script)));
    const browser = await launchChromium();
    return { vigil, pages, browser };
  } catch (err) {
    await closeBrowserE2e(started);
    throw err;
  }
}

/** Closes Chromium and the page server and disposes of the server, each only when started. */
export async function closeBrowserE2e(parts: Partial<BrowserE2e>): Promise<void> {
  await parts.browser?.close();
  await parts.pages?.close();
  await parts.vigil?.dispose();
}
