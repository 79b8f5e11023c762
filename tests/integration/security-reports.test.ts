// The browser report endpoints through the in-process server, with hand-written bodies for the
// report types no browser sends any more (HPKP, Expect-CT, Expect-Staple) and for Network Error
// Logging (Chromium only sends NEL over trusted TLS): each certificate report becomes an issue
// with Relay's title and culprit, NEL reports become logs readable through the explore API, and
// malformed reports are dropped with Relay's outcome (reference/relay-protocol.md §1.4, §7.2).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Vigil } from '../../src/server/app.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';
import { api, eventually } from '../helpers/vigil-process.js';

type Json = Record<string, unknown>;

let test: TestVigil;
let vigil: Vigil;
let url: string;
let security: string;

beforeAll(async () => {
  test = await startTestVigil('security');
  ({ vigil, url } = test);
  security = `${url}/api/${test.projectId}/security/?sentry_key=${test.publicKey}`;
}, 60_000);

afterAll(async () => {
  await test?.close();
});

const server = () => ({ url, token: vigil.adminToken ?? '' });

async function report(body: unknown, contentType: string): Promise<number> {
  const res = await fetch(security, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: JSON.stringify(body),
  });
  return res.status;
}

async function issues(): Promise<Json[]> {
  await vigil.flush();
  return (await api(server(), '/api/0/projects/vigil/default/issues/?query=is:unresolved')).body as Json[];
}

it('stores HPKP, Expect-CT and Expect-Staple reports as issues of their types', async () => {
  expect(
    await report(
      {
        'date-time': '2014-04-06T13:00:50Z',
        hostname: 'pins.example.com',
        port: 443,
        'known-pins': ['pin-sha256="d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM="'],
      },
      'application/json',
    ),
  ).toBe(200);
  expect(
    await report(
      { 'expect-ct-report': { hostname: 'ct.example.com', port: 443 } },
      'application/expect-ct-report+json',
    ),
  ).toBe(200);
  expect(
    await report(
      { 'expect-staple-report': { hostname: 'staple.example.com', port: 443, 'response-status': 'MISSING' } },
      'application/expect-staple-report',
    ),
  ).toBe(200);
  const found = await eventually(async () => {
    const list = await issues();
    return list.length >= 3 ? list : undefined;
  });
  const byTitle = Object.fromEntries(found.map((i) => [String(i.title), i]));
  expect(byTitle["Public key pinning validation failed for 'pins.example.com'"]).toMatchObject({
    type: 'hpkp',
    culprit: 'pins.example.com',
    metadata: { origin: 'pins.example.com:443' },
  });
  expect(byTitle["Expect-CT failed for 'ct.example.com'"]).toMatchObject({
    type: 'expectct',
    culprit: 'ct.example.com',
  });
  expect(byTitle["Expect-Staple failed for 'staple.example.com'"]).toMatchObject({
    type: 'expectstaple',
    culprit: 'staple.example.com',
  });
  expect(vigil.outcomes.total('accepted', 'security')).toBe(3);
});

it('groups repeated reports of one host into one issue', async () => {
  const before = (await issues()).length;
  expect(
    await report(
      { 'expect-ct-report': { hostname: 'ct.example.com', port: 8443 } },
      'application/expect-ct-report',
    ),
  ).toBe(200);
  await vigil.flush();
  const after = await issues();
  expect(after).toHaveLength(before);
  expect(after.find((i) => i.title === "Expect-CT failed for 'ct.example.com'")).toMatchObject({
    count: '2',
  });
});

it('stores NEL reports of a Reporting API list as logs', async () => {
  const nel = {
    type: 'network-error',
    age: 5000,
    url: 'https://shop.example/checkout',
    user_agent: 'Mozilla/5.0',
    body: {
      type: 'http.error',
      phase: 'application',
      status_code: 503,
      method: 'POST',
      server_ip: '203.0.113.9',
      elapsed_time: 87,
      sampling_fraction: 1,
    },
  };
  expect(await report([nel], 'application/reports+json')).toBe(200);
  const rows = await eventually(async () => {
    await vigil.flush();
    const res = await api(
      server(),
      '/api/0/organizations/vigil/events/?dataset=logs&statsPeriod=1h&field=message&field=severity&field=tags[http.response.status_code,number]&field=nel.type&field=url.domain',
    );
    const data = (res.body as { data: Json[] }).data;
    return data.length > 0 ? data : undefined;
  });
  expect(rows).toEqual([
    {
      message: 'The user agent successfully received a response, but it had a 503 status code',
      severity: 'info',
      'tags[http.response.status_code,number]': 503,
      'nel.type': 'http.error',
      'url.domain': 'shop.example',
    },
  ]);
});

it('drops malformed and unsupported reports with Relay outcomes', async () => {
  const before = (await issues()).length;
  expect(await report({ hello: 'world' }, 'application/json')).toBe(200);
  expect(await report({ 'csp-report': { 'blocked-uri': 'x' } }, 'application/csp-report')).toBe(200);
  expect(await report([{ type: 'deprecation', body: {} }], 'application/reports+json')).toBe(200);
  expect(await report({ hostname: 'x' }, 'text/plain')).toBe(415);
  await vigil.flush();
  expect(vigil.outcomes.total('invalid', 'security', 'security_report_type')).toBe(1);
  expect(vigil.outcomes.total('invalid', 'security', 'security_report')).toBe(1);
  expect(vigil.outcomes.total('filtered', 'security', 'invalid-csp')).toBe(1);
  expect(await issues()).toHaveLength(before);
});
