/**
 * Session Replay endpoints with Sentry's paths and shapes (serializer in ./serializers/replay.ts):
 *
 * - `GET /api/0/organizations/{org}/replays/`: replays of the organization's projects
 *   (`organization_replay_index.py`) as `{"data": [...]}`: `project` ids, `environment`,
 *   `statsPeriod` (default 14d, as Sentry's filter params) or `start`/`end`, `sort` (or `orderBy`)
 *   one of Sentry's sortable fields with an optional `-` (default `-started_at`), `field` to pick
 *   keys, cursor pagination (`per_page` ≤ 100, default 50), and `query`, Sentry's replay search
 *   (src/query/replay-search.ts: `browser.name:Chrome`, `click.tag:button`, `count_errors:>0`,
 *   `url:*checkout*`, …; 400 with the search error's message when it does not compile).
 * - `GET /api/0/organizations/{org}/replays/{replay_id}/` and
 *   `GET /api/0/projects/{org}/{project}/replays/{replay_id}/`: one replay as `{"data": {...}}`
 *   (`organization_replay_details.py`, `project_replay_details.py`), 404 when unknown.
 * - `GET /api/0/projects/{org}/{project}/replays/{replay_id}/recording-segments/`
 *   (`project_replay_recording_segment_index.py`): `{"data": [{replayId, segmentId, projectId,
 *   dateAdded}]}`, or with `?download` the segments' rrweb events as one JSON array of arrays
 *   (what Sentry's replay player loads), both ordered by segment id and paginated
 *   (`per_page` ≤ 100, default 100).
 * - `GET .../recording-segments/{segment_id}/` (`project_replay_recording_segment_details.py`):
 *   the segment's metadata as `{"data": {...}}`, or with `?download` its rrweb events (a JSON
 *   array) as an attachment; 404 `{"detail": "Replay recording segment not found."}`.
 * - `GET /api/0/projects/{org}/{project}/replays/{replay_id}/videos/{segment_id}/`
 *   (`project_replay_video_details.py`): the video segment of a native (mobile) replay as
 *   `video/mp4`; 404 when there is none.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import { compileReplaySearch } from '../../query/replay-search.js';
import {
  REPLAY_SORTS,
  getReplay,
  getReplayVideo,
  listRecordingSegments,
  listReplays,
  type ReplaySort,
  type StoredRecordingSegment,
} from '../../storage/clickhouse/replays.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import { requireScope, type ApiPrincipal, type TokenAuth } from './auth.js';
import { organizationFor, projectFor, projectsFor } from './context.js';
import { ApiError } from './errors.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';
import { multiParam, parseTimeRange } from './time-range.js';
import { serializeReplay } from './serializers/replay.js';
import { isoDate } from './serializers/values.js';

/** Collaborators of {@link replayRoutes}. */
export interface ReplayRoutesDeps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  auth: TokenAuth;
  /** Base URL for pagination links; default the request's host over http. */
  publicUrl?: string;
  /** Clock for time ranges; default the system clock. */
  now?: () => Date;
}

/** The window the replay list covers when the request names none (Sentry's default, 14 days). */
export const DEFAULT_REPLAY_PERIOD_MS = 14 * 24 * 3600 * 1000;

type Query = Record<string, unknown>;
type Params = Record<string, string>;

const READ_SCOPES = ['org:read', 'project:read', 'project:write', 'project:admin', 'event:read'];
const NOT_FOUND = 'The requested resource does not exist';

/** Registers the replay routes on `app` (call from the API plugin). */
export async function replayRoutes(app: FastifyInstance, deps: ReplayRoutesDeps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;
  const now = deps.now ?? ((): Date => new Date());
  const requestUrl = (request: FastifyRequest): URL =>
    new URL(request.url, deps.publicUrl ?? `http://${request.headers.host ?? 'localhost'}`);

  async function reader(request: FastifyRequest): Promise<ApiPrincipal> {
    const principal = await auth.authenticate(request);
    requireScope(principal, ...READ_SCOPES);
    return principal;
  }

  app.get('/api/0/organizations/:org/replays/', async (request, reply) => {
    const principal = await reader(request);
    const query = request.query as Query;
    const search = compileReplaySearch(typeof query.query === 'string' ? query.query : '');
    if (!search.ok) throw new ApiError(400, search.error.message);
    const organization = await organizationFor(metadata, principal, (request.params as Params).org ?? '');
    const projects = await projectsFor(metadata, organization, multiParam(query.project));
    const range = parseTimeRange(query, now());
    const end = range.end ?? now();
    const start = range.start ?? new Date(end.getTime() - DEFAULT_REPLAY_PERIOD_MS);
    const { sort, descending } = parseSort(query.sort ?? query.orderBy);
    const limit = parseLimit(query.per_page, 50, 100);
    const { offset } = parseCursor(query.cursor);
    const rows = await listReplays(clickhouse, {
      projectIds: projects.map((p) => p.id),
      start,
      end,
      environments: multiParam(query.environment),
      search: search.value,
      sort,
      descending,
      limit: limit + 1,
      cursor: offset,
    });
    reply.header('Link', linkHeader(requestUrl(request), offset, limit, rows.length > limit));
    const fields = multiParam(query.field);
    return { data: rows.slice(0, limit).map((r) => serializeReplay(r, fields)) };
  });

  app.get('/api/0/organizations/:org/replays/:replayId/', async (request) => {
    const principal = await reader(request);
    const p = request.params as Params;
    const organization = await organizationFor(metadata, principal, p.org ?? '');
    const projects = await projectsFor(metadata, organization, multiParam((request.query as Query).project));
    const replay = await getReplay(
      clickhouse,
      projects.map((project) => project.id),
      p.replayId ?? '',
    );
    if (replay === null) throw new ApiError(404, NOT_FOUND);
    return { data: serializeReplay(replay, multiParam((request.query as Query).field)) };
  });

  app.get('/api/0/projects/:org/:project/replays/:replayId/', async (request) => {
    const principal = await reader(request);
    const p = request.params as Params;
    const { project } = await projectFor(metadata, principal, p.org ?? '', p.project ?? '');
    const replay = await getReplay(clickhouse, [project.id], p.replayId ?? '');
    if (replay === null) throw new ApiError(404, NOT_FOUND);
    return { data: serializeReplay(replay, multiParam((request.query as Query).field)) };
  });

  app.get('/api/0/projects/:org/:project/replays/:replayId/recording-segments/', async (request, reply) => {
    const principal = await reader(request);
    const p = request.params as Params;
    const query = request.query as Query;
    const { project } = await projectFor(metadata, principal, p.org ?? '', p.project ?? '');
    const limit = parseLimit(query.per_page, 100, 100);
    const { offset } = parseCursor(query.cursor);
    const segments = await listRecordingSegments(clickhouse, project.id, p.replayId ?? '', {
      limit: limit + 1,
      cursor: offset,
    });
    reply.header('Link', linkHeader(requestUrl(request), offset, limit, segments.length > limit));
    const page = segments.slice(0, limit);
    if (query.download !== undefined) {
      return reply.type('application/json').send(`[${page.map((s) => s.rrweb).join(',')}]`);
    }
    return { data: page.map((s) => segmentMetadata(s, p.replayId ?? '', project.id)) };
  });

  videoRoute(app, deps, reader);

  app.get(
    '/api/0/projects/:org/:project/replays/:replayId/recording-segments/:segmentId/',
    async (request, reply: FastifyReply) => {
      const principal = await reader(request);
      const p = request.params as Params;
      const { project } = await projectFor(metadata, principal, p.org ?? '', p.project ?? '');
      const segmentId = Number(p.segmentId);
      const [segment] =
        Number.isInteger(segmentId) && segmentId >= 0 && segmentId <= 65_535
          ? await listRecordingSegments(clickhouse, project.id, p.replayId ?? '', { limit: 1, segmentId })
          : [];
      if (segment === undefined) throw new ApiError(404, 'Replay recording segment not found.');
      if ((request.query as Query).download !== undefined) {
        return (
          reply
            .type('application/json')
            // The id matched a stored segment, so it is hex (with optional dashes): safe in a header.
            .header(
              'Content-Disposition',
              `attachment; filename="${hexOf(p.replayId ?? '')}-${segment.segmentId}.json"`,
            )
            .send(segment.rrweb)
        );
      }
      return { data: segmentMetadata(segment, p.replayId ?? '', project.id) };
    },
  );
}

/** Registers the video route (split from {@link replayRoutes} to keep each function short). */
function videoRoute(
  app: FastifyInstance,
  deps: ReplayRoutesDeps,
  reader: (r: FastifyRequest) => Promise<ApiPrincipal>,
): void {
  app.get('/api/0/projects/:org/:project/replays/:replayId/videos/:segmentId/', async (request, reply) => {
    const principal = await reader(request);
    const p = request.params as Params;
    const { project } = await projectFor(deps.metadata, principal, p.org ?? '', p.project ?? '');
    const video = await getReplayVideo(deps.clickhouse, project.id, p.replayId ?? '', Number(p.segmentId));
    if (video === null) throw new ApiError(404, 'Replay recording segment not found.');
    return reply.type('video/mp4').send(video);
  });
}

/** A recording segment's metadata as Sentry's `ReplayRecordingSegmentSerializer` shows it. */
function segmentMetadata(
  segment: StoredRecordingSegment,
  replayId: string,
  projectId: number,
): Record<string, unknown> {
  return {
    replayId: hexOf(replayId),
    segmentId: segment.segmentId,
    projectId: String(projectId),
    dateAdded: isoDate(segment.received),
  };
}

/** A replay id as 32 lowercase hex (dashes dropped), as Sentry returns ids. */
function hexOf(replayId: string): string {
  return replayId.replace(/-/g, '').toLowerCase();
}

/** Parses `sort` / `orderBy` (`-started_at`, `count_errors`, camelCase accepted); 400 when unknown. */
function parseSort(raw: unknown): { sort: ReplaySort; descending: boolean } {
  if (typeof raw !== 'string' || raw === '') return { sort: 'started_at', descending: true };
  const descending = raw.startsWith('-');
  const name = (descending ? raw.slice(1) : raw).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const sort = REPLAY_SORTS.find((s) => s === name);
  if (sort === undefined) throw new ApiError(400, `The field \`${name}\` is not a sortable field.`);
  return { sort, descending };
}
