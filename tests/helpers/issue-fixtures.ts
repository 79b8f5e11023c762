/**
 * A small organization with issues in two projects and their events at known ages, on real
 * stores (SQLite metadata, embedded chDB), behind the web API listening on 127.0.0.1: the
 * fixture of the issue-stream and issue-tag tests. Issues are created the way ingest creates
 * them (`resolveGroups`); their events are written straight into the `events` table, so every
 * timestamp, tag, user and flag is under the test's control.
 *
 * Issues (project `default` unless noted; ages before the fixture's `now`):
 * - `a` TypeError, 6 events (10m, 30m, 2h, 5h, 26h ago in prod; 3d ago in staging), users id:1 ×3,
 *   id:2 ×2, browser Chrome ×4 / Firefox ×2, flag beta=true ×3, one unhandled event, releases
 *   app@2.0.0 (two newest) and app@1.0.0;
 * - `b` ConnectionError (warning, first release app@2.0.0), 3 events (65m, 3h, 20h) by 3 users;
 * - `c` ValueError, first seen 60 days ago, then 2 events 40m and 50m ago;
 * - `d` resolved, 1 event 4h ago; `e` ignored, 1 event 6h ago;
 * - `f` in project `api` (fatal), 4 events 15–35m ago by one user;
 * - `g` a default (message) event, info, 8 days ago.
 * Releases app@1.0.0 and app@2.0.0 exist for project `default`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { apiRoutes } from '../../src/server/api/index.js';
import { closeTestStore, openTestStore } from '../../src/storage/clickhouse/test-store.js';
import { toDateTime64, type ClickHouseStore } from '../../src/storage/clickhouse/index.js';
import {
  bootstrap,
  createProject,
  createRelease,
  openMetadataStore,
  resolveGroups,
  updateGroupStatus,
  type MetadataStore,
} from '../../src/storage/metadata/index.js';

/** The fixture's issue names. */
export type IssueName = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g';

/** One event of the fixture. */
export interface FixtureEvent {
  issue: IssueName;
  /** Minutes before `now`. */
  agoMinutes: number;
  environment?: string;
  level?: string;
  type?: string;
  release?: string;
  user?: { id?: string; email?: string };
  tags?: Array<[string, string]>;
  flags?: Array<[string, string]>;
  handled?: 0 | 1 | null;
  message?: string;
}

const MIN = 1;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** The fixture's events. */
export const FIXTURE_EVENTS: readonly FixtureEvent[] = [
  {
    issue: 'a',
    agoMinutes: 10 * MIN,
    release: 'app@2.0.0',
    user: { id: '1' },
    tags: [['browser', 'Chrome']],
    flags: [['beta', 'true']],
    handled: 0,
  },
  {
    issue: 'a',
    agoMinutes: 30 * MIN,
    release: 'app@2.0.0',
    user: { id: '1' },
    tags: [['browser', 'Chrome']],
    flags: [['beta', 'true']],
  },
  {
    issue: 'a',
    agoMinutes: 2 * HOUR,
    user: { id: '1' },
    tags: [['browser', 'Chrome']],
    flags: [['beta', 'true']],
  },
  { issue: 'a', agoMinutes: 5 * HOUR, user: { id: '2' }, tags: [['browser', 'Chrome']] },
  { issue: 'a', agoMinutes: 26 * HOUR, user: { id: '2' }, tags: [['browser', 'Firefox']] },
  { issue: 'a', agoMinutes: 3 * DAY, environment: 'staging', tags: [['browser', 'Firefox']] },
  {
    issue: 'b',
    agoMinutes: 65 * MIN,
    level: 'warning',
    user: { email: 'u1@example.com' },
    tags: [['browser', 'Firefox']],
    message: 'ConnectionError: refused',
  },
  {
    issue: 'b',
    agoMinutes: 3 * HOUR,
    level: 'warning',
    user: { email: 'u2@example.com' },
    tags: [['browser', 'Firefox']],
    message: 'ConnectionError: refused',
  },
  {
    issue: 'b',
    agoMinutes: 20 * HOUR,
    level: 'warning',
    user: { email: 'u3@example.com' },
    tags: [['browser', 'Firefox']],
    message: 'ConnectionError: refused',
  },
  { issue: 'c', agoMinutes: 60 * DAY, message: 'ValueError: old' },
  { issue: 'c', agoMinutes: 40 * MIN, message: 'ValueError: old' },
  { issue: 'c', agoMinutes: 50 * MIN, message: 'ValueError: old' },
  { issue: 'd', agoMinutes: 4 * HOUR, message: 'KeyError: resolved' },
  { issue: 'e', agoMinutes: 6 * HOUR, message: 'RangeError: ignored' },
  { issue: 'f', agoMinutes: 15 * MIN, level: 'fatal', user: { id: '9' }, message: 'ApiError: down' },
  { issue: 'f', agoMinutes: 20 * MIN, level: 'fatal', user: { id: '9' }, message: 'ApiError: down' },
  { issue: 'f', agoMinutes: 25 * MIN, level: 'fatal', user: { id: '9' }, message: 'ApiError: down' },
  { issue: 'f', agoMinutes: 35 * MIN, level: 'fatal', user: { id: '9' }, message: 'ApiError: down' },
  { issue: 'g', agoMinutes: 8 * DAY, level: 'info', type: 'default', message: 'cache warmed' },
];

const TITLES: Record<IssueName, string> = {
  a: 'TypeError: boom',
  b: 'ConnectionError: refused',
  c: 'ValueError: old',
  d: 'KeyError: resolved',
  e: 'RangeError: ignored',
  f: 'ApiError: down',
  g: 'cache warmed',
};

/** A started fixture: stores, the API's base URL and token, and the issues' ids. */
export interface IssueFixture {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  /** `http://127.0.0.1:<port>`. */
  base: string;
  token: string;
  /** When the events' ages count from. */
  now: Date;
  ids: Record<IssueName, number>;
  /** The grouping hash of each issue. */
  hashes: Record<IssueName, string>;
  /** Event ids (32 hex) of each issue's events, in fixture order. */
  eventIds: Record<IssueName, string[]>;
  projects: { default: number; api: number };
  /** `GET` a path with the token: status, JSON body and headers. */
  get(path: string): Promise<{ status: number; body: unknown; headers: Headers }>;
  close(): Promise<void>;
}

/** Starts the fixture (open stores, create the issues and events, listen). Close it in `afterAll`. */
export async function startIssueFixture(name: string): Promise<IssueFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), `vigil-${name}-`));
  const metadata = await openMetadataStore({ dataDir: dir });
  const boot = await bootstrap(metadata);
  const api = await createProject(metadata, boot.organization.id, 'api');
  if (!api.ok) throw new Error('setup failed');
  const projects = { default: boot.project.id, api: api.value.id };
  const now = new Date();
  const at = (minutes: number): Date => new Date(now.getTime() - minutes * 60_000);

  const names: IssueName[] = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const hashes = Object.fromEntries(
    names.map((n, i) => [
      n,
      String(i + 1)
        .repeat(32)
        .slice(0, 32),
    ]),
  ) as Record<IssueName, string>;
  const ids = {} as Record<IssueName, number>;
  for (const issue of names) {
    const first = FIXTURE_EVENTS.filter((e) => e.issue === issue).at(-1);
    const [resolved] = await resolveGroups(metadata, [
      {
        projectId: issue === 'f' ? projects.api : projects.default,
        hashes: [hashes[issue]],
        init: {
          type: first?.type ?? 'error',
          title: TITLES[issue],
          culprit: `app/${issue}`,
          level: first?.level ?? 'error',
          metadata: {},
          release: issue === 'b' ? 'app@2.0.0' : (first?.release ?? 'app@1.0.0'),
          timestamp: at(first?.agoMinutes ?? 0),
        },
      },
    ]);
    if (resolved === undefined) throw new Error('setup failed');
    ids[issue] = resolved.groupId;
  }
  await updateGroupStatus(metadata, ids.d, { status: 'resolved' });
  await updateGroupStatus(metadata, ids.e, { status: 'ignored' });
  await createRelease(metadata, {
    organizationId: boot.organization.id,
    version: 'app@1.0.0',
    projectIds: [projects.default],
  });
  await createRelease(metadata, {
    organizationId: boot.organization.id,
    version: 'app@2.0.0',
    projectIds: [projects.default],
  });

  const clickhouse = await openTestStore(name);
  const eventIds = Object.fromEntries(names.map((n) => [n, [] as string[]])) as Record<IssueName, string[]>;
  const rows = FIXTURE_EVENTS.map((e, i) => {
    const eventId = (i + 1).toString(16).padStart(32, 'e');
    eventIds[e.issue].push(eventId);
    const user =
      e.user?.id !== undefined
        ? `id:${e.user.id}`
        : e.user?.email !== undefined
          ? `email:${e.user.email}`
          : '';
    const environment = e.environment ?? 'prod';
    const level = e.level ?? 'error';
    const release = e.release ?? 'app@1.0.0';
    const tags: Array<[string, string]> = [
      ...(e.tags ?? []),
      ['environment', environment],
      ['level', level],
      ['release', release],
      ...(user !== '' ? ([['user', user]] as Array<[string, string]>) : []),
    ];
    const time = toDateTime64(at(e.agoMinutes));
    const message = e.message ?? TITLES[e.issue];
    return {
      project_id: e.issue === 'f' ? projects.api : projects.default,
      timestamp: time,
      event_id: eventId,
      group_id: ids[e.issue],
      primary_hash: hashes[e.issue],
      received: time,
      type: e.type ?? 'error',
      level,
      platform: 'node',
      logger: '',
      release,
      dist: '',
      environment,
      transaction: '',
      message,
      title: TITLES[e.issue],
      culprit: `app/${e.issue}`,
      user_id: e.user?.id ?? '',
      user_email: e.user?.email ?? '',
      user_username: '',
      user_ip: '',
      user,
      sdk_name: 'sentry.javascript.node',
      sdk_version: '11.11.0',
      trace_id: '',
      replay_id: '',
      exception_types: e.type === 'default' ? [] : [message.split(':')[0] ?? ''],
      exception_values: e.type === 'default' ? [] : [message.split(': ')[1] ?? ''],
      handled: e.type === 'default' ? null : (e.handled ?? 1),
      'tags.key': tags.map(([k]) => k),
      'tags.value': tags.map(([, v]) => v),
      'flags.key': (e.flags ?? []).map(([k]) => k),
      'flags.value': (e.flags ?? []).map(([, v]) => v),
      data: JSON.stringify({ event_id: eventId, message, level, platform: 'node', tags }),
      retention_days: 90,
    };
  });
  await clickhouse.client.insert({ table: 'events', values: rows, format: 'JSONEachRow' });

  const app: FastifyInstance = Fastify();
  await app.register(apiRoutes, { metadata, clickhouse, publicUrl: 'http://127.0.0.1:8000' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const token = boot.token ?? '';
  return {
    metadata,
    clickhouse,
    base,
    token,
    now,
    ids,
    hashes,
    eventIds,
    projects,
    async get(p) {
      const res = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      return {
        status: res.status,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
        headers: res.headers,
      };
    },
    async close() {
      await app.close();
      await closeTestStore(clickhouse);
      await metadata.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
