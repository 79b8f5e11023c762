/**
 * The issue lists (Sentry's issue stream) with Sentry's paths and shapes:
 * `GET /api/0/organizations/{org}/issues/` and `GET /api/0/projects/{org}/{project}/issues/`
 * (`query` in Sentry's search syntax, default `is:unresolved`; `sort` date|new|freq|user;
 * `statsPeriod` or `start`/`end`; `environment`; `project` ids; cursor pagination).
 * Follows `src/sentry/issues/endpoints/organization_group_index.py` and `project_group_index.py`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import { serializeIssue } from './serializers/index.js';
import { searchIssues, type IssueSort } from '../services/issue-search.js';
import { requireScope, type TokenAuth } from './auth.js';
import { ApiError } from './errors.js';
import { toGroupRecord } from './group-record.js';
import { organizationFor, projectFor, projectsFor, type Organization, type Project } from './context.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';
import { multiParam, parseTimeRange } from './time-range.js';

interface Deps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  publicUrl: string;
  auth: TokenAuth;
}

type Query = Record<string, unknown>;
type Params = Record<string, string>;

const SORTS = new Set(['date', 'new', 'freq', 'user']);

/** Registers the issue-list routes. */
export async function issueIndexRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;

  async function listIssues(request: FastifyRequest, organization: Organization, projects: Project[]) {
    const query = request.query as Query;
    const now = new Date();
    const { start, end } = parseTimeRange(query, now);
    const sort = typeof query.sort === 'string' && SORTS.has(query.sort) ? (query.sort as IssueSort) : 'date';
    const limit = parseLimit(query.limit ?? query.per_page);
    const { offset } = parseCursor(query.cursor);
    if (projects.length === 0) return { page: [], hasMore: false, offset, limit };
    const result = await searchIssues(
      { metadata, clickhouse },
      {
        projectIds: projects.map((p) => p.id),
        query: typeof query.query === 'string' ? query.query : undefined,
        sort,
        offset,
        limit,
        now,
        start,
        end,
        environments: multiParam(query.environment),
      },
    );
    if (!result.ok) throw new ApiError(400, result.detail);
    const byId = new Map(projects.map((p) => [p.id, p]));
    const page = result.hits.map((h) =>
      serializeIssue(toGroupRecord(h.group), h, byId.get(h.group.project_id)!, {
        baseUrl: deps.publicUrl,
        organization,
      }),
    );
    return { page, hasMore: result.hasMore, offset, limit };
  }

  const requestUrl = (request: FastifyRequest): URL => new URL(request.url, deps.publicUrl);

  app.get('/api/0/organizations/:org/issues/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const organization = await organizationFor(metadata, principal, (request.params as Params).org!);
    const projects = await projectsFor(metadata, organization, multiParam((request.query as Query).project));
    const { page, hasMore, offset, limit } = await listIssues(request, organization, projects);
    reply.header('Link', linkHeader(requestUrl(request), offset, limit, hasMore));
    return page;
  });

  app.get('/api/0/projects/:org/:project/issues/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const p = request.params as Params;
    const { organization, project } = await projectFor(metadata, principal, p.org!, p.project!);
    const { page, hasMore, offset, limit } = await listIssues(request, organization, [project]);
    reply.header('Link', linkHeader(requestUrl(request), offset, limit, hasMore));
    return page;
  });
}
