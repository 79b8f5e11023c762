/**
 * User feedback endpoints with Sentry's paths and shapes (serializers in ./serializers/feedback.ts):
 *
 * - `GET /api/0/organizations/{org}/feedback/`: feedback of the organization's projects (both
 *   feedback events and user reports), newest first; `project` ids or `projectSlug`s, `environment`,
 *   `statsPeriod` or `start`/`end`, cursor pagination (`per_page` ≤ 100). Sentry's former
 *   feedback index (`src/sentry/feedback/endpoints/organization_feedback_index.py`); today's
 *   Sentry lists feedback as issues of category `feedback`, which Vigil does not create.
 * - `GET /api/0/projects/{org}/{project}/feedback/{id}/`: one feedback
 *   (`project_feedback_details.py`).
 * - `GET /api/0/projects/{org}/{project}/user-feedback/`: Sentry's legacy user reports
 *   (`src/sentry/feedback/endpoints/project_user_reports.py`): feedback about an error event
 *   that is stored, with the event's user and issue; `status=unresolved` (default: only reports
 *   whose issue is unresolved) or `status=` (all), `environment` (the event's), cursor
 *   pagination. Sentry links reports and events through its database; here the events are read
 *   at request time, from the newest {@link USER_REPORT_SCAN_LIMIT} linked feedback.
 * - `POST /api/0/projects/{org}/{project}/user-feedback/`: Sentry's "submit user feedback"
 *   (`{event_id, name, email, comments}`, all required, checked as Sentry's `UserReportSerializer`
 *   does), with a bearer token (`project:write`) or DSN authentication (`Authorization: DSN
 *   <dsn>`, the key must belong to the project). The report is checked by the user-report
 *   pipeline at once (400 with Sentry's reason when it would be dropped) and then queued as a
 *   `user_report` envelope ({@link FeedbackRoutesDeps.enqueueUserReport}), so it is stored by
 *   the processing loop like an SDK's report. Answers 200 with the report (empty for DSN auth),
 *   503 when the queue is full or no queue was given. Sentry's 409 for a report about an event
 *   older than 30 minutes, or replacing one older than 5 minutes, is not enforced: a later
 *   report about the same event replaces the earlier one.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonObject } from '../../protocol/json.js';
import { parseDsn } from '../../protocol/dsn.js';
import {
  MAX_USER_REPORT_EMAIL_LENGTH,
  MAX_USER_REPORT_NAME_LENGTH,
  codePointLength,
  processUserReportItem,
  type ProcessedFeedback,
} from '../../processing/items/feedback/index.js';
import { queryIssueAggregates, type ClickHouseStore } from '../../storage/clickhouse/index.js';
import { getAssociatedEvents, getFeedback, listFeedback } from '../../storage/clickhouse/feedback.js';
import {
  getGroups,
  getProjectKeyByPublicKey,
  type Group,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import type { AcceptedEnvelope } from '../ingest/index.js';
import { userReportEnvelope } from '../services/feedback-handler.js';
import { loadProjectConfig } from '../services/project-configs.js';
import type { ProjectConfig } from '../../processing/project-config/index.js';
import { requireScope, type ApiPrincipal, type TokenAuth } from './auth.js';
import { organizationFor, projectFor, projectsFor, type Organization, type Project } from './context.js';
import { ApiError } from './errors.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';
import { multiParam, parseTimeRange } from './time-range.js';
import { serializeIssue } from './serializers/issue.js';
import { toGroupRecord } from './group-record.js';
import { serializeFeedback, serializeUserReport, type FeedbackRecord } from './serializers/feedback.js';

/** Collaborators of {@link feedbackRoutes}. */
export interface FeedbackRoutesDeps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  auth: TokenAuth;
  /** Base URL for pagination links and issue permalinks; default the request's host over http. */
  publicUrl?: string;
  /**
   * Queues an API-submitted report (built by `userReportEnvelope`) for the processing loop, like
   * the edge's `enqueue`; `false` when the queue is full or closed (→ 503). Without it, `POST
   * .../user-feedback/` answers 503.
   */
  enqueueUserReport?: (envelope: AcceptedEnvelope) => boolean;
  /**
   * The project's config for a submitted report's envelope (the key cache's, so it is the config
   * SDK envelopes of the project carry); default: read from the metadata store.
   */
  projectConfig?: (projectId: number) => Promise<ProjectConfig>;
  /** Clock for time ranges and submitted reports; default the system clock. */
  now?: () => Date;
}

/** How many linked feedback of a project the legacy user-report list reads per request. */
export const USER_REPORT_SCAN_LIMIT = 10_000;

type Query = Record<string, unknown>;
type Params = Record<string, string>;

const READ_SCOPES = ['project:read', 'project:write', 'project:admin', 'event:read'];
const WRITE_SCOPES = ['project:write', 'project:admin'];
const NOT_FOUND = 'The requested resource does not exist';

/** Django's `EmailValidator`, simplified: a dot-atom local part and a host name with a TLD (or `localhost`). */
const EMAIL =
  /^[-!#$%&'*+/=?^_`{}|~0-9a-z]+(\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*@((([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63})|localhost)$/i;

/** Registers the feedback routes on `app` (call from the API plugin, like `issueRoutes`). */
export async function feedbackRoutes(app: FastifyInstance, deps: FeedbackRoutesDeps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;
  const now = deps.now ?? ((): Date => new Date());
  const baseUrl = (request: FastifyRequest): string =>
    deps.publicUrl ?? `http://${request.headers.host ?? 'localhost'}`;

  async function reader(request: FastifyRequest): Promise<ApiPrincipal> {
    if (isDsnAuth(request)) throw new ApiError(401, 'DSN authentication cannot read user feedback.');
    const principal = await auth.authenticate(request);
    requireScope(principal, ...READ_SCOPES);
    return principal;
  }

  /** The issues of `groups` in the issue-list shape, by id. */
  async function issuesOf(
    groups: readonly Group[],
    project: Project,
    organization: Organization,
    request: FastifyRequest,
  ): Promise<Map<number, JsonObject>> {
    const out = new Map<number, JsonObject>();
    if (groups.length === 0) return out;
    const aggregates = await queryIssueAggregates(clickhouse, {
      projectIds: [project.id],
      groupIds: groups.map((g) => g.id),
    });
    const byGroup = new Map(aggregates.map((a) => [a.group_id, a]));
    for (const group of groups) {
      const agg = byGroup.get(group.id);
      out.set(
        group.id,
        serializeIssue(
          toGroupRecord(group),
          {
            count: agg?.count ?? 0,
            userCount: agg?.user_count ?? 0,
            firstSeen: agg?.first_seen ?? null,
            lastSeen: agg?.last_seen ?? null,
            isUnhandled: agg?.unhandled ?? false,
          },
          project,
          { baseUrl: baseUrl(request), organization },
        ),
      );
    }
    return out;
  }

  app.get('/api/0/organizations/:org/feedback/', async (request, reply) => {
    const principal = await reader(request);
    const query = request.query as Query;
    const organization = await organizationFor(metadata, principal, (request.params as Params).org ?? '');
    const slugs = multiParam(query.projectSlug);
    const projects = (await projectsFor(metadata, organization, multiParam(query.project))).filter(
      (p) => slugs.length === 0 || slugs.includes(p.slug),
    );
    const { start, end } = parseTimeRange(query, now());
    const limit = parseLimit(query.per_page, 100, 100);
    const { offset } = parseCursor(query.cursor);
    const rows = await listFeedback(clickhouse, {
      projectIds: projects.map((p) => p.id),
      start,
      end,
      environments: multiParam(query.environment),
      limit: limit + 1,
      cursor: offset,
    });
    reply.header('Link', linkHeader(requestUrl(request), offset, limit, rows.length > limit));
    return rows.slice(0, limit).map(serializeFeedback);
  });

  app.get('/api/0/projects/:org/:project/feedback/:id/', async (request) => {
    const principal = await reader(request);
    const p = request.params as Params;
    const { project } = await projectFor(metadata, principal, p.org ?? '', p.project ?? '');
    const feedback = await getFeedback(clickhouse, project.id, p.id ?? '');
    if (feedback === null) throw new ApiError(404, NOT_FOUND);
    return serializeFeedback(feedback);
  });

  app.get('/api/0/projects/:org/:project/user-feedback/', async (request, reply) => {
    const principal = await reader(request);
    const p = request.params as Params;
    const query = request.query as Query;
    const { organization, project } = await projectFor(metadata, principal, p.org ?? '', p.project ?? '');
    const status = query.status === undefined ? 'unresolved' : String(query.status);
    if (status !== 'unresolved' && status !== '') {
      return reply.code(400).send({ detail: 'Invalid status choice', status: 'Invalid status choice' });
    }
    const environments = multiParam(query.environment);
    const limit = parseLimit(query.per_page, 100, 100);
    const { offset } = parseCursor(query.cursor);
    const linked = await listFeedback(clickhouse, {
      projectIds: [project.id],
      linkedOnly: true,
      limit: USER_REPORT_SCAN_LIMIT,
    });
    const events = await getAssociatedEvents(
      clickhouse,
      project.id,
      linked.map((f) => f.associatedEventId),
    );
    const groups = new Map(
      (await getGroups(metadata, [...new Set([...events.values()].map((e) => e.groupId))])).map((g) => [
        g.id,
        g,
      ]),
    );
    const reports = linked.filter((f) => {
      const event = events.get(f.associatedEventId);
      const group = event && groups.get(event.groupId);
      if (!event || !group) return false;
      if (status === 'unresolved' && group.status !== 'unresolved') return false;
      return environments.length === 0 || environments.includes(event.environment);
    });
    const page = reports.slice(offset, offset + limit);
    const pageGroups = [...new Set(page.map((f) => events.get(f.associatedEventId)!.groupId))].map((id) =>
      groups.get(id)!,
    );
    const issues = await issuesOf(pageGroups, project, organization, request);
    reply.header('Link', linkHeader(requestUrl(request), offset, limit, reports.length > offset + limit));
    return page.map((f) => {
      const event = events.get(f.associatedEventId)!;
      return serializeUserReport(f, event.user, issues.get(event.groupId) ?? null);
    });
  });

  app.post('/api/0/projects/:org/:project/user-feedback/', async (request, reply) => {
    const p = request.params as Params;
    const submitter = await submitterOf(request, p.org ?? '', p.project ?? '');
    const body = request.body;
    const errors = fieldErrors(body);
    if (errors !== undefined) {
      const first = Object.values(errors)[0]![0]!;
      return reply.code(400).send({ detail: first, ...errors });
    }
    // DRF's CharFields trim their values; unknown fields are not kept.
    const fields = body as Record<string, string>;
    const report: JsonObject = Object.fromEntries(
      ['event_id', 'name', 'email', 'comments'].map((key) => [key, fields[key]!.trim()]),
    );
    const received = now().getTime() / 1000;
    // The pipeline the processing loop will run, run now so a report it would drop gets a 400.
    const checked = processUserReportItem(JSON.stringify(report), {
      projectId: submitter.project.id,
      receivedAt: received,
    });
    if (checked.kind === 'drop') {
      const detail = checked.reason === 'invalid_json' ? 'Invalid Event ID' : checked.reason;
      return reply.code(400).send({ detail });
    }
    const config = await (deps.projectConfig ?? ((id) => loadProjectConfig(metadata, id)))(
      submitter.project.id,
    );
    const enqueued =
      deps.enqueueUserReport?.(
        userReportEnvelope({
          projectId: submitter.project.id,
          organizationId: submitter.project.organization_id,
          keyId: submitter.keyId,
          publicKey: submitter.publicKey,
          report,
          receivedAt: received,
          clientIp: request.ip,
          userAgent: request.headers['user-agent'],
          config,
        }),
      ) ?? false;
    if (!enqueued) throw new ApiError(503, 'User feedback cannot be accepted right now; retry later.');
    if (submitter.keyId !== 0) return reply.code(200).send();
    const events = await getAssociatedEvents(clickhouse, submitter.project.id, [
      checked.value.associatedEventId,
    ]);
    const event = events.get(checked.value.associatedEventId);
    const [group] = event ? await getGroups(metadata, [event.groupId]) : [];
    const issues = group
      ? await issuesOf([group], submitter.project, submitter.organization, request)
      : new Map<number, JsonObject>();
    return serializeUserReport(
      processedRecord(checked.value),
      event?.user ?? null,
      (group && issues.get(group.id)) ?? null,
    );
  });

  /** Who submits a report: a DSN key of the project, or a token with `project:write`. */
  async function submitterOf(
    request: FastifyRequest,
    orgSlug: string,
    projectSlug: string,
  ): Promise<{ organization: Organization; project: Project; keyId: number; publicKey: string }> {
    const dsn = dsnOf(request);
    if (dsn === undefined) {
      const principal = await auth.authenticate(request);
      requireScope(principal, ...WRITE_SCOPES);
      return { ...(await projectFor(metadata, principal, orgSlug, projectSlug)), keyId: 0, publicKey: '' };
    }
    const parsed = parseDsn(dsn);
    const found = parsed.ok ? await getProjectKeyByPublicKey(metadata, parsed.dsn.publicKey) : undefined;
    if (!found || !found.key.is_active) throw new ApiError(401, 'Invalid dsn');
    const principal: ApiPrincipal = {
      tokenId: 0,
      userId: null,
      organizationId: found.organization.id,
      tokenScopes: [],
      scopes: [],
    };
    const { organization, project } = await projectFor(metadata, principal, orgSlug, projectSlug);
    // Sentry answers 400 when the DSN's project is not the one in the path.
    if (project.id !== found.project.id) throw new ApiError(400, 'The DSN does not belong to this project.');
    return { organization, project, keyId: found.key.id, publicKey: found.key.public_key };
  }

  function requestUrl(request: FastifyRequest): URL {
    return new URL(request.url, baseUrl(request));
  }
}

/** The DSN of an `Authorization: DSN <dsn>` header (Sentry's `DSNAuthentication`). */
function dsnOf(request: FastifyRequest): string | undefined {
  const match = /^DSN\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

function isDsnAuth(request: FastifyRequest): boolean {
  return dsnOf(request) !== undefined;
}

/**
 * The field errors Sentry's `UserReportSerializer` (a model serializer of `UserReport`) gives for
 * a submission, in DRF's `{field: [message]}` shape, or undefined when it is valid.
 */
export function fieldErrors(body: unknown): Record<string, string[]> | undefined {
  const errors: Record<string, string[]> = {};
  const data = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as JsonObject) : {};
  const limits: Record<string, number> = {
    name: MAX_USER_REPORT_NAME_LENGTH,
    email: MAX_USER_REPORT_EMAIL_LENGTH,
    comments: Infinity,
    event_id: 32,
  };
  for (const [field, max] of Object.entries(limits)) {
    const value = data[field];
    if (value === undefined) errors[field] = ['This field is required.'];
    else if (value === null) errors[field] = ['This field may not be null.'];
    else if (typeof value !== 'string') errors[field] = ['Not a valid string.'];
    else if (value.trim() === '') errors[field] = ['This field may not be blank.'];
    else if (codePointLength(value) > max)
      errors[field] = [`Ensure this field has no more than ${max} characters.`];
    else if (field === 'email' && !EMAIL.test(value.trim())) errors[field] = ['Enter a valid email address.'];
  }
  return Object.keys(errors).length > 0 ? errors : undefined;
}

/** A pipeline result as the serializers read stored feedback. */
function processedRecord(feedback: ProcessedFeedback): FeedbackRecord {
  return { ...feedback, timestamp: new Date(Math.round(feedback.timestamp * 1000)), data: feedback.event };
}
