/**
 * Cron monitor endpoints with Sentry's paths and shapes (Sentry
 * `src/sentry/monitors/endpoints/organization_monitor_index.py`,
 * `organization_monitor_details.py`, `organization_monitor_checkin_index.py`,
 * `project_monitor_details.py`, `project_monitor_checkin_index.py`):
 *
 * - `GET /api/0/organizations/{org}/monitors/`: monitors by name; `project` ids,
 *   `environment` (only monitors with such an environment, and only those environments),
 *   `query` (substring of name or slug), cursor pagination (`per_page` ≤ 100);
 * - `GET /api/0/organizations/{org}/monitors/{slug}/` and
 *   `GET /api/0/projects/{org}/{project}/monitors/{slug}/`: one monitor;
 * - `GET /api/0/organizations/{org}/monitors/{slug}/checkins/` and
 *   `GET /api/0/projects/{org}/{project}/monitors/{slug}/checkins/`: its check-ins, newest
 *   first; `environment`, `statsPeriod` or `start`/`end`, cursor pagination.
 *
 * Monitor slugs are unique per project in Vigil (per organization in Sentry): the
 * organization-level routes take the first match, narrowed by `?project=<id>`.
 * Monitors come from the metadata store; their environments' status, last and next check-in
 * are derived from the `check_ins` table at request time.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { latestCheckInsByMonitor, listCheckIns } from '../../storage/clickhouse/check-ins.js';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import { listMonitors, type MetadataStore, type Monitor } from '../../storage/metadata/index.js';
import { deriveEnvironmentState, statusWindow } from '../../processing/items/check-ins/index.js';
import { requireScope, type ApiPrincipal, type TokenAuth } from './auth.js';
import { organizationFor, projectFor, projectsFor, type Organization, type Project } from './context.js';
import { ApiError } from './errors.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';
import { multiParam, parseTimeRange } from './time-range.js';
import { serializeProject } from './serializers/index.js';
import { serializeCheckIn, serializeMonitor, type MonitorEnvironmentRecord } from './serializers/monitor.js';

/** Collaborators of {@link monitorRoutes}. */
export interface MonitorRoutesDeps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  auth: TokenAuth;
  /** Base URL for pagination links; default the request's host over http. */
  publicUrl?: string;
  /** Clock for derived statuses (timeouts, missed check-ins); default the system clock. */
  now?: () => Date;
}

type Query = Record<string, unknown>;
type Params = Record<string, string>;

const READ_SCOPES = ['org:read', 'org:write', 'org:admin', 'project:read', 'project:write', 'event:read'];
const NOT_FOUND = 'The requested resource does not exist';

/** Registers the monitor routes on `app` (call from the API plugin, like `issueRoutes`). */
export async function monitorRoutes(app: FastifyInstance, deps: MonitorRoutesDeps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;
  const now = deps.now ?? ((): Date => new Date());

  async function principalOf(request: FastifyRequest): Promise<ApiPrincipal> {
    const principal = await auth.authenticate(request);
    requireScope(principal, ...READ_SCOPES);
    return principal;
  }

  function requestUrl(request: FastifyRequest): URL {
    return new URL(request.url, deps.publicUrl ?? `http://${request.headers.host ?? 'localhost'}`);
  }

  /** The environments of `monitors` with their derived states, keyed by monitor id. */
  async function environmentsOf(
    monitors: readonly Monitor[],
    environmentFilter: readonly string[],
  ): Promise<Map<number, MonitorEnvironmentRecord[]>> {
    const result = new Map<number, MonitorEnvironmentRecord[]>(monitors.map((m) => [m.id, []]));
    if (monitors.length === 0) return result;
    const byKey = new Map(monitors.map((m) => [`${m.project_id}/${m.slug}`, m]));
    const latest = await latestCheckInsByMonitor(clickhouse, {
      projectIds: [...new Set(monitors.map((m) => m.project_id))],
      monitorSlugs: [...new Set(monitors.map((m) => m.slug))],
      perEnvironment: Math.max(...monitors.map((m) => statusWindow(m.config))),
    });
    const nowMs = now().getTime();
    for (const env of latest) {
      const monitor = byKey.get(`${env.projectId}/${env.monitorSlug}`);
      if (monitor === undefined) continue;
      if (environmentFilter.length > 0 && !environmentFilter.includes(env.environment)) continue;
      const recent = env.recent
        .slice(0, statusWindow(monitor.config))
        .map((r) => ({ status: r.status, startedMs: r.dateCreated.getTime() }));
      result
        .get(monitor.id)
        ?.push({ name: env.environment, ...deriveEnvironmentState(monitor.config, recent, nowMs) });
    }
    return result;
  }

  async function serialize(
    monitors: readonly Monitor[],
    organization: Organization,
    projects: readonly Project[],
    environmentFilter: readonly string[],
  ) {
    const environments = await environmentsOf(monitors, environmentFilter);
    const projectJson = new Map(
      projects.map((p) => [
        p.id,
        serializeProject(
          {
            id: p.id,
            slug: p.slug,
            name: p.name,
            platform: p.platform,
            dateCreated: new Date(p.date_created),
          },
          {
            id: organization.id,
            slug: organization.slug,
            name: organization.name,
            dateCreated: new Date(organization.date_created),
          },
          { has: { monitors: true } },
        ),
      ]),
    );
    return monitors.map((m) =>
      serializeMonitor(m, projectJson.get(m.project_id) ?? {}, environments.get(m.id) ?? []),
    );
  }

  /** The monitor `slug` among `projects` (the first by name, then id), else ApiError 404. */
  async function monitorIn(projects: readonly Project[], slug: string): Promise<Monitor> {
    const [monitor] = await listMonitors(metadata, { projectIds: projects.map((p) => p.id), slugs: [slug] });
    if (monitor === undefined) throw new ApiError(404, NOT_FOUND);
    return monitor;
  }

  async function orgMonitor(request: FastifyRequest) {
    const principal = await principalOf(request);
    const params = request.params as Params;
    const organization = await organizationFor(metadata, principal, params.org ?? '');
    const projects = await projectsFor(metadata, organization, multiParam((request.query as Query).project));
    const monitor = await monitorIn(projects, params.slug ?? '');
    return { organization, projects, monitor };
  }

  async function projectMonitor(request: FastifyRequest) {
    const principal = await principalOf(request);
    const params = request.params as Params;
    const { organization, project } = await projectFor(
      metadata,
      principal,
      params.org ?? '',
      params.project ?? '',
    );
    const monitor = await monitorIn([project], params.slug ?? '');
    return { organization, projects: [project], monitor };
  }

  app.get('/api/0/organizations/:org/monitors/', async (request, reply) => {
    const principal = await principalOf(request);
    const query = request.query as Query;
    const organization = await organizationFor(metadata, principal, (request.params as Params).org ?? '');
    const projects = await projectsFor(metadata, organization, multiParam(query.project));
    const environmentFilter = multiParam(query.environment);
    const search = typeof query.query === 'string' ? query.query.trim().toLowerCase() : '';
    let monitors = await listMonitors(metadata, { projectIds: projects.map((p) => p.id) });
    if (search !== '') {
      monitors = monitors.filter((m) => m.name.toLowerCase().includes(search) || m.slug.includes(search));
    }
    let serialized = await serialize(monitors, organization, projects, environmentFilter);
    if (environmentFilter.length > 0) {
      serialized = serialized.filter((m) => Array.isArray(m.environments) && m.environments.length > 0);
    }
    const limit = parseLimit(query.per_page, 100, 100);
    const { offset } = parseCursor(query.cursor);
    reply.header('Link', linkHeader(requestUrl(request), offset, limit, serialized.length > offset + limit));
    return serialized.slice(offset, offset + limit);
  });

  const details = async (found: Awaited<ReturnType<typeof orgMonitor>>, request: FastifyRequest) => {
    const environmentFilter = multiParam((request.query as Query).environment);
    const [json] = await serialize([found.monitor], found.organization, found.projects, environmentFilter);
    return json;
  };
  app.get('/api/0/organizations/:org/monitors/:slug/', async (request) =>
    details(await orgMonitor(request), request),
  );
  app.get('/api/0/projects/:org/:project/monitors/:slug/', async (request) =>
    details(await projectMonitor(request), request),
  );

  const checkIns = async (
    monitor: Monitor,
    request: FastifyRequest,
    reply: { header(k: string, v: string): unknown },
  ) => {
    const query = request.query as Query;
    const current = now();
    const { start, end } = parseTimeRange(query, current);
    const limit = parseLimit(query.per_page, 100, 100);
    const { offset } = parseCursor(query.cursor);
    const page = await listCheckIns(clickhouse, {
      projectId: monitor.project_id,
      monitorSlug: monitor.slug,
      environments: multiParam(query.environment),
      start,
      end,
      limit: limit + 1,
      cursor: offset,
    });
    reply.header('Link', linkHeader(requestUrl(request), offset, limit, page.length > limit));
    return page.slice(0, limit).map((c) => serializeCheckIn(c, monitor.config, current.getTime()));
  };
  app.get('/api/0/organizations/:org/monitors/:slug/checkins/', async (request, reply) =>
    checkIns((await orgMonitor(request)).monitor, request, reply),
  );
  app.get('/api/0/projects/:org/:project/monitors/:slug/checkins/', async (request, reply) =>
    checkIns((await projectMonitor(request)).monitor, request, reply),
  );
}
