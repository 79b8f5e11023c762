// Project configs end to end in the in-process server: the config file's `projects:` entry is
// applied at startup; a config changed through the web API (Vigil's config endpoint, Sentry's
// filter and project-details endpoints) is what the accepted envelope of the next SDK event
// carries. The real @sentry/node SDK sends its envelopes to a second ingest app that shares the
// server's key cache and records what it accepts instead of queueing it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Sentry from '@sentry/node';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createVigil, formatProjectDsn, type Vigil } from '../../src/server/app.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { ingestRoutes, type AcceptedEnvelope } from '../../src/server/ingest/index.js';
import { HEALTH_CHECK_GLOBS } from '../../src/processing/filters/config.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';
import { freePort } from '../helpers/vigil-process.js';

let server: TestVigil;
let vigil: Vigil;
let edge: FastifyInstance;
let edgeDsn: string;
const accepted: AcceptedEnvelope[] = [];

const fileQuota = { id: 'file', categories: ['error'], scope: 'project', limit: 1000, window: 60 };

beforeAll(async () => {
  server = await startTestVigil('project-config', undefined, {
    configYaml: [
      'projects:',
      '  vigil/default:',
      '    quotas:',
      '      - { id: file, categories: [error], scope: project, limit: 1000, window: 60 }',
      '',
    ].join('\n'),
  });
  vigil = server.vigil;

  edge = Fastify();
  await edge.register(ingestRoutes, {
    lookupKey: (k) => vigil.keys.lookup(k),
    enqueue: (e) => (accepted.push(e), true),
  });
  const edgePort = await freePort();
  await edge.listen({ host: '127.0.0.1', port: edgePort });
  const publicKey = new URL(vigil.dsn).username;
  edgeDsn = formatProjectDsn(`http://127.0.0.1:${edgePort}`, publicKey, 1);
}, 60_000);

afterAll(async () => {
  await Sentry.close(2000);
  await edge?.close();
  await server?.close();
});

async function api(method: 'GET' | 'PUT' | 'PATCH', url: string, body?: object) {
  const res = await vigil.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${vigil.adminToken}` },
    ...(body !== undefined ? { payload: body } : {}),
  });
  return { status: res.statusCode, body: res.body === '' ? undefined : (res.json() as unknown) };
}

/** Sends one error with the real SDK and returns the config its accepted envelope carried. */
async function nextEnvelopeConfig(message: string): Promise<unknown> {
  Sentry.init({ dsn: edgeDsn, defaultIntegrations: false });
  Sentry.captureException(new Error(message));
  await expect(Sentry.flush(5000)).resolves.toBe(true);
  await Sentry.close(2000);
  const envelope = accepted.at(-1);
  expect(envelope?.envelope.items.map((i) => i.headers.type)).toEqual(['event']);
  return JSON.parse(envelope!.config.source);
}

it("applies the config file's project config at startup, replacing the bootstrap defaults", async () => {
  expect(await api('GET', '/api/0/projects/vigil/default/config/')).toEqual({
    status: 200,
    body: { quotas: [fileQuota] },
  });
  expect(await nextEnvelopeConfig('with the file config')).toEqual({ quotas: [fileQuota] });
});

it('carries a config set through the API in the very next envelope (no TTL wait)', async () => {
  const config = {
    quotas: [{ id: 'api', categories: ['error', 'default'], scope: 'key', limit: 5, window: 3600 }],
    datascrubbingSettings: { scrubIpAddresses: true, sensitiveFields: ['pin'] },
  };
  expect((await api('PUT', '/api/0/projects/vigil/default/config/', config)).status).toBe(200);
  expect(await nextEnvelopeConfig('after PUT')).toEqual(config);

  // Sentry's endpoints change the same config.
  expect(
    (await api('PUT', '/api/0/projects/vigil/default/filters/filtered-transaction/', { active: true }))
      .status,
  ).toBe(204);
  const details = await api('PUT', '/api/0/projects/vigil/default/', {
    options: { 'filters:releases': '0.9.*' },
  });
  expect(details).toMatchObject({ status: 200, body: { scrubIPAddresses: true, sensitiveFields: ['pin'] } });
  const carried = await nextEnvelopeConfig('after the Sentry endpoints');
  expect(carried).toEqual({
    ...config,
    filterSettings: {
      ignoreTransactions: { patterns: [...HEALTH_CHECK_GLOBS], isEnabled: true },
      releases: { releases: ['0.9.*'] },
    },
  });
  const last = accepted.at(-1)!;
  expect(last.config.filterSettings.ignoreTransactions.isEnabled).toBe(true);
  expect(last.config.quotas[0]).toMatchObject({ id: 'api', limit: 5, scope: 'key' });

  // A rejected change leaves the carried config alone.
  expect(
    (await api('PATCH', '/api/0/projects/vigil/default/config/', { quotas: [{ limit: 'x' }] })).status,
  ).toBe(400);
  expect(await nextEnvelopeConfig('after a rejected PATCH')).toEqual(carried);
});

it('refuses to start with a config file naming a project that does not exist', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-project-config-bad-'));
  try {
    const file = path.join(dir, 'vigil.yaml');
    writeFileSync(file, 'projects:\n  vigil/nope:\n    quotas: []\n');
    const config = loadConfig({ config: file, dataDir: dir, logLevel: 'warn' }, {});
    // Fails before ClickHouse is opened, so this process's chDB (bound to the first server) is untouched.
    const started = createVigil(config);
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow('projects["vigil/nope"]: no such project');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
