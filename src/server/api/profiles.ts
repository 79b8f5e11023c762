/**
 * Profiling endpoints:
 *
 * - `GET /api/0/projects/{org}/{project}/profiling/raw_profiles/{profile_id}/`: a transaction
 *   profile as the SDK sent it (Sentry's `ProjectProfilingRawProfileEndpoint`).
 * - `GET /api/0/projects/{org}/{project}/profiling/raw_chunks/{profiler_id}/{chunk_id}/`: one
 *   continuous-profiling chunk as sent (Sentry's `ProjectProfilingRawChunkEndpoint`).
 * - `GET /api/0/projects/{org}/{project}/profiling/profiles/`: Vigil's list of the project's
 *   profiles and chunks with their metadata, newest first (Sentry lists profiles through its
 *   events API over the profiles dataset, which Vigil does not have); filters `kind`
 *   (`profile` | `profile_chunk`), `profiler_id`, `trace_id`, `statsPeriod` or `start`/`end`;
 *   cursor pagination (`per_page` ≤ 100).
 *
 * Bearer-token auth with `event:read` (or project read scopes).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JsonObject } from '../../protocol/json.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import { getProfilePayload, listProfiles, type StoredProfile } from '../../storage/clickhouse/profiles.js';
import { requireScope, type TokenAuth } from './auth.js';
import { projectFor } from './context.js';
import { ApiError } from './errors.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';
import { parseTimeRange } from './time-range.js';

/** Collaborators of {@link profileRoutes}. */
export interface ProfileRoutesDeps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  auth: TokenAuth;
  /** Base URL for pagination links; default the request's host over http. */
  publicUrl?: string;
  /** Clock for time ranges; default the system clock. */
  now?: () => Date;
}

type Params = Record<string, string>;
type Query = Record<string, unknown>;

const SCOPES = ['event:read', 'event:write', 'event:admin', 'project:read'];

/** The list shape of one profile or chunk. */
export function serializeProfile(profile: StoredProfile): JsonObject {
  return {
    id: profile.profileId,
    kind: profile.kind,
    ...(profile.kind === 'profile_chunk'
      ? { profilerId: profile.profilerId, chunkId: profile.profileId }
      : { profileId: profile.profileId }),
    transactionId: profile.transactionId || null,
    transactionName: profile.transactionName || null,
    traceId: profile.traceId || null,
    release: profile.release || null,
    environment: profile.environment || null,
    platform: profile.platform,
    start: profile.start.toISOString(),
    end: profile.end.toISOString(),
    durationMs: profile.durationMs,
    dateReceived: profile.received.toISOString(),
  };
}

/** Registers the profiling routes on `app` (call from the API plugin). */
export async function profileRoutes(app: FastifyInstance, deps: ProfileRoutesDeps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;
  const now = deps.now ?? ((): Date => new Date());
  const requestUrl = (request: FastifyRequest): URL =>
    new URL(request.url, deps.publicUrl ?? `http://${request.headers.host ?? 'localhost'}`);

  async function projectOf(request: FastifyRequest) {
    const principal = await auth.authenticate(request);
    requireScope(principal, ...SCOPES);
    const p = request.params as Params;
    return (await projectFor(metadata, principal, p.org!, p.project!)).project;
  }

  const sendPayload = (reply: FastifyReply, payload: string | undefined): FastifyReply => {
    if (payload === undefined) throw new ApiError(404, 'profile not found');
    return reply.type('application/json').send(payload);
  };

  app.get('/api/0/projects/:org/:project/profiling/raw_profiles/:profileId/', async (request, reply) => {
    const project = await projectOf(request);
    const found = await getProfilePayload(clickhouse, project.id, (request.params as Params).profileId!);
    return sendPayload(reply, found?.payload);
  });

  app.get(
    '/api/0/projects/:org/:project/profiling/raw_chunks/:profilerId/:chunkId/',
    async (request, reply) => {
      const project = await projectOf(request);
      const p = request.params as Params;
      const found = await getProfilePayload(clickhouse, project.id, p.chunkId!, p.profilerId!);
      return sendPayload(reply, found?.payload);
    },
  );

  app.get('/api/0/projects/:org/:project/profiling/profiles/', async (request, reply) => {
    const project = await projectOf(request);
    const query = request.query as Query;
    const kind = query.kind;
    if (kind !== undefined && kind !== 'profile' && kind !== 'profile_chunk') {
      throw new ApiError(400, 'kind must be profile or profile_chunk');
    }
    const limit = parseLimit(query.per_page, 100, 100);
    const { offset } = parseCursor(query.cursor);
    const { start, end } = parseTimeRange(query, now());
    const rows = await listProfiles(clickhouse, {
      projectIds: [project.id],
      ...(kind !== undefined ? { kind } : {}),
      ...(typeof query.profiler_id === 'string' ? { profilerId: query.profiler_id } : {}),
      ...(typeof query.trace_id === 'string' ? { traceId: query.trace_id } : {}),
      start,
      end,
      limit: limit + 1,
      cursor: offset,
    });
    reply.header('Link', linkHeader(requestUrl(request), offset, limit, rows.length > limit));
    return rows.slice(0, limit).map(serializeProfile);
  });
}
