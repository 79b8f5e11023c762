// The project config routes over a real SQLite metadata store: Vigil's own config endpoint,
// Sentry's inbound filter endpoints and Sentry's project details, all reading and writing the one
// stored Relay-shaped config.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HEALTH_CHECK_GLOBS } from '../../processing/filters/config.js';
import {
  bootstrap,
  createApiToken,
  createOrganization,
  getProjectConfigJson,
  openMetadataStore,
  setProjectConfigJson,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { TokenAuth } from './auth.js';
import { apiErrorHandler } from './errors.js';
import { projectConfigRoutes } from './project-config.js';

let dir: string;
let store: MetadataStore;
let app: FastifyInstance;
let admin: string;
let reader: string;
let stranger: string;
let projectId: number;
let changed: number[];

const BASE = '/api/0/projects/vigil/default';

async function call(
  method: 'GET' | 'PUT' | 'PATCH',
  url: string,
  body?: unknown,
  token = admin,
): Promise<{ status: number; body: unknown }> {
  const res = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(body !== undefined ? { payload: body as object } : {}),
  });
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json() };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-project-config-api-'));
  store = await openMetadataStore({ dataDir: dir });
  const boot = await bootstrap(store);
  admin = boot.token!;
  projectId = boot.project.id;
  reader = (await createApiToken(store, boot.organization.id, 'read', ['project:read'])).token;
  const other = await createOrganization(store, 'other');
  if (!other.ok) throw new Error(other.error.detail);
  stranger = (await createApiToken(store, other.value.id, 'x', ['project:read', 'project:write'])).token;
  app = Fastify();
  app.setErrorHandler(apiErrorHandler);
  await projectConfigRoutes(app, {
    metadata: store,
    auth: new TokenAuth(store),
    publicUrl: 'http://127.0.0.1:8000',
    onProjectConfigChange: (id) => changed.push(id),
  });
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  changed = [];
  await setProjectConfigJson(store, projectId, {});
});

describe('GET/PUT/PATCH .../config/', () => {
  const quota = { id: 'errors', categories: ['error'], scope: 'project', limit: 10, window: 60 };

  it('replaces the config with PUT and reads it back with GET', async () => {
    expect(await call('GET', `${BASE}/config/`)).toEqual({ status: 200, body: {} });
    const config = {
      quotas: [quota],
      filterSettings: { localhost: { isEnabled: true } },
      datascrubbingSettings: { scrubIpAddresses: true },
      piiConfig: { applications: { $string: ['@email:replace'] } },
      allowedDomains: ['*.example.com'],
      eventRetention: 30,
      unknownKey: 1,
    };
    const { unknownKey: _dropped, ...stored } = config;
    expect(await call('PUT', `${BASE}/config/`, config)).toEqual({ status: 200, body: stored });
    expect(changed).toEqual([projectId]);
    expect(await call('GET', `${BASE}/config/`, undefined, reader)).toEqual({ status: 200, body: stored });
    expect(await getProjectConfigJson(store, projectId)).toEqual(stored);
  });

  it('merges top-level keys with PATCH; null removes a key', async () => {
    await call('PUT', `${BASE}/config/`, {
      quotas: [quota],
      filterSettings: { webCrawlers: { isEnabled: true } },
    });
    const patched = await call('PATCH', `${BASE}/config/`, {
      quotas: null,
      datascrubbingSettings: { scrubData: false },
    });
    expect(patched).toEqual({
      status: 200,
      body: {
        filterSettings: { webCrawlers: { isEnabled: true } },
        datascrubbingSettings: { scrubData: false },
      },
    });
  });

  it('answers 400 with every error by path and stores nothing', async () => {
    await call('PUT', `${BASE}/config/`, { quotas: [quota] });
    changed = [];
    const bad = await call('PUT', `${BASE}/config/`, {
      quotas: [quota, { id: 'x', limit: -1 }],
      filterSettings: { localhost: {} },
      datascrubbingSettings: { scrubData: 'yes' },
      piiConfig: { applications: { $string: ['nope'] } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      detail: 'Invalid project config',
      errors: [
        expect.stringMatching(/^quotas\[1\]: /),
        'filterSettings.localhost.isEnabled: required boolean',
        'datascrubbingSettings.scrubData: expected boolean',
        expect.stringMatching(/^piiConfig\.applications\["\$string"\]: unknown rule "nope"/),
      ],
    });
    expect((await call('PATCH', `${BASE}/config/`, { quotas: 'x' })).status).toBe(400);
    expect(await call('PUT', `${BASE}/config/`, [1])).toEqual({
      status: 400,
      body: { detail: 'Invalid project config', errors: ['project config: expected an object'] },
    });
    expect(changed).toEqual([]);
    expect(await getProjectConfigJson(store, projectId)).toEqual({ quotas: [quota] });
  });

  it('needs project:write to change, and hides other organizations', async () => {
    expect((await call('PUT', `${BASE}/config/`, {}, reader)).status).toBe(403);
    expect((await call('PATCH', `${BASE}/config/`, {}, reader)).status).toBe(403);
    expect((await call('GET', `${BASE}/config/`, undefined, stranger)).status).toBe(404);
    expect((await call('GET', '/api/0/projects/vigil/nope/config/')).status).toBe(404);
    expect((await app.inject({ method: 'GET', url: `${BASE}/config/` })).statusCode).toBe(401);
  });
});

describe("Sentry's inbound filter endpoints", () => {
  const list = async () =>
    (await call('GET', `${BASE}/filters/`)).body as Array<{ id: string; active: unknown; name: string }>;

  it("lists the five filters by name with Sentry's fields", async () => {
    const filters = await list();
    expect(filters.map((f) => f.id)).toEqual([
      'browser-extensions',
      'localhost',
      'filtered-transaction',
      'legacy-browsers',
      'web-crawlers',
    ]);
    expect(filters[4]).toEqual({
      id: 'web-crawlers',
      active: false,
      description:
        'Some crawlers may execute pages in incompatible ways which then cause errors that are unlikely to be seen by a normal user.',
      name: 'Filter out known web crawlers',
    });
  });

  it('toggles filters with PUT (204) and writes them into filterSettings', async () => {
    const put = (id: string, body: unknown) => call('PUT', `${BASE}/filters/${id}/`, body);
    expect(await put('localhost', { active: true })).toEqual({ status: 204, body: undefined });
    expect(await put('filtered-transaction', { active: true })).toMatchObject({ status: 204 });
    expect(await put('legacy-browsers', { subfilters: ['safari', 'ie'] })).toMatchObject({ status: 204 });
    expect(changed).toEqual([projectId, projectId, projectId]);
    expect(await getProjectConfigJson(store, projectId)).toEqual({
      filterSettings: {
        localhost: { isEnabled: true },
        ignoreTransactions: { patterns: [...HEALTH_CHECK_GLOBS], isEnabled: true },
        legacyBrowsers: { isEnabled: true, options: ['ie', 'safari'] },
      },
    });
    const active = Object.fromEntries((await list()).map((f) => [f.id, f.active]));
    expect(active).toEqual({
      'web-crawlers': false,
      'filtered-transaction': true,
      'browser-extensions': false,
      localhost: true,
      'legacy-browsers': ['ie', 'safari'],
    });
    expect(await put('localhost', { active: false })).toMatchObject({ status: 204 });
    expect((await getProjectConfigJson(store, projectId))?.filterSettings).not.toHaveProperty('localhost');
  });

  it("answers Sentry's 400, 403 and 404", async () => {
    expect(await call('PUT', `${BASE}/filters/localhost/`, { active: 'perhaps' })).toEqual({
      status: 400,
      body: { active: ['Must be a valid boolean.'] },
    });
    expect(await call('PUT', `${BASE}/filters/legacy-browsers/`, { subfilters: ['lynx'] })).toEqual({
      status: 400,
      body: { subfilters: ['"lynx" is not a valid choice.'] },
    });
    expect(await call('PUT', `${BASE}/filters/cors/`, { active: true })).toEqual({
      status: 404,
      body: { detail: 'The requested resource does not exist' },
    });
    expect((await call('PUT', `${BASE}/filters/localhost/`, { active: true }, reader)).status).toBe(403);
    expect(changed).toEqual([]);
  });
});

describe("Sentry's project details", () => {
  it("shows Sentry's defaults for a project without a config", async () => {
    const { status, body } = await call('GET', `${BASE}/`, undefined, reader);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: String(projectId),
      slug: 'default',
      dataScrubber: true,
      dataScrubberDefaults: true,
      sensitiveFields: [],
      safeFields: [],
      scrubIPAddresses: false,
      relayPiiConfig: null,
      allowedDomains: ['*'],
      options: { 'filters:blacklisted_ips': '', 'filters:releases': '', 'filters:error_messages': '' },
      organization: { slug: 'vigil' },
    });
  });

  it("maps allowedDomains onto the config as Sentry's get_origins hands them to Relay", async () => {
    const put = await call('PUT', `${BASE}/`, {
      allowedDomains: [' *.Example.com/ ', 'https://shop.example.org', '', 'https://shop.example.org/'],
    });
    expect(put).toMatchObject({
      status: 200,
      body: { allowedDomains: ['*.example.com', 'https://shop.example.org'] },
    });
    expect(await getProjectConfigJson(store, projectId)).toEqual({
      allowedDomains: ['*.example.com', 'https://shop.example.org'],
    });
    expect(changed).toEqual([projectId]);
    expect((await call('GET', `${BASE}/`, undefined, reader)).body).toMatchObject({
      allowedDomains: ['*.example.com', 'https://shop.example.org'],
    });
    // The config endpoint shows the same key; `*` alone is the default again.
    expect((await call('GET', `${BASE}/config/`)).body).toEqual({
      allowedDomains: ['*.example.com', 'https://shop.example.org'],
    });
    await call('PUT', `${BASE}/`, { allowedDomains: ['*'] });
    expect(await getProjectConfigJson(store, projectId)).toEqual({});
    // The `sentry:origins` option takes newline-separated text; an empty one blocks every origin.
    await call('PUT', `${BASE}/`, { options: { 'sentry:origins': 'Example.com\n\nlocalhost:3000' } });
    expect(await getProjectConfigJson(store, projectId)).toEqual({
      allowedDomains: ['example.com', 'localhost:3000'],
    });
    await call('PUT', `${BASE}/`, { options: { 'sentry:origins': '' } });
    expect(await getProjectConfigJson(store, projectId)).toEqual({ allowedDomains: [] });
    expect((await call('GET', `${BASE}/`)).body).toMatchObject({ allowedDomains: [] });
  });

  it("answers OriginField's errors for allowedDomains and stores nothing", async () => {
    const cases: Array<[unknown, unknown]> = [
      [[], ['Empty value will block all requests, use * to accept from all domains']],
      [['', '  '], ['Empty value will block all requests, use * to accept from all domains']],
      ['', ['Empty value will block all requests, use * to accept from all domains']],
      ['example.com', ['Expected a list of items but got type "str".']],
      [null, ['This field may not be null.']],
      [
        ['ok.com', 'localhost:3000', 'https://a.com:8443/x', true],
        {
          1: ['localhost:3000 is not an acceptable domain'],
          2: ['https://a.com:8443/x is not an acceptable domain'],
          3: ['Not a valid string.'],
        },
      ],
    ];
    for (const [allowedDomains, errors] of cases) {
      const bad = await call('PUT', `${BASE}/`, { allowedDomains });
      expect(bad, JSON.stringify(allowedDomains)).toEqual({ status: 400, body: { allowedDomains: errors } });
    }
    expect(await getProjectConfigJson(store, projectId)).toEqual({});
    expect(changed).toEqual([]);
    expect((await call('PUT', `${BASE}/`, { allowedDomains: ['example.com'] }, reader)).status).toBe(403);
  });

  it('maps the data scrubbing fields and filter options onto the config and shows them back', async () => {
    const pii = {
      rules: { card: { type: 'creditcard', redaction: { method: 'mask' } } },
      applications: { $string: ['card'] },
    };
    const { status, body } = await call('PUT', `${BASE}/`, {
      dataScrubber: 'false',
      scrubIPAddresses: true,
      sensitiveFields: [' pin ', 'cvv'],
      safeFields: ['$http.headers.x-request-id'],
      relayPiiConfig: JSON.stringify(pii),
      options: {
        'filters:blacklisted_ips': '10.0.0.0/8\n\n127.0.0.1',
        'filters:releases': 'App@1.0-BETA*',
        'filters:error_messages': 'TypeError: Failed to fetch*',
      },
      name: 'ignored',
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      name: 'Default',
      dataScrubber: false,
      dataScrubberDefaults: true,
      sensitiveFields: ['pin', 'cvv'],
      safeFields: ['$http.headers.x-request-id'],
      scrubIPAddresses: true,
      options: {
        'filters:blacklisted_ips': '10.0.0.0/8\n127.0.0.1',
        'filters:releases': 'app@1.0-beta*',
        'filters:error_messages': 'TypeError: Failed to fetch*',
      },
    });
    expect(JSON.parse((body as { relayPiiConfig: string }).relayPiiConfig)).toEqual(pii);
    expect(changed).toEqual([projectId]);
    expect(await getProjectConfigJson(store, projectId)).toEqual({
      datascrubbingSettings: {
        excludeFields: ['$http.headers.x-request-id'],
        scrubData: false,
        scrubIpAddresses: true,
        sensitiveFields: ['pin', 'cvv'],
        scrubDefaults: true,
      },
      piiConfig: {
        rules: { 'project:card': pii.rules.card },
        applications: { $string: ['project:card'] },
      },
      filterSettings: {
        clientIps: { blacklistedIps: ['10.0.0.0/8', '127.0.0.1'] },
        releases: { releases: ['app@1.0-beta*'] },
        errorMessages: { patterns: ['TypeError: Failed to fetch*'] },
      },
    });
    // Blank text removes the rules; null leaves them (as in Sentry).
    await call('PUT', `${BASE}/`, { relayPiiConfig: null });
    expect(await getProjectConfigJson(store, projectId)).toHaveProperty('piiConfig');
    await call('PUT', `${BASE}/`, { relayPiiConfig: '', options: { 'filters:releases': '' } });
    const json = await getProjectConfigJson(store, projectId);
    expect(json).not.toHaveProperty('piiConfig');
    expect(json?.filterSettings).not.toHaveProperty('releases');
  });

  it("answers DRF's field errors and stores nothing", async () => {
    const bad = await call('PUT', `${BASE}/`, {
      dataScrubber: 'sometimes',
      sensitiveFields: 'pin',
      safeFields: ['$http.(('],
      relayPiiConfig: '{"applications": {"$string": ["nope"]}}',
      options: { 'filters:releases': ['1.0'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      dataScrubber: ['Must be a valid boolean.'],
      sensitiveFields: ['Expected a list of items but got type "str".'],
      safeFields: [expect.stringMatching(/\(line 1\)$/)],
      relayPiiConfig: [expect.stringMatching(/unknown rule "nope"/)],
      options: ['filters:releases: expected a newline-separated string'],
    });
    expect((await call('PUT', `${BASE}/`, { sensitiveFields: ['x'.repeat(4001)] })).body).toEqual({
      sensitiveFields: ['List of sensitive fields is too long.'],
    });
    expect(await getProjectConfigJson(store, projectId)).toEqual({});
    expect(changed).toEqual([]);
  });

  it('refuses scrubbing changes from a project:read token, as Sentry does for member fields', async () => {
    expect((await call('PUT', `${BASE}/`, { dataScrubber: true }, reader)).status).toBe(403);
    expect((await call('PUT', `${BASE}/`, { options: { 'filters:releases': '1.0' } }, reader)).status).toBe(
      403,
    );
    // Sentry's member serializer drops admin fields; only truthy ones are refused.
    const falsy = await call(
      'PUT',
      `${BASE}/`,
      { dataScrubber: false, safeFields: [], isBookmarked: true },
      reader,
    );
    expect(falsy).toMatchObject({ status: 200, body: { dataScrubber: true } });
    expect(await getProjectConfigJson(store, projectId)).toEqual({});
    expect(changed).toEqual([]);
  });
});
