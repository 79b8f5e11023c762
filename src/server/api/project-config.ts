/**
 * Project configs through the web API (bearer tokens, like every route under `/api/0/`):
 * - Vigil's own `GET|PUT|PATCH /api/0/projects/{org}/{project}/config/`: the project's config in
 *   Relay's JSON shape (`quotas`, `filterSettings`, `datascrubbingSettings`, `piiConfig`; see
 *   src/processing/project-config/). GET (`project:read`) returns the stored config (`{}` when the
 *   project has the defaults; `allowedDomains` and `eventRetention` too); PUT (`project:write`)
 *   replaces it; PATCH merges top-level keys
 *   (`null` removes a key). Both answer the stored config, or 400
 *   `{"detail": "Invalid project config", "errors": ["quotas[0]: ..."]}` with every problem by
 *   JSON path, storing nothing.
 * - Sentry's inbound filter endpoints (`ProjectFiltersEndpoint`, `ProjectFilterDetailsEndpoint`):
 *   `GET .../filters/` lists `{id, active, description, name}` of the five filters by name
 *   (`active` is a sorted list of subfilters for `legacy-browsers`); `PUT .../filters/{id}/` takes
 *   `{"active": bool}` or, for `legacy-browsers`, `{"subfilters": [...]}`, answers 204, 400 with
 *   DRF field errors, 404 for an unknown filter.
 * - Sentry's project details (`ProjectDetailsEndpoint`): `GET /api/0/projects/{org}/{project}/`
 *   (`DetailedProjectSerializer`, with the data scrubbing fields, `allowedDomains` and filter
 *   options read off the config) and `PUT` for `dataScrubber`, `dataScrubberDefaults`,
 *   `sensitiveFields`, `safeFields`, `scrubIPAddresses`, `relayPiiConfig`, `allowedDomains` and
 *   the options `filters:blacklisted_ips`, `filters:releases`, `filters:error_messages`,
 *   `sentry:origins` (newline-separated); other fields are ignored. Mapped onto the config as
 *   Sentry's relay config builder does (`sentry-settings.ts`); `allowedDomains` shows the
 *   origins as Relay receives them (lowercased, trailing `/` stripped), Sentry shows them as entered.
 * Every write calls `onProjectConfigChange`, so the key cache of this process serves the new
 * config to the next envelope at once.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import {
  INBOUND_FILTER_SPECS,
  cleanNewlineInputs,
  isAcceptableOrigin,
  drfBoolean,
  inboundFilterSpec,
  inboundFilterState,
  parseInboundFilterUpdate,
  pythonTypeName,
  safeFieldsProblem,
  sentryAllowedDomains,
  sentryFilterOptions,
  sentryScrubbingFields,
  withInboundFilterState,
  withSentrySettings,
  type FieldErrors,
  type SentrySettingsUpdate,
} from '../../processing/project-config/index.js';
import { parsePiiConfig } from '../../processing/pii/index.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import {
  readProjectConfigJson,
  saveProjectConfig,
  updateProjectConfig,
  type SaveProjectConfigResult,
} from '../services/project-configs.js';
import { requireScope, type ApiPrincipal, type TokenAuth } from './auth.js';
import { projectFor, type Organization, type Project } from './context.js';
import { ApiError } from './errors.js';
import { serializeProject } from './serializers/index.js';

/** Collaborators of {@link projectConfigRoutes}. */
export interface ProjectConfigRoutesDeps {
  metadata: MetadataStore;
  auth: TokenAuth;
  /** Base URL for the organization links of project details. */
  publicUrl?: string;
  /** Called after a project's config was written (the key cache's `invalidateProject`). */
  onProjectConfigChange?: (projectId: number) => void;
}

const READ_SCOPES = ['project:read', 'project:write', 'project:admin'];
const WRITE_SCOPES = ['project:write', 'project:admin'];
const NOT_FOUND = 'The requested resource does not exist';

/** Sentry's cap on the summed length of `sensitiveFields` (`MAX_SENSITIVE_FIELD_CHARS`). */
export const MAX_SENSITIVE_FIELD_CHARS = 4000;

type Params = Record<string, string>;

/** Registers the routes on `app` (call from the API plugin, like `issueRoutes`). */
export async function projectConfigRoutes(
  app: FastifyInstance,
  deps: ProjectConfigRoutesDeps,
): Promise<void> {
  const { metadata, auth } = deps;

  /** The project of the path, after checking the token has one of `scopes`. */
  async function projectOf(
    request: FastifyRequest,
    scopes: string[],
  ): Promise<{ principal: ApiPrincipal; organization: Organization; project: Project }> {
    const principal = await auth.authenticate(request);
    requireScope(principal, ...scopes);
    const p = request.params as Params;
    return { principal, ...(await projectFor(metadata, principal, p.org ?? '', p.project ?? '')) };
  }

  /** The stored JSON; throws 400 with every error when the write failed, tells the cache when it succeeded. */
  function written(project: Project, result: SaveProjectConfigResult): JsonObject {
    if (!result.ok) throw new ApiError(400, 'Invalid project config', { errors: result.errors });
    deps.onProjectConfigChange?.(project.id);
    return result.json;
  }

  app.get('/api/0/projects/:org/:project/config/', async (request) => {
    const { project } = await projectOf(request, READ_SCOPES);
    return readProjectConfigJson(metadata, project.id);
  });

  app.put('/api/0/projects/:org/:project/config/', async (request) => {
    const { project } = await projectOf(request, WRITE_SCOPES);
    const body = configBody(request.body);
    return written(project, await saveProjectConfig(metadata, project.id, body));
  });

  app.patch('/api/0/projects/:org/:project/config/', async (request) => {
    const { project } = await projectOf(request, WRITE_SCOPES);
    const body = configBody(request.body);
    const result = await updateProjectConfig(metadata, project.id, (json) => {
      const merged: JsonObject = { ...json };
      for (const [key, value] of Object.entries(body)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      return merged;
    });
    return written(project, result);
  });

  app.get('/api/0/projects/:org/:project/filters/', async (request) => {
    const { project } = await projectOf(request, READ_SCOPES);
    const json = await readProjectConfigJson(metadata, project.id);
    return INBOUND_FILTER_SPECS.map((spec) => ({
      id: spec.id,
      active: inboundFilterState(json, spec),
      description: spec.description,
      name: spec.name,
    })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  });

  app.put('/api/0/projects/:org/:project/filters/:filterId/', async (request, reply) => {
    const { project } = await projectOf(request, WRITE_SCOPES);
    const spec = inboundFilterSpec((request.params as Params).filterId ?? '');
    if (spec === undefined) throw new ApiError(404, NOT_FOUND);
    const parsed = parseInboundFilterUpdate(spec, request.body);
    if (!parsed.ok) return reply.code(400).send(parsed.errors);
    const result = await updateProjectConfig(metadata, project.id, (json) =>
      withInboundFilterState(json, spec, parsed.update),
    );
    written(project, result);
    return reply.code(204).send();
  });

  app.get('/api/0/projects/:org/:project/', async (request) => {
    const { organization, project } = await projectOf(request, READ_SCOPES);
    return projectDetails(organization, project, await readProjectConfigJson(metadata, project.id));
  });

  app.put('/api/0/projects/:org/:project/', async (request, reply) => {
    // Sentry's RelaxedProjectPermission: any project scope may PUT, but only project:write or
    // project:admin may change the settings handled here.
    const { principal, organization, project } = await projectOf(request, READ_SCOPES);
    const body = isJsonObject(request.body) ? request.body : {};
    // Without project:write Sentry validates with its member serializer, which drops these fields,
    // and refuses the request when one of them was given a truthy value.
    const elevated = WRITE_SCOPES.some((s) => principal.scopes.includes(s));
    if (!elevated && SETTINGS_FIELDS.some((key) => isTruthy(body[key]))) {
      throw new ApiError(403, 'You do not have permission to perform this action.');
    }
    const parsed = elevated ? parseSettingsUpdate(body) : { ok: true as const, update: {} };
    if (!parsed.ok) return reply.code(400).send(parsed.errors);
    let json: JsonObject;
    if (Object.keys(parsed.update).length === 0) {
      json = await readProjectConfigJson(metadata, project.id);
    } else {
      const result = await updateProjectConfig(metadata, project.id, (current) =>
        withSentrySettings(current, parsed.update),
      );
      json = written(project, result);
    }
    return projectDetails(organization, project, json);
  });

  /** `DetailedProjectSerializer`'s JSON with the settings of the config `json`. */
  function projectDetails(organization: Organization, project: Project, json: JsonObject): JsonObject {
    return serializeProject(
      {
        id: project.id,
        slug: project.slug,
        name: project.name,
        platform: project.platform,
        dateCreated: new Date(project.date_created),
      },
      {
        id: organization.id,
        slug: organization.slug,
        name: organization.name,
        dateCreated: new Date(organization.date_created),
      },
      {
        detailed: true,
        organizationOptions: { baseUrl: deps.publicUrl },
        settings: {
          fields: { ...sentryScrubbingFields(json), allowedDomains: sentryAllowedDomains(json) },
          options: { ...sentryFilterOptions(json) },
        },
      },
    );
  }
}

/** The body of a config PUT/PATCH: a JSON object, else 400. */
function configBody(body: unknown): JsonObject {
  if (isJsonObject(body)) return body;
  throw new ApiError(400, 'Invalid project config', { errors: ['project config: expected an object'] });
}

/** The project-details fields handled here, in Sentry's serializer order. */
const SETTINGS_FIELDS = [
  'dataScrubber',
  'dataScrubberDefaults',
  'sensitiveFields',
  'safeFields',
  'relayPiiConfig',
  'scrubIPAddresses',
  'allowedDomains',
  'options',
] as const;

/** Python truthiness of a JSON value (Sentry's `request.data.get(key)`). */
function isTruthy(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isJsonObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** The options handled here and the update field each one sets (case-insensitive lists lowercased). */
const LIST_OPTIONS = [
  ['filters:blacklisted_ips', 'blacklistedIps', true],
  ['filters:releases', 'releases', true],
  ['filters:error_messages', 'errorMessages', false],
  ['sentry:origins', 'allowedDomains', true],
] as const;

/**
 * Validates a project-details PUT as Sentry's `ProjectAdminSerializer` does for the handled fields
 * (DRF messages; `relayPiiConfig: null` changes nothing, as in Sentry) and cleans the options'
 * newline-separated lists (`clean_newline_inputs`; error messages keep their case).
 */
function parseSettingsUpdate(
  body: JsonObject,
): { ok: true; update: SentrySettingsUpdate } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const update: SentrySettingsUpdate = {};
  for (const key of ['dataScrubber', 'dataScrubberDefaults', 'scrubIPAddresses'] as const) {
    const value = body[key];
    if (value === undefined) continue;
    const parsed = drfBoolean(value);
    if (value === null) errors[key] = ['This field may not be null.'];
    else if (parsed === undefined) errors[key] = ['Must be a valid boolean.'];
    else update[key] = parsed;
  }
  for (const key of ['sensitiveFields', 'safeFields'] as const) {
    const value = body[key];
    if (value === undefined) continue;
    const list = stringList(value);
    if (typeof list === 'string') errors[key] = [list];
    else update[key] = list;
  }
  if (update.sensitiveFields !== undefined) {
    const chars = update.sensitiveFields.reduce((n, field) => n + field.length, 0);
    if (chars > MAX_SENSITIVE_FIELD_CHARS) errors.sensitiveFields = ['List of sensitive fields is too long.'];
  }
  if (update.safeFields !== undefined) {
    const problem = safeFieldsProblem(update.safeFields);
    if (problem !== undefined) errors.safeFields = [problem];
  }
  if (body.allowedDomains !== undefined) {
    const field = allowedDomainsField(body.allowedDomains);
    if (field.ok) update.allowedDomains = field.origins;
    else errors.allowedDomains = field.errors;
  }
  const pii = body.relayPiiConfig;
  if (typeof pii === 'string') {
    const issues = pii.trim() === '' ? [] : parsePiiConfig(pii.trim()).issues;
    if (issues.length > 0) {
      errors.relayPiiConfig = issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`));
    } else update.relayPiiConfig = pii;
  } else if (pii !== undefined && pii !== null) {
    errors.relayPiiConfig = ['Not a valid string.'];
  }
  if (body.options !== undefined) {
    if (!isJsonObject(body.options)) {
      errors.options = [`Expected a dictionary of items but got type "${pythonTypeName(body.options)}".`];
    } else {
      const problems: string[] = [];
      for (const [option, field, caseInsensitive] of LIST_OPTIONS) {
        const value = body.options[option];
        if (value === undefined) continue;
        if (typeof value !== 'string') problems.push(`${option}: expected a newline-separated string`);
        else update[field] = cleanNewlineInputs(value, caseInsensitive);
      }
      if (problems.length > 0) errors.options = problems;
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, update };
}

/**
 * Sentry's `allowedDomains` field (`EmptyListField(child=OriginField(allow_blank=True))` and
 * `validate_allowedDomains`): a list of strings (numbers become strings), each trimmed; blank
 * entries are dropped, the others must be acceptable origins ({@link isAcceptableOrigin}); what
 * is left must not be empty. Returns the origins, or the DRF errors (per index for the items).
 */
function allowedDomainsField(
  value: JsonValue,
): { ok: true; origins: string[] } | { ok: false; errors: string[] | Record<string, string[]> } {
  const fail = (errors: string[] | Record<string, string[]>) => ({ ok: false as const, errors });
  const empty = fail(['Empty value will block all requests, use * to accept from all domains']);
  if (value === '') return empty;
  if (value === null) return fail(['This field may not be null.']);
  if (!Array.isArray(value))
    return fail([`Expected a list of items but got type "${pythonTypeName(value)}".`]);
  const origins: string[] = [];
  const itemErrors: Record<string, string[]> = {};
  value.forEach((item, i) => {
    if (item === null) itemErrors[i] = ['This field may not be null.'];
    else if (typeof item !== 'string' && typeof item !== 'number') itemErrors[i] = ['Not a valid string.'];
    else {
      const origin = String(item).trim();
      if (origin === '') return;
      if (isAcceptableOrigin(origin)) origins.push(origin);
      else itemErrors[i] = [`${origin} is not an acceptable domain`];
    }
  });
  if (Object.keys(itemErrors).length > 0) return fail(itemErrors);
  return origins.length > 0 ? { ok: true, origins } : empty;
}

/**
 * A `ListField(child=CharField())` value: strings (and numbers, which DRF turns into strings),
 * trimmed and not blank; else the DRF message.
 */
function stringList(value: JsonValue): string[] | string {
  if (value === null) return 'This field may not be null.';
  if (!Array.isArray(value)) return `Expected a list of items but got type "${pythonTypeName(value)}".`;
  const out: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string' && typeof item !== 'number') return 'Not a valid string.';
    const text = String(item).trim();
    if (text === '') return 'This field may not be blank.';
    out.push(text);
  }
  return out;
}
