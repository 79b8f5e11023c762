/**
 * Release endpoints with Sentry's paths, validation and shapes, as sentry-cli calls them
 * (reference/sentry-semantics.md §8.2; Sentry `src/sentry/releases/endpoints/`
 * `organization_releases.py`, `organization_release_details.py`, `project_releases.py`,
 * `project_release_details.py`; deploys are in `deploys.ts`, bodies in `release-body.ts`):
 *
 * - `GET|POST /api/0/organizations/{org}/releases/`: the list (newest first, `?project=`,
 *   `?query=` substring, `?status=open|archived` default open, cursor pagination) and the
 *   idempotent create (201 new, 208 when nothing changed);
 * - `GET|PUT|DELETE /api/0/organizations/{org}/releases/{version}/`: details, update
 *   (finalize = `dateReleased`, `status`; `commits` and `refs` as `release-commits.ts` applies
 *   them), delete (204; 400 while issues have it as first release or sessions report it);
 * - `GET|POST /api/0/projects/{org}/{project}/releases/` and `GET .../releases/{version}/`.
 *
 * Releases are stored in the metadata store; `newGroups` counts issues whose first release it
 * is, `firstEvent`/`lastEvent` come from the events table (not on create, as in Sentry).
 * Only `sort=date` is supported; Sentry's session-based and semver sorts answer 400.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JsonObject } from '../../protocol/json.js';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import { releaseEventBounds, releaseHasSessions } from '../../storage/clickhouse/release-events.js';
import {
  RELEASE_STATUSES,
  countNewGroups,
  createRelease,
  deleteRelease,
  getDeploys,
  getRelease,
  listProjects,
  listReleaseProjects,
  listReleases,
  newGroupsKey,
  releaseCommitSummaries,
  releaseHasIssues,
  updateRelease,
  type MetadataStore,
  type Release,
  type ReleasePatch,
  type ReleaseStatus,
} from '../../storage/metadata/index.js';
import type { TokenAuth } from './auth.js';
import { organizationFor, projectsFor, type Project } from './context.js';
import { FieldErrors, bodyObject } from './drf-fields.js';
import { releaseFields } from './release-body.js';
import { applyReleaseCommits, releaseCommitRoutes } from './release-commits.js';
import { ApiError } from './errors.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';
import {
  namedRelease,
  queryParam,
  releaseFor,
  releasePrincipal,
  releaseProject,
  requestUrl,
} from './release-access.js';
import { serializeRelease } from './serializers/release.js';
import { multiParam } from './time-range.js';

/** Collaborators of {@link releaseRoutes}. */
export interface ReleaseRoutesDeps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  auth: TokenAuth;
  /** Base URL for pagination links; default the request's host over http. */
  publicUrl?: string;
}

/** Sentry's `ERR_RELEASE_REFERENCED` (`src/sentry/models/release.py`). */
export const ERR_RELEASE_REFERENCED = 'This release is referenced by active issues and cannot be removed.';
/** Sentry's `ERR_RELEASE_HEALTH_DATA`. */
export const ERR_RELEASE_HEALTH_DATA = 'This release has health data and cannot be removed.';

type Params = Record<string, string>;

/** Registers the release routes on `app` (call from the API plugin). */
export async function releaseRoutes(app: FastifyInstance, deps: ReleaseRoutesDeps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;

  /**
   * The JSON of `releases`. With `project`, `newGroups` and the event bounds are that project's
   * (Sentry's `serialize(..., project=project)`); `withEvents: false` skips the events table, as
   * Sentry does right after creating a release.
   */
  async function serialize(
    releases: readonly Release[],
    options: { project?: Project; withEvents: boolean },
  ): Promise<JsonObject[]> {
    const ids = releases.map((r) => r.id);
    const projectsByRelease = await listReleaseProjects(metadata, ids);
    const allProjectIds = [...new Set([...projectsByRelease.values()].flat().map((p) => p.id))];
    const versions = releases.map((r) => r.version);
    const newGroups = await countNewGroups(metadata, allProjectIds, versions);
    const eventProjectIds = options.project !== undefined ? [options.project.id] : allProjectIds;
    const bounds = options.withEvents
      ? await releaseEventBounds(clickhouse, eventProjectIds, versions)
      : new Map<string, never>();
    const deploys = await getDeploys(
      metadata,
      releases.flatMap((r) => (r.last_deploy_id === null ? [] : [r.last_deploy_id])),
    );
    const commits = await releaseCommitSummaries(metadata, releases);
    return releases.map((release) => {
      const projects = (projectsByRelease.get(release.id) ?? []).map((p) => ({
        id: p.id,
        slug: p.slug,
        name: p.name,
        platform: p.platform,
        newGroups: newGroups.get(newGroupsKey(p.id, release.version)) ?? 0,
      }));
      const counted =
        options.project !== undefined ? projects.filter((p) => p.id === options.project?.id) : projects;
      const span = bounds.get(release.version);
      return serializeRelease(release, {
        projects,
        newGroups: counted.reduce((sum, p) => sum + p.newGroups, 0),
        firstEvent: span?.firstEvent ?? null,
        lastEvent: span?.lastEvent ?? null,
        lastDeploy: release.last_deploy_id === null ? null : (deploys.get(release.last_deploy_id) ?? null),
        commits: commits.get(release.id) ?? { lastCommit: null, authors: [] },
      });
    });
  }

  /** Sends one page of releases with Sentry's `Link` header. */
  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    list: (limit: number, offset: number) => Promise<Release[]>,
    project?: Project,
  ): Promise<JsonObject[]> {
    const query = request.query as Record<string, unknown>;
    const limit = parseLimit(query.per_page, 100, 100);
    const { offset } = parseCursor(query.cursor);
    const rows = await list(limit + 1, offset);
    reply.header('Link', linkHeader(requestUrl(request, deps.publicUrl), offset, limit, rows.length > limit));
    return serialize(rows.slice(0, limit), { project, withEvents: true });
  }

  app.get('/api/0/organizations/:org/releases/', async (request, reply) => {
    const principal = await releasePrincipal(auth, request, 'GET');
    const organization = await organizationFor(metadata, principal, (request.params as Params).org ?? '');
    const query = request.query as Record<string, unknown>;
    const sort = queryParam(query, 'sort') ?? 'date';
    if (sort !== '' && sort !== 'date') throw new ApiError(400, 'invalid sort');
    const status = statusFilter(queryParam(query, 'status'));
    const projects = await projectsFor(metadata, organization, multiParam(query.project));
    return page(request, reply, (limit, offset) =>
      listReleases(metadata, {
        organizationId: organization.id,
        projectIds: projects.map((p) => p.id),
        status,
        query: queryParam(query, 'query'),
        limit,
        offset,
      }),
    );
  });

  app.post('/api/0/organizations/:org/releases/', async (request, reply) => {
    const principal = await releasePrincipal(auth, request, 'POST');
    const organization = await organizationFor(metadata, principal, (request.params as Params).org ?? '');
    const body = bodyObject(request.body);
    if (!body.ok) return reply.code(400).send(body.errors);
    const errors = new FieldErrors();
    const fields = releaseFields(body.value, errors, true);
    const projectRefs = errors.list(body.value, 'projects', { required: true });
    if (!errors.ok || fields.version === undefined) return reply.code(400).send(errors.errors);
    const orgProjects = await listProjects(metadata, organization.id);
    const projectIds: number[] = [];
    for (const ref of projectRefs ?? []) {
      const project = orgProjects.find((p) => (typeof ref === 'number' ? p.id === ref : p.slug === ref));
      if (project === undefined) return reply.code(400).send({ projects: ['Invalid project ids or slugs'] });
      projectIds.push(project.id);
    }
    const result = await createRelease(metadata, {
      organizationId: organization.id,
      version: fields.version,
      projectIds,
      ref: fields.ref,
      url: fields.url,
      dateReleased: fields.dateReleased,
      status: fields.status,
      userAgent: userAgent(request),
    });
    // On create an empty `refs` clears nothing, unlike on update.
    const refused = await applyReleaseCommits(metadata, result.release, fields, false);
    if (refused !== undefined) return reply.code(400).send(refused);
    const release = (await getRelease(metadata, organization.id, fields.version)) ?? result.release;
    const [json] = await serialize([release], { withEvents: false });
    return reply.code(result.created || result.addedProjectIds.length > 0 ? 201 : 208).send(json);
  });

  app.get('/api/0/organizations/:org/releases/:version/', async (request) => {
    const { release } = await namedRelease(metadata, auth, request, 'GET');
    return (await serialize([release], { withEvents: true }))[0];
  });

  app.put('/api/0/organizations/:org/releases/:version/', async (request, reply) => {
    const { release } = await namedRelease(metadata, auth, request, 'PUT');
    const body = bodyObject(request.body);
    if (!body.ok) return reply.code(400).send(body.errors);
    const errors = new FieldErrors();
    const fields = releaseFields(body.value, errors, false);
    if (!errors.ok) return reply.code(400).send(errors.errors);
    // Sentry applies only the fields that are set and truthy.
    const patch: ReleasePatch = {
      ...(fields.dateReleased ? { dateReleased: fields.dateReleased } : {}),
      ...(fields.ref ? { ref: fields.ref } : {}),
      ...(fields.url ? { url: fields.url } : {}),
      ...(fields.status !== undefined ? { status: fields.status } : {}),
    };
    await updateRelease(metadata, release.id, patch);
    const refused = await applyReleaseCommits(metadata, release, fields, true);
    if (refused !== undefined) return reply.code(400).send(refused);
    const updated = (await getRelease(metadata, release.organization_id, release.version)) ?? release;
    return (await serialize([updated], { withEvents: true }))[0];
  });

  app.delete('/api/0/organizations/:org/releases/:version/', async (request, reply) => {
    const { organization, release } = await namedRelease(metadata, auth, request, 'DELETE');
    if (await releaseHasIssues(metadata, organization.id, release.version)) {
      return reply.code(400).send({ detail: ERR_RELEASE_REFERENCED });
    }
    const projectIds = [...((await listReleaseProjects(metadata, [release.id])).get(release.id) ?? [])].map(
      (p) => p.id,
    );
    if (await releaseHasSessions(clickhouse, projectIds, release.version)) {
      return reply.code(400).send({ detail: ERR_RELEASE_HEALTH_DATA });
    }
    await deleteRelease(metadata, release.id);
    return reply.code(204).send();
  });

  app.get('/api/0/projects/:org/:project/releases/', async (request, reply) => {
    const { organization, project } = await releaseProject(metadata, auth, request, 'GET');
    const query = request.query as Record<string, unknown>;
    return page(
      request,
      reply,
      (limit, offset) =>
        listReleases(metadata, {
          organizationId: organization.id,
          projectIds: [project.id],
          status: 'open',
          query: queryParam(query, 'query'),
          order: 'released',
          limit,
          offset,
        }),
      project,
    );
  });

  app.post('/api/0/projects/:org/:project/releases/', async (request, reply) => {
    const { organization, project } = await releaseProject(metadata, auth, request, 'POST');
    const body = bodyObject(request.body);
    if (!body.ok) return reply.code(400).send(body.errors);
    const errors = new FieldErrors();
    const fields = releaseFields(body.value, errors, true);
    if (!errors.ok || fields.version === undefined) return reply.code(400).send(errors.errors);
    const result = await createRelease(metadata, {
      organizationId: organization.id,
      version: fields.version,
      projectIds: [project.id],
      ref: fields.ref,
      url: fields.url,
      dateReleased: fields.dateReleased,
      status: fields.status,
      userAgent: userAgent(request),
    });
    await applyReleaseCommits(metadata, result.release, { commits: fields.commits }, false);
    const release = (await getRelease(metadata, organization.id, fields.version)) ?? result.release;
    const [json] = await serialize([release], { withEvents: false });
    return reply.code(result.addedProjectIds.length > 0 ? 201 : 208).send(json);
  });

  app.get('/api/0/projects/:org/:project/releases/:version/', async (request) => {
    const { organization, project } = await releaseProject(metadata, auth, request, 'GET');
    const version = (request.params as Params).version ?? '';
    const release = await releaseFor(metadata, organization, version, project);
    return (await serialize([release], { project, withEvents: true }))[0];
  });

  await releaseCommitRoutes(app, {
    ...deps,
    serializeRelease: async (release) => (await serialize([release], { withEvents: true }))[0] ?? {},
  });
}

/** The `?status=` filter: `open` by default, none for an empty value, 400 for an unknown one. */
function statusFilter(raw: string | undefined): ReleaseStatus | undefined {
  if (raw === undefined) return 'open';
  if (raw === '') return undefined;
  if ((RELEASE_STATUSES as readonly string[]).includes(raw)) return raw as ReleaseStatus;
  throw new ApiError(400, 'invalid value for status');
}

/** The request's `User-Agent`, cut to 256 characters as Sentry stores it. */
function userAgent(request: FastifyRequest): string | null {
  const value = request.headers['user-agent'];
  return typeof value === 'string' ? value.slice(0, 256) : null;
}
