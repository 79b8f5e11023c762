/**
 * @sentry/browser in Debian's Chromium against the built server: an uncaught error from a click
 * handler crosses CORS to the envelope endpoint and becomes an issue whose event carries the
 * browser and OS contexts Vigil derives from Chromium's user agent.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { api, eventually, type VigilProcess } from '../helpers/vigil-process.js';
import { closeBrowserE2e, htmlPage, startBrowserE2e, type PageServer } from '../helpers/browser.js';

type Json = Record<string, unknown>;

let vigil: VigilProcess;
let pages: PageServer;
let browser: Browser;

beforeAll(async () => {
  ({ vigil, pages, browser } = await startBrowserE2e('tests/e2e/browser/errors.ts', (script) => ({
    '/': { body: htmlPage('<button id="boom">Pay</button>', script) },
  })));
}, 120_000);

afterAll(() => closeBrowserE2e({ vigil, pages, browser }));

it('stores an uncaught browser error as an issue with browser contexts', async () => {
  const page = await browser.newPage();
  await page.goto(pages.origin);
  await page.click('#boom');
  const issue = await eventually(async () => {
    const res = await api(vigil, '/api/0/projects/vigil/default/issues/?query=is:unresolved');
    return (res.body as Json[]).find((i) => String(i.title).includes('Cannot read the checkout total'));
  }, 30_000);
  expect(issue).toMatchObject({ title: 'TypeError: Cannot read the checkout total', level: 'error' });
  const event = (await api(vigil, `/api/0/issues/${String(issue.id)}/events/latest/`)).body as Json;
  const contexts = event.contexts as Record<string, Json>;
  // Headless Chromium says HeadlessChrome/<version>; ua-parser-js names it "Chrome Headless".
  expect(String(contexts.browser!.name)).toMatch(/Chrome/);
  expect(contexts.os).toMatchObject({ name: 'Linux' });
  expect(event.release).toMatchObject({ version: 'web@1.0.0' });
  expect(
    (event.tags as Array<{ key: string; value: string }>).find((t) => t.key === 'environment'),
  ).toMatchObject({
    value: 'e2e',
  });
  await page.close();
}, 60_000);
