/**
 * Sentry's transaction threshold endpoints, which set what `apdex()`, `count_miserable(user)`
 * and `user_misery()` of the events endpoint use without a threshold argument:
 * - `GET|POST|DELETE /api/0/projects/{org}/{project}/transaction-threshold/configure/`
 *   (`ProjectTransactionThresholdEndpoint`, `ProjectSettingPermission`): the project's threshold
 *   — GET answers it or Sentry's default (`{"projectId", "id": "", "threshold": "300", "metric":
 *   "duration"}`); POST takes `{threshold?, metric?}` (a multiple of 100 milliseconds up to
 *   2147483647; `duration` or `lcp`), creates (201, default 300 / `duration` for what is not
 *   given) or updates (200, keeping what is not given); DELETE removes it (204).
 * - `GET|POST|DELETE /api/0/organizations/{org}/project-transaction-threshold-override/`
 *   (`ProjectTransactionThresholdOverrideEndpoint`): one transaction's threshold in exactly one
 *   project (`?project=<id>`, else 400 "Only 1 project per transaction threshold") — GET
 *   `?transaction=` answers it or 404; POST `{transaction, threshold, metric}` creates (201) or
 *   updates (200), at most 100 per project; DELETE `{transaction}` removes it (204).
 * Answers Sentry's serializer shape (`{id, threshold, metric, projectId, editedBy, dateUpdated,
 * dateAdded}` with numbers as strings, `editedBy` "None" when no user made the change); the
 * project threshold's `id` is its project's id. Errors of the bodies are DRF's. Source:
 * `src/sentry/api/endpoints/project_transaction_threshold.py`,
 * `project_transaction_threshold_override.py`, `src/sentry/api/serializers/models/transaction_threshold.py`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  MAX_OVERRIDE_TRANSACTION_LENGTH,
  MAX_THRESHOLD_OVERRIDES_PER_PROJECT,
  TRANSACTION_METRICS,
  type StoredTransactionThreshold,
  type TransactionMetricName,
} from '../../processing/project-config/index.js';
import type { JsonObject } from '../../protocol/json.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import { readProjectThresholds, updateProjectThresholds } from '../services/transaction-thresholds.js';
import type { ApiPrincipal, TokenAuth } from './auth.js';
import { organizationFor, projectFor, projectsFor, type Project } from './context.js';
import { bodyObject, FieldErrors } from './drf-fields.js';
import { ApiError } from './errors.js';
import { authorize, type ScopeMap } from './permissions.js';
import { multiParam } from './time-range.js';

/** What the threshold routes need. */
export interface TransactionThresholdRoutesDeps {
  metadata: MetadataStore;
  auth: TokenAuth;
  /** Called after a project's config was written (the key cache's `invalidateProject`). */
  onProjectConfigChange?: (projectId: number) => void;
  /** Clock, for tests; default `() => new Date()`. */
  now?: () => Date;
}

/** `ProjectSettingPermission`. */
const PROJECT_SETTING_PERMISSION: ScopeMap = {
  GET: ['project:read', 'project:write', 'project:admin'],
  POST: ['project:write', 'project:admin'],
  PUT: ['project:write', 'project:admin'],
  DELETE: ['project:write', 'project:admin'],
};

/** `ProjectTransactionThresholdOverridePermission`: project scopes, checked at the organization. */
const OVERRIDE_PERMISSION = PROJECT_SETTING_PERMISSION;

/** Sentry's `MAX_VALUE` of a threshold. */
const MAX_THRESHOLD = 2147483647;

type Params = Record<string, string>;

/** A threshold as Sentry's serializers answer it. */
function serializeThreshold(
  id: number,
  projectId: number,
  t: StoredTransactionThreshold,
  transaction?: string,
): JsonObject {
  return {
    id: String(id),
    threshold: String(t.threshold),
    metric: t.metric,
    ...(transaction === undefined ? {} : { transaction }),
    projectId: String(projectId),
    editedBy: t.editedBy === null ? 'None' : String(t.editedBy),
    dateUpdated: t.dateUpdated,
    dateAdded: t.dateAdded,
  };
}

/**
 * The serializer fields `threshold` (an integer, a multiple of 100, at most
 * {@link MAX_THRESHOLD}) and `metric` (`duration` or `lcp`), with Sentry's messages.
 */
function readThresholdFields(
  body: JsonObject,
  errors: FieldErrors,
  required: boolean,
): { threshold: number | undefined; metric: TransactionMetricName | undefined } {
  if (required) {
    for (const field of ['threshold', 'metric']) {
      if (body[field] === undefined) errors.add(field, 'This field is required.');
    }
  }
  const threshold = errors.integer(body, 'threshold', { maxValue: MAX_THRESHOLD }) ?? undefined;
  if (threshold !== undefined && threshold % 100 !== 0) {
    errors.add('threshold', 'Invalid threshold - specify a multiple of 100');
  }
  const text = errors.char(body, 'metric') ?? undefined;
  let metric: TransactionMetricName | undefined;
  if (text !== undefined) {
    metric = TRANSACTION_METRICS.find((m) => m === text);
    if (metric === undefined) errors.add('metric', `Invalid transaction metric - ${text}`);
  }
  return { threshold, metric };
}

/** Registers the threshold routes. */
export async function transactionThresholdRoutes(
  app: FastifyInstance,
  deps: TransactionThresholdRoutesDeps,
): Promise<void> {
  const { metadata, auth } = deps;
  const now = deps.now ?? (() => new Date());
  const path = '/api/0/projects/:org/:project/transaction-threshold/configure/';
  const overridePath = '/api/0/organizations/:org/project-transaction-threshold-override/';

  async function projectOf(request: FastifyRequest): Promise<{ principal: ApiPrincipal; project: Project }> {
    const principal = await authorize(auth, request, PROJECT_SETTING_PERMISSION);
    const p = request.params as Params;
    return { principal, ...(await projectFor(metadata, principal, p.org ?? '', p.project ?? '')) };
  }

  /** Saves a change of `project`'s thresholds; a config that no longer validates is a 400. */
  async function save(
    project: Project,
    change: Parameters<typeof updateProjectThresholds>[2],
  ): Promise<void> {
    const result = await updateProjectThresholds(metadata, project.id, change);
    if (!result.ok) throw new ApiError(400, 'Invalid project config', { errors: result.errors });
    deps.onProjectConfigChange?.(project.id);
  }

  app.get(path, async (request) => {
    const { project } = await projectOf(request);
    const { threshold } = await readProjectThresholds(metadata, project.id);
    if (threshold === undefined) {
      return { projectId: String(project.id), id: '', threshold: '300', metric: 'duration' };
    }
    return serializeThreshold(project.id, project.id, threshold);
  });

  app.post(path, async (request, reply) => {
    const { principal, project } = await projectOf(request);
    const body = bodyObject(request.body);
    if (!body.ok) return reply.code(400).send(body.errors);
    const errors = new FieldErrors();
    const given = readThresholdFields(body.value, errors, false);
    if (!errors.ok) return reply.code(400).send(errors.errors);
    const date = now().toISOString();
    let saved: StoredTransactionThreshold | undefined;
    let created = false;
    await save(project, (current) => {
      created = current.threshold === undefined;
      // Sentry keeps what is not given (and, with `or`, a threshold of 0).
      saved = {
        threshold: given.threshold || (current.threshold?.threshold ?? 300),
        metric: given.metric ?? current.threshold?.metric ?? 'duration',
        editedBy: principal.userId,
        dateAdded: current.threshold?.dateAdded ?? date,
        dateUpdated: date,
      };
      return { ...current, threshold: saved };
    });
    return reply.code(created ? 201 : 200).send(serializeThreshold(project.id, project.id, saved!));
  });

  app.delete(path, async (request, reply) => {
    const { project } = await projectOf(request);
    if ((await readProjectThresholds(metadata, project.id)).threshold !== undefined) {
      await save(project, (current) => ({ ...current, threshold: undefined }));
    }
    return reply.code(204).send();
  });

  /** The one project of `?project=` (Sentry's `get_project`), after the permission checks. */
  async function overrideProject(
    request: FastifyRequest,
  ): Promise<{ principal: ApiPrincipal; project: Project }> {
    const principal = await authorize(auth, request, OVERRIDE_PERMISSION);
    const organization = await organizationFor(metadata, principal, (request.params as Params).org ?? '');
    const ids = multiParam((request.query as Record<string, unknown>).project);
    const projects = await projectsFor(metadata, organization, ids);
    const project = projects[0];
    if (projects.length !== 1 || project === undefined) {
      throw new ApiError(400, 'Only 1 project per transaction threshold');
    }
    return { principal, ...(await projectFor(metadata, principal, organization.slug, project.slug)) };
  }

  app.get(overridePath, async (request, reply) => {
    const { project } = await overrideProject(request);
    const name = (request.query as Record<string, unknown>).transaction;
    const { overrides } = await readProjectThresholds(metadata, project.id);
    const found = overrides.find((o) => o.transaction === name);
    if (found === undefined) return reply.code(404).send();
    return serializeThreshold(found.id, project.id, found, found.transaction);
  });

  app.post(overridePath, async (request, reply) => {
    const { principal, project } = await overrideProject(request);
    const body = bodyObject(request.body);
    if (!body.ok) return reply.code(400).send(body.errors);
    const errors = new FieldErrors();
    const transaction = errors.char(body.value, 'transaction', {
      required: true,
      maxLength: MAX_OVERRIDE_TRANSACTION_LENGTH,
    });
    const { threshold, metric } = readThresholdFields(body.value, errors, true);
    if (!errors.ok || typeof transaction !== 'string' || threshold === undefined || metric === undefined) {
      return reply.code(400).send(errors.errors);
    }
    const current = await readProjectThresholds(metadata, project.id);
    const others = current.overrides.filter((o) => o.transaction !== transaction);
    if (others.length >= MAX_THRESHOLD_OVERRIDES_PER_PROJECT) {
      return overrideLimit(reply);
    }
    const date = now().toISOString();
    const existing = current.overrides.find((o) => o.transaction === transaction);
    const saved = {
      id: existing?.id ?? Math.max(0, ...current.overrides.map((o) => o.id)) + 1,
      transaction,
      threshold,
      metric,
      editedBy: principal.userId,
      dateAdded: existing?.dateAdded ?? date,
      dateUpdated: date,
    };
    await save(project, (latest) => ({
      ...latest,
      overrides: [...latest.overrides.filter((o) => o.transaction !== transaction), saved],
    }));
    return reply
      .code(existing === undefined ? 201 : 200)
      .send(serializeThreshold(saved.id, project.id, saved, saved.transaction));
  });

  app.delete(overridePath, async (request, reply) => {
    const { project } = await overrideProject(request);
    const body = bodyObject(request.body);
    const transaction = body.ok ? body.value.transaction : undefined;
    if (typeof transaction !== 'string' || transaction === '') return reply.code(400).send();
    const { overrides } = await readProjectThresholds(metadata, project.id);
    if (overrides.some((o) => o.transaction === transaction)) {
      await save(project, (current) => ({
        ...current,
        overrides: current.overrides.filter((o) => o.transaction !== transaction),
      }));
    }
    return reply.code(204).send();
  });
}

/** Sentry's serializer error beyond the per-project limit of overrides. */
function overrideLimit(reply: FastifyReply): FastifyReply {
  return reply.code(400).send({
    non_field_errors: [
      `At most ${MAX_THRESHOLD_OVERRIDES_PER_PROJECT} configured transaction thresholds per project.`,
    ],
  });
}
