/**
 * @sentry/browser 11.11.0 in Debian's Chromium against the built server: browser tracing sends
 * the pageload with the page's fetch under it, readable as a trace tree through the trace
 * endpoint; the user feedback widget, clicked open, filled in and submitted the way a user does,
 * becomes feedback listed for the project with the page's URL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, eventually, type VigilProcess } from '../helpers/vigil-process.js';
import { closeBrowserE2e, htmlPage, startBrowserE2e, type PageServer } from '../helpers/browser.js';

type Json = Record<string, unknown>;
interface Node extends Json {
  op: string;
  description: string;
  children: Node[];
}

let vigil: VigilProcess;
let pages: PageServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ({ vigil, pages, browser } = await startBrowserE2e('tests/e2e/browser/tracing-feedback.ts', (script) => ({
    '/': { body: htmlPage('<h1>Cart</h1><p>2 items</p>', script) },
    '/api/cart': { body: '{"items":2}', contentType: 'application/json' },
  })));
  page = await browser.newPage();
  await page.goto(pages.origin);
}, 120_000);

afterAll(() => closeBrowserE2e({ vigil, pages, browser }));

function flatten(nodes: Node[]): Node[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children ?? [])]);
}

it('stores the pageload trace with the fetch span under the pageload', async () => {
  const traceId = await page.waitForFunction(
    () => (globalThis as unknown as { __traceId?: string }).__traceId,
  );
  const id = (await traceId.jsonValue()) as string;
  expect(id).toMatch(/^[0-9a-f]{32}$/);
  const roots = await eventually(async () => {
    const res = await api(vigil, `/api/0/organizations/vigil/trace/${id}/`);
    const nodes = res.status === 200 ? (res.body as Node[]) : [];
    return flatten(nodes).some((n) => n.op === 'http.client') ? nodes : undefined;
  }, 45_000);
  expect(roots).toHaveLength(1);
  const pageload = roots[0]!;
  expect(pageload).toMatchObject({
    op: 'pageload',
    is_transaction: true,
    release: 'web@2.0.0',
    environment: 'e2e',
  });
  expect(pageload.sdk_name).toBe('sentry.javascript.browser');
  const fetchSpan = flatten(pageload.children).find((n) => n.op === 'http.client');
  // With streamed spans the SDK names fetch spans `<method> <host>` and puts the URL in `url.full`.
  expect(fetchSpan?.description).toBe('GET 127.0.0.1');
  expect(fetchSpan?.additional_attributes).toMatchObject({
    'url.full': `${pages.origin}/api/cart`,
    'http.response.status_code': 200,
  });
  expect(Number(fetchSpan?.duration)).toBeGreaterThanOrEqual(0);
}, 60_000);

it('stores feedback submitted through the widget', async () => {
  await page.getByRole('button', { name: 'Report a Bug' }).click();
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByLabel('Description').fill('The cart total is wrong');
  await page.getByRole('button', { name: 'Send Bug Report' }).click();
  const item = await eventually(async () => {
    const res = await api(vigil, '/api/0/organizations/vigil/feedback/');
    return (res.body as Json[]).find((f) => f.message === 'The cart total is wrong');
  }, 30_000);
  expect(item).toMatchObject({
    name: 'Ada',
    contact_email: 'ada@example.org',
    url: `${pages.origin}/`,
    release: 'web@2.0.0',
    sdk: { name: 'sentry.javascript.browser' },
  });
}, 60_000);
