// The feedback API over real embedded stores (SQLite + chDB): error events go through the error
// pipeline and issue resolution, feedback through the processing loop's feedback handler, and
// the routes are read and written with app.inject.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLICKHOUSE_MIGRATIONS,
  migrate,
  openClickHouse,
  withGroupId,
  type ClickHouseStore,
} from '../../storage/clickhouse/index.js';
import { FEEDBACK_MIGRATION, FEEDBACK_TABLE } from '../../storage/clickhouse/feedback.js';
import {
  bootstrap,
  createApiToken,
  createProject,
  createProjectKey,
  openMetadataStore,
  resolveGroups,
  updateGroupStatus,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { userReportFeedbackId } from '../../processing/items/feedback/index.js';
import type { AcceptedEnvelope } from '../ingest/index.js';
import { runErrorWork } from '../services/error-work.js';
import { FeedbackItemHandler } from '../services/feedback-handler.js';
import { TokenAuth } from './auth.js';
import { apiErrorHandler } from './errors.js';
import { feedbackRoutes } from './feedback.js';
import { DEFAULT_PROJECT_CONFIG } from '../../processing/project-config/index.js';
import { saveProjectConfig } from '../services/project-configs.js';

const HOUR = 3600;
const NOW = Math.floor(Date.now() / 1000 / HOUR) * HOUR - HOUR;
const E1 = '1e'.repeat(16);
const E2 = '2e'.repeat(16);
const UNKNOWN = '3e'.repeat(16);
const F1 = 'f1'.repeat(16);
const F4 = 'f4'.repeat(16);

let dir: string;
let metadata: MetadataStore;
let clickhouse: ClickHouseStore;
let app: FastifyInstance;
let token: string;
let dsn: string;
let otherDsn: string;
let projectId: number;
let otherProjectId: number;
let groups: number[];
let queue: AcceptedEnvelope[] | undefined;

function accepted(project: number, receivedAt: number, eventId?: string): AcceptedEnvelope {
  return {
    envelope: { headers: eventId ? { event_id: eventId } : {}, items: [] },
    projectId: project,
    organizationId: 1,
    keyId: 1,
    publicKey: 'k'.repeat(32),
    meta: { receivedAt, clientIp: '198.51.100.7' },
    sizeBytes: 0,
    config: DEFAULT_PROJECT_CONFIG,
  };
}

/** Stores error events as the processing loop does: pipeline, issue resolution, rows. */
async function ingestErrors(...events: Array<[string, string, object]>): Promise<number[]> {
  const results = events.map(([eventId, message, user]) => {
    const result = runErrorWork({
      payload: Buffer.from(
        JSON.stringify({
          event_id: eventId,
          message,
          level: 'error',
          timestamp: NOW,
          user,
          environment: 'prod',
        }),
      ),
      ctx: { projectId, receivedAt: NOW },
      config: DEFAULT_PROJECT_CONFIG.source,
    });
    if (result.kind !== 'ok') throw new Error(result.reason);
    return result;
  });
  const resolved = await resolveGroups(
    metadata,
    results.map((r) => ({
      projectId: r.projectId,
      hashes: r.hashes,
      init: { ...r.issue, timestamp: new Date(r.timestamp), eventId: r.eventId },
    })),
  );
  await clickhouse.insertJsonLines(
    'events',
    results.map((r, i) => withGroupId(r.line, resolved[i]!.groupId)),
  );
  return resolved.map((g) => g.groupId);
}

/** Runs envelopes through the feedback handler and stores its rows. */
async function ingestFeedback(...envelopes: AcceptedEnvelope[]): Promise<void> {
  const rows: string[] = [];
  const handler = new FeedbackItemHandler({
    sink: { push: (lines) => (rows.push(...lines), true) },
    outcomes: { record: () => undefined },
  });
  for (const envelope of envelopes)
    for (const item of envelope.envelope.items) handler.handle(envelope, item);
  await handler.flush();
  await clickhouse.insertJsonLines(FEEDBACK_TABLE, rows);
}

function withItem(envelope: AcceptedEnvelope, type: string, payload: object): AcceptedEnvelope {
  envelope.envelope.items.push({ headers: { type }, payload: Buffer.from(JSON.stringify(payload)) });
  return envelope;
}

async function request(
  method: 'GET' | 'POST',
  url: string,
  options: { auth?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown; link?: string }> {
  const res = await app.inject({
    method,
    url,
    headers: { authorization: options.auth ?? `Bearer ${token}` },
    ...(options.body !== undefined ? { payload: options.body as object } : {}),
  });
  return {
    status: res.statusCode,
    body: res.body === '' ? undefined : res.json(),
    link: res.headers.link as string | undefined,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-feedback-api-'));
  metadata = await openMetadataStore({ dataDir: dir });
  const boot = await bootstrap(metadata);
  token = boot.token!;
  projectId = boot.project.id;
  dsn = `http://${boot.key.public_key}@vigil.test/${projectId}`;
  const other = await createProject(metadata, boot.organization.id, 'worker');
  if (!other.ok) throw new Error(other.error.detail);
  otherProjectId = other.value.id;
  otherDsn = `http://${(await createProjectKey(metadata, otherProjectId)).public_key}@vigil.test/${otherProjectId}`;
  clickhouse = await openClickHouse({ dataDir: dir });
  await migrate(clickhouse, [...CLICKHOUSE_MIGRATIONS.filter((m) => m.version < 4), FEEDBACK_MIGRATION]);

  groups = await ingestErrors(
    [E1, 'checkout failed', { id: 'u1', email: 'u1@example.org', username: 'uno' }],
    [E2, 'upload failed', { id: 'u2' }],
  );
  await updateGroupStatus(metadata, groups[1]!, { status: 'resolved', substatus: null });
  await ingestFeedback(
    withItem(accepted(projectId, NOW + 60, F1), 'feedback', {
      type: 'feedback',
      level: 'info',
      timestamp: NOW + 59,
      environment: 'prod',
      release: 'shop@2',
      contexts: {
        feedback: {
          message: 'The pay button is dead',
          contact_email: 'jane@example.org',
          name: 'Jane',
          url: 'https://shop.example.org/pay',
          source: 'api',
          associated_event_id: E1,
        },
        browser: { name: 'Firefox', version: '128.0' },
      },
      sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
    }),
    withItem(accepted(projectId, NOW + 120), 'user_report', {
      event_id: E2,
      name: '',
      email: '',
      comments: 'Uploads hang',
    }),
    withItem(accepted(projectId, NOW + 180), 'user_report', {
      event_id: UNKNOWN,
      name: 'Ghost',
      email: 'ghost@example.org',
      comments: 'No event for me',
    }),
    withItem(accepted(otherProjectId, NOW + 240, F4), 'feedback', {
      timestamp: NOW + 240,
      contexts: { feedback: { message: 'Worker feedback' } },
    }),
  );

  app = Fastify();
  app.setErrorHandler(apiErrorHandler);
  await feedbackRoutes(app, {
    metadata,
    clickhouse,
    auth: new TokenAuth(metadata),
    publicUrl: 'http://vigil.test',
    enqueueUserReport: (envelope) => (queue ? (queue.push(envelope), true) : false),
    now: () => new Date((NOW + HOUR) * 1000),
  });
});

afterAll(async () => {
  await app?.close();
  await clickhouse?.close();
  await metadata?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const iso = (s: number): string => new Date(s * 1000).toISOString();

describe('GET /api/0/organizations/{org}/feedback/', () => {
  it("lists the organization's feedback newest first in Sentry's feedback shape", async () => {
    const res = await request('GET', '/api/0/organizations/vigil/feedback/?statsPeriod=24h');
    expect(res.status).toBe(200);
    const list = res.body as Array<Record<string, unknown>>;
    expect(list.map((f) => f.id)).toEqual([F4, userReportFeedbackId(UNKNOWN), userReportFeedbackId(E2), F1]);
    expect(list[3]).toEqual({
      browser: { name: 'Firefox', version: '128.0' },
      contact_email: 'jane@example.org',
      device: { brand: null, family: null, model: null, name: null },
      dist: null,
      environment: 'prod',
      id: F1,
      locale: { lang: null, timezone: null },
      message: 'The pay button is dead',
      os: { name: null, version: null },
      platform: 'other',
      project_id: String(projectId),
      release: 'shop@2',
      replay_id: null,
      sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
      status: 'unresolved',
      tags: {
        'user.email': 'jane@example.org',
        associated_event_id: E1,
        has_linked_error: 'true',
        release: 'shop@2',
      },
      timestamp: iso(NOW + 59),
      url: 'https://shop.example.org/pay',
      user: {
        display_name: 'jane@example.org',
        email: 'jane@example.org',
        id: null,
        ip: null,
        username: null,
      },
      name: 'Jane',
      associated_event_id: E1,
    });
    expect(list[2]).toMatchObject({ message: 'Uploads hang', associated_event_id: E2, contact_email: '' });
  });

  it('narrows by project, environment and time, and paginates', async () => {
    const ids = async (query: string): Promise<unknown[]> =>
      (
        (await request('GET', `/api/0/organizations/vigil/feedback/?${query}`)).body as Array<{ id: string }>
      ).map((f) => f.id);
    expect(await ids(`project=${otherProjectId}`)).toEqual([F4]);
    expect(await ids('projectSlug=worker')).toEqual([F4]);
    expect(await ids('environment=prod')).toEqual([F1]);
    expect(await ids(`start=${iso(NOW + 100)}&end=${iso(NOW + 200)}`)).toEqual([
      userReportFeedbackId(UNKNOWN),
      userReportFeedbackId(E2),
    ]);
    const page = await request('GET', '/api/0/organizations/vigil/feedback/?per_page=3');
    expect((page.body as unknown[]).length).toBe(3);
    expect(page.link).toContain('rel="next"; results="true"; cursor="0:3:0"');
    expect(await ids('per_page=3&cursor=0:3:0')).toEqual([F1]);
  });

  it('rejects unknown organizations, DSN authentication and missing tokens', async () => {
    expect((await request('GET', '/api/0/organizations/nope/feedback/')).status).toBe(404);
    expect(
      (await request('GET', '/api/0/organizations/vigil/feedback/', { auth: `DSN ${dsn}` })).status,
    ).toBe(401);
    expect((await request('GET', '/api/0/organizations/vigil/feedback/', { auth: '' })).status).toBe(401);
  });
});

describe('GET /api/0/projects/{org}/{project}/feedback/{id}/', () => {
  it('returns one feedback of the project', async () => {
    const res = await request('GET', `/api/0/projects/vigil/default/feedback/${F1}/`);
    expect(res).toMatchObject({ status: 200, body: { id: F1, message: 'The pay button is dead' } });
    expect((await request('GET', `/api/0/projects/vigil/worker/feedback/${F1}/`)).status).toBe(404);
    expect((await request('GET', '/api/0/projects/vigil/default/feedback/nope/')).status).toBe(404);
  });
});

describe('GET /api/0/projects/{org}/{project}/user-feedback/', () => {
  it("lists reports about stored events of unresolved issues, with the event's user and issue", async () => {
    const res = await request('GET', '/api/0/projects/vigil/default/user-feedback/');
    expect(res.status).toBe(200);
    const list = res.body as Array<Record<string, unknown>>;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: F1,
      eventID: E1,
      name: 'Jane',
      email: 'jane@example.org',
      comments: 'The pay button is dead',
      dateCreated: iso(NOW + 59),
      user: {
        id: 'u1',
        username: 'uno',
        email: 'u1@example.org',
        name: 'u1@example.org',
        ipAddress: null,
        avatarUrl: null,
      },
      event: { id: E1, eventID: E1 },
      issue: { id: String(groups[0]), status: 'unresolved', title: 'checkout failed', count: '1' },
    });
  });

  it('lists every linked report with status= and rejects other statuses', async () => {
    const res = await request('GET', '/api/0/projects/vigil/default/user-feedback/?status=');
    const list = res.body as Array<Record<string, unknown>>;
    expect(list.map((r) => r.eventID)).toEqual([E2, E1]);
    // Name and email fall back to the event's user; this one has only an id.
    expect(list[0]).toMatchObject({
      id: userReportFeedbackId(E2),
      name: null,
      email: null,
      comments: 'Uploads hang',
      user: { id: 'u2', email: null, name: null },
      issue: { id: String(groups[1]), status: 'resolved' },
    });
    expect(await request('GET', '/api/0/projects/vigil/default/user-feedback/?status=bogus')).toEqual({
      status: 400,
      body: { detail: 'Invalid status choice', status: 'Invalid status choice' },
      link: undefined,
    });
    const env = await request(
      'GET',
      '/api/0/projects/vigil/default/user-feedback/?status=&environment=staging',
    );
    expect(env.body).toEqual([]);
    expect(
      (await request('GET', '/api/0/projects/vigil/default/user-feedback/', { auth: `DSN ${dsn}` })).status,
    ).toBe(401);
  });
});

describe('POST /api/0/projects/{org}/{project}/user-feedback/', () => {
  const report = { event_id: E1, name: ' Max ', email: 'max@example.org', comments: ' Still broken ' };

  it('queues a valid report through the user-report pipeline and answers with it', async () => {
    queue = [];
    const res = await request('POST', '/api/0/projects/vigil/default/user-feedback/', { body: report });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: userReportFeedbackId(E1),
      eventID: E1,
      name: 'Max',
      email: 'max@example.org',
      comments: 'Still broken',
      dateCreated: iso(NOW + HOUR),
      user: { id: 'u1' },
      issue: { id: String(groups[0]) },
    });
    expect(queue).toHaveLength(1);
    expect(queue[0]).toMatchObject({ projectId, keyId: 0, meta: { receivedAt: NOW + HOUR } });
    await ingestFeedback(...queue);
    const listed = await request('GET', '/api/0/projects/vigil/default/user-feedback/');
    expect((listed.body as Array<{ id: string; comments: string }>).map((r) => [r.id, r.comments])).toEqual([
      [userReportFeedbackId(E1), 'Still broken'],
      [F1, 'The pay button is dead'],
    ]);
  });

  it('accepts DSN authentication of the project with an empty answer', async () => {
    queue = [];
    const res = await request('POST', '/api/0/projects/vigil/default/user-feedback/', {
      auth: `DSN ${dsn}`,
      body: report,
    });
    expect(res).toEqual({ status: 200, body: undefined, link: undefined });
    expect(queue[0]).toMatchObject({ projectId, keyId: 1 });
    const wrong = await request('POST', '/api/0/projects/vigil/default/user-feedback/', {
      auth: `DSN ${otherDsn}`,
      body: report,
    });
    expect(wrong.status).toBe(400);
    const unknown = await request('POST', '/api/0/projects/vigil/default/user-feedback/', {
      auth: `DSN http://${'0'.repeat(32)}@vigil.test/1`,
      body: report,
    });
    expect(unknown.status).toBe(401);
  });

  it("carries the project's stored config in the queued envelope", async () => {
    queue = [];
    const config = { filterSettings: { webCrawlers: { isEnabled: true } } };
    expect((await saveProjectConfig(metadata, projectId, config)).ok).toBe(true);
    try {
      const res = await request('POST', '/api/0/projects/vigil/default/user-feedback/', { body: report });
      expect(res.status).toBe(200);
      expect(queue[0]?.config.source).toBe(JSON.stringify(config));
      expect(queue[0]?.config.filterSettings.webCrawlers.isEnabled).toBe(true);
    } finally {
      await saveProjectConfig(metadata, projectId, {});
    }
  });

  it("answers 400 with Sentry's field errors and pipeline reasons", async () => {
    queue = [];
    const post = (body: unknown) => request('POST', '/api/0/projects/vigil/default/user-feedback/', { body });
    expect(await post({ event_id: E1, comments: 'x' })).toMatchObject({
      status: 400,
      body: { name: ['This field is required.'], email: ['This field is required.'] },
    });
    expect(await post({ ...report, email: 'not-an-email' })).toMatchObject({
      status: 400,
      body: { detail: 'Enter a valid email address.', email: ['Enter a valid email address.'] },
    });
    expect(await post({ ...report, event_id: 'AA11BB22-CC33-DD44-EE55-FF6600112233' })).toMatchObject({
      status: 400,
      body: { event_id: ['Ensure this field has no more than 32 characters.'] },
    });
    expect(await post({ ...report, event_id: 'z'.repeat(32) })).toMatchObject({
      status: 400,
      body: { detail: 'Invalid Event ID' },
    });
    expect(await post({ ...report, comments: 'Sent in the unattended mode' })).toMatchObject({
      status: 400,
      body: { detail: 'Sent in Unreal Unattended Mode' },
    });
    expect(queue).toEqual([]);
  });

  it('answers 503 when the queue refuses the report, and 403 without project:write', async () => {
    queue = undefined;
    const res = await request('POST', '/api/0/projects/vigil/default/user-feedback/', { body: report });
    expect(res).toMatchObject({
      status: 503,
      body: { detail: 'User feedback cannot be accepted right now; retry later.' },
    });
    const { token: readOnly } = await createApiToken(metadata, 1, 'reader', ['project:read']);
    const denied = await request('POST', '/api/0/projects/vigil/default/user-feedback/', {
      auth: `Bearer ${readOnly}`,
      body: report,
    });
    expect(denied.status).toBe(403);
    expect(
      (await request('GET', '/api/0/organizations/vigil/feedback/', { auth: `Bearer ${readOnly}` })).status,
    ).toBe(200);
  });
});
