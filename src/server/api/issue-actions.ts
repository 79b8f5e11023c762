/**
 * Issue actions with Sentry's paths, permissions and shapes:
 * - `PUT /api/0/issues/{id}/` (also under `/organizations/{org}/`): update one issue
 *   (`GroupDetailsEndpoint.put`; answers the updated issue), `DELETE` the same (202);
 * - `PUT|DELETE /api/0/organizations/{org}/issues/?id=…&id=…` and
 *   `/api/0/projects/{org}/{project}/issues/?id=…` (`OrganizationGroupIndexEndpoint`,
 *   `ProjectGroupIndexEndpoint`): bulk updates answering the applied fields, bulk deletes (204);
 *   without `id`, the issues of the search `query` (default `is:unresolved`, at most 1000);
 * - `GET /api/0/issues/{id}/activities/` (also under `/organizations/{org}/`): `{activity: [...]}`.
 * Writes need `event:write` (deletes `event:admin`), reads `event:read` (Sentry's
 * `GroupPermission` / `OrganizationEventPermission`). An id merged into another issue is served
 * as that issue (`issueFor`, Sentry's `GroupRedirect`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { queryIssueAggregates, type ClickHouseStore } from '../../storage/clickhouse/index.js';
import {
  getGroups,
  getUser,
  getUsers,
  listActivityLog,
  type Group,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { searchIssues } from '../services/issue-search.js';
import { deleteIssues } from '../services/issue-removal.js';
import { requireScope, type ApiPrincipal, type TokenAuth } from './auth.js';
import {
  issueFor,
  ISSUE_PATH_PREFIXES,
  organizationFor,
  projectFor,
  projectsFor,
  type Organization,
  type Project,
} from './context.js';
import { ApiError } from './errors.js';
import { toGroupRecord } from './group-record.js';
import { readIssueUpdate } from './issue-update-body.js';
import { updateIssues } from './issue-update.js';
import { loadIssueWorkflows } from './issue-workflow.js';
import { serializeActivity, serializeIssue } from './serializers/index.js';
import { multiParam } from './time-range.js';

interface Deps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  publicUrl: string;
  auth: TokenAuth;
}

type Params = Record<string, string>;
type Query = Record<string, unknown>;

const READ = ['event:read', 'event:write', 'event:admin'];
const WRITE = ['event:write', 'event:admin'];
const ADMIN = ['event:admin'];

/** Most issues a bulk update or delete by search touches (Sentry's `BULK_MUTATION_LIMIT`). */
export const BULK_MUTATION_LIMIT = 1000;

/** Registers the issue action routes. */
export async function issueActionRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;

  /** Sentry's `GroupSerializer` shape of `group` for the requesting user (the answer of a single PUT). */
  async function issueJson(
    group: Group,
    project: Project,
    organization: Organization,
    userId: number | null,
  ) {
    const [agg] = await queryIssueAggregates(clickhouse, { projectIds: [project.id], groupIds: [group.id] });
    const workflows = await loadIssueWorkflows(metadata, [group], {
      userId,
      userCounts: new Map([[group.id, agg?.user_count ?? 0]]),
    });
    return serializeIssue(
      toGroupRecord(group),
      agg
        ? {
            count: agg.count,
            userCount: agg.user_count,
            firstSeen: agg.first_seen,
            lastSeen: agg.last_seen,
            isUnhandled: agg.unhandled,
          }
        : { count: 0, userCount: 0, firstSeen: null, lastSeen: null },
      project,
      { baseUrl: deps.publicUrl, organization, workflow: workflows.get(group.id) },
    );
  }

  async function actorOf(principal: ApiPrincipal) {
    return principal.userId === null ? null : ((await getUser(metadata, principal.userId)) ?? null);
  }

  /** What `updateIssues` needs for a request of `principal` on issues of `projects`. */
  async function updateContext(
    request: FastifyRequest,
    principal: ApiPrincipal,
    organization: Organization,
    projects: readonly Project[],
    bulk: boolean,
  ): Promise<Parameters<typeof updateIssues>[0]> {
    return {
      metadata,
      clickhouse,
      logger: request.log,
      organization,
      projects: new Map(projects.map((p) => [p.id, p])),
      actor: await actorOf(principal),
      bulk,
    };
  }

  async function singleUpdate(request: FastifyRequest, reply: FastifyReply) {
    const principal = await auth.authenticate(request);
    requireScope(principal, ...WRITE);
    const p = request.params as Params;
    const { organization, project, group } = await issueFor(metadata, principal, p.id!, p.org);
    const update = readIssueUpdate(request.body);
    if (!update.ok) return reply.code(400).send(update.errors);
    const outcome = await updateIssues(
      await updateContext(request, principal, organization, [project], false),
      [group],
      update.value,
    );
    if (!outcome.ok) return reply.code(400).send(outcome.body);
    const [after] = await getGroups(metadata, [group.id]);
    if (after === undefined) return reply.code(200).send(outcome.body);
    return issueJson(after, project, organization, principal.userId);
  }

  async function singleDelete(request: FastifyRequest, reply: FastifyReply) {
    const principal = await auth.authenticate(request);
    requireScope(principal, ...ADMIN);
    const p = request.params as Params;
    const { group } = await issueFor(metadata, principal, p.id!, p.org);
    await deleteIssues({ metadata, clickhouse, logger: request.log }, [group]);
    return reply.code(202).send();
  }

  async function activities(request: FastifyRequest) {
    const principal = await auth.authenticate(request);
    requireScope(principal, ...READ);
    const p = request.params as Params;
    const { group } = await issueFor(metadata, principal, p.id!, p.org);
    const log = await listActivityLog(metadata, group.id);
    const users = await getUsers(
      metadata,
      log.flatMap((a) => (a.user_id === null ? [] : [a.user_id])),
    );
    return { activity: log.map((a) => serializeActivity(a, users)) };
  }

  for (const path of ISSUE_PATH_PREFIXES) {
    app.put(path, singleUpdate);
    app.delete(path, singleDelete);
    app.get(`${path}activities/`, activities);
  }

  /**
   * The issues a bulk request names: `?id=` (of these projects), else the search `query` as
   * `principal` sees it (`assigned:me`, `bookmarks:me`).
   */
  async function bulkTargets(
    request: FastifyRequest,
    principal: ApiPrincipal,
    organization: Organization,
    projects: readonly Project[],
  ): Promise<Group[]> {
    if (projects.length === 0) return [];
    const query = request.query as Query;
    const rawIds = multiParam(query.id);
    const projectIds = new Set(projects.map((p) => p.id));
    if (rawIds.length > 0) {
      const ids = rawIds.map(Number);
      if (ids.some((id) => !Number.isSafeInteger(id) || id <= 0)) throw new ApiError(400, 'Invalid id');
      return (await getGroups(metadata, ids)).filter((g) => projectIds.has(g.project_id));
    }
    const result = await searchIssues(
      { metadata, clickhouse },
      {
        viewer: { userId: principal.userId, organizationId: organization.id },
        projectIds: [...projectIds],
        query: typeof query.query === 'string' ? query.query : undefined,
        sort: 'date',
        offset: 0,
        limit: BULK_MUTATION_LIMIT,
        now: new Date(),
        environments: multiParam(query.environment),
      },
    );
    if (!result.ok) throw new ApiError(400, result.detail);
    return result.groups;
  }

  async function bulkUpdate(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: ApiPrincipal,
    organization: Organization,
    projects: readonly Project[],
  ) {
    const groups = await bulkTargets(request, principal, organization, projects);
    if (groups.length === 0) return reply.code(204).send();
    const update = readIssueUpdate(request.body);
    if (!update.ok) return reply.code(400).send(update.errors);
    const outcome = await updateIssues(
      await updateContext(request, principal, organization, projects, true),
      groups,
      update.value,
    );
    return reply.code(outcome.ok ? 200 : 400).send(outcome.body);
  }

  async function bulkDelete(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: ApiPrincipal,
    organization: Organization,
    projects: readonly Project[],
  ) {
    const groups = await bulkTargets(request, principal, organization, projects);
    if (groups.length > 0) await deleteIssues({ metadata, clickhouse, logger: request.log }, groups);
    return reply.code(204).send();
  }

  async function organizationScope(request: FastifyRequest, scopes: string[]) {
    const principal = await auth.authenticate(request);
    requireScope(principal, ...scopes);
    const organization = await organizationFor(metadata, principal, (request.params as Params).org!);
    const projects = await projectsFor(metadata, organization, multiParam((request.query as Query).project));
    return { principal, organization, projects };
  }

  async function projectScope(request: FastifyRequest, scopes: string[]) {
    const principal = await auth.authenticate(request);
    requireScope(principal, ...scopes);
    const p = request.params as Params;
    const { organization, project } = await projectFor(metadata, principal, p.org!, p.project!);
    return { principal, organization, projects: [project] };
  }

  app.put('/api/0/organizations/:org/issues/', async (request, reply) => {
    const { principal, organization, projects } = await organizationScope(request, WRITE);
    return bulkUpdate(request, reply, principal, organization, projects);
  });
  app.delete('/api/0/organizations/:org/issues/', async (request, reply) => {
    const { principal, organization, projects } = await organizationScope(request, ADMIN);
    return bulkDelete(request, reply, principal, organization, projects);
  });
  app.put('/api/0/projects/:org/:project/issues/', async (request, reply) => {
    const { principal, organization, projects } = await projectScope(request, WRITE);
    return bulkUpdate(request, reply, principal, organization, projects);
  });
  app.delete('/api/0/projects/:org/:project/issues/', async (request, reply) => {
    const { principal, organization, projects } = await projectScope(request, ADMIN);
    return bulkDelete(request, reply, principal, organization, projects);
  });
}
