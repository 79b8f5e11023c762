/**
 * Profiles end to end against the built server, sent by real clients:
 *
 * - a transaction-bound `profile` from Debian's python3-sentry-sdk 1.9 (its experimental profiler
 *   on a WSGI transaction; @sentry/browser 11 no longer sends transaction-bound profiles and
 *   @sentry/node needs a native profiler add-on that is not installed);
 * - UI profiling `profile_chunk`s from @sentry/browser 11.11.0 in Debian's Chromium, served with
 *   `Document-Policy: js-profiling` so the JS Self-Profiling API is available;
 *
 * read back through the profile list, the raw download endpoints and `vigil profiles`.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowserE2e, htmlPage, startBrowserE2e, type PageServer } from '../helpers/browser.js';
import {
  api,
  clientsDir,
  eventually,
  runClient,
  vigilCli,
  type VigilProcess,
} from '../helpers/vigil-process.js';

type Json = Record<string, unknown>;

let vigil: VigilProcess;
let pages: PageServer;
let browser: Browser;

const list = async (query: string): Promise<Json[]> =>
  (await api(vigil, `/api/0/projects/vigil/default/profiling/profiles/?${query}`)).body as Json[];

beforeAll(async () => {
  ({ vigil, pages, browser } = await startBrowserE2e('tests/e2e/browser/profiling.ts', (script) => ({
    '/': {
      body: htmlPage('<button id="work">Check out</button><p id="status"></p>', script),
      headers: { 'document-policy': 'js-profiling' },
    },
  })));
}, 120_000);

afterAll(() => closeBrowserE2e({ vigil, pages, browser }));

describe('transaction profiles', () => {
  it('stores the python SDK profile of a WSGI transaction and returns it as sent', async () => {
    const { traceId } = await runClient<{ traceId: string }>(
      '/usr/bin/python3',
      [path.join(clientsDir, 'python_profile.py')],
      { SENTRY_DSN: vigil.dsn },
      60_000,
    );
    const [profile] = await eventually(async () => {
      const rows = await list(`kind=profile&trace_id=${traceId}`);
      return rows.length > 0 ? rows : undefined;
    }, 30_000);
    expect(profile).toMatchObject({
      kind: 'profile',
      platform: 'python',
      traceId,
      transactionName: 'generic WSGI request',
      release: 'e2e-profile-py@1.0.0',
      environment: 'e2e',
    });
    expect(Number(profile!.durationMs)).toBeGreaterThan(300);
    const raw = await api(
      vigil,
      `/api/0/projects/vigil/default/profiling/raw_profiles/${String(profile!.id)}/`,
    );
    expect(raw.status).toBe(200);
    const body = raw.body as Json;
    expect(body).toMatchObject({ platform: 'python', version: '1', event_id: profile!.id });
    expect(((body.profile as Json).samples as unknown[]).length).toBeGreaterThan(2);

    const cli = await vigilCli(vigil, ['profiles', 'list', '--kind', 'profile'], 'token');
    expect(cli).toContain(String(profile!.id));
  }, 90_000);
});

describe('UI profiling chunks', () => {
  it('stores the browser SDK chunk of a traced span under its profiler id', async () => {
    const page = await browser.newPage();
    await page.goto(pages.origin);
    await page.click('#work');
    await page.waitForSelector('#status[data-trace-id]', { state: 'attached', timeout: 20_000 });
    const profilerId = (await page.locator('#status').getAttribute('data-profiler-id')) ?? '';
    expect(profilerId).toMatch(/^[0-9a-f]{32}$/);
    const [chunk] = await eventually(async () => {
      const rows = await list(`kind=profile_chunk&profiler_id=${profilerId}`);
      return rows.length > 0 ? rows : undefined;
    }, 30_000);
    expect(chunk).toMatchObject({
      kind: 'profile_chunk',
      profilerId,
      platform: 'javascript',
      release: 'web-profiling@1.0.0',
      environment: 'e2e',
    });
    expect(Number(chunk!.durationMs)).toBeGreaterThan(100);
    const raw = await api(
      vigil,
      `/api/0/projects/vigil/default/profiling/raw_chunks/${profilerId}/${String(chunk!.chunkId)}/`,
    );
    expect(raw.status).toBe(200);
    expect(raw.body).toMatchObject({
      version: '2',
      platform: 'javascript',
      profiler_id: profilerId,
      chunk_id: chunk!.chunkId,
      client_sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
    });

    const out = path.join(vigil.dataDir, 'chunk.json');
    await vigilCli(
      vigil,
      ['profiles', 'download', String(chunk!.chunkId), '--profiler', profilerId, '-o', out],
      'token',
    );
    const { readFile } = await import('node:fs/promises');
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(raw.body);
    await page.close();
  }, 90_000);
});
