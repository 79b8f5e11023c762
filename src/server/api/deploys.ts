/**
 * Deploy endpoints (Sentry `src/sentry/releases/endpoints/release_deploys.py`;
 * reference/sentry-semantics.md §8.2, `sentry-cli deploys new/list`):
 *
 * - `POST /api/0/organizations/{org}/releases/{version}/deploys/`: `{environment, name?, url?,
 *   dateStarted?, dateFinished?, projects?}` (DRF errors; the projects must be the release's,
 *   default all of them) → 201 with the deploy;
 * - `GET` the same path: the last deploy of each project and environment, most recently
 *   finished first (`?project=` narrows), with cursor pagination.
 */
import type { FastifyInstance } from 'fastify';
import {
  createDeploy,
  listProjects,
  listReleaseDeploys,
  listReleaseProjects,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import type { TokenAuth } from './auth.js';
import { organizationFor, projectsFor, type Project } from './context.js';
import { FieldErrors, bodyObject } from './drf-fields.js';
import { ApiError } from './errors.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';
import { releaseFor, releasePrincipal, requestUrl } from './release-access.js';
import { serializeDeploy } from './serializers/release.js';
import { multiParam } from './time-range.js';

/** Collaborators of {@link deployRoutes}. */
export interface DeployRoutesDeps {
  metadata: MetadataStore;
  auth: TokenAuth;
  /** Base URL for pagination links; default the request's host over http. */
  publicUrl?: string;
}

/** Environment names Sentry accepts (`Environment.is_valid_name`; at most 64 characters). */
const ENVIRONMENT_NAME = /^[^\n\r\f/]*$/;

type Params = Record<string, string>;

/** Registers the deploy routes on `app`. */
export async function deployRoutes(app: FastifyInstance, deps: DeployRoutesDeps): Promise<void> {
  const { metadata, auth } = deps;

  app.get('/api/0/organizations/:org/releases/:version/deploys/', async (request, reply) => {
    const principal = await releasePrincipal(auth, request, 'GET');
    const params = request.params as Params;
    const organization = await organizationFor(metadata, principal, params.org ?? '');
    const release = await releaseFor(metadata, organization, params.version ?? '');
    const query = request.query as Record<string, unknown>;
    const projectFilter = multiParam(query.project);
    const projects =
      projectFilter.length === 0 ? undefined : await projectsFor(metadata, organization, projectFilter);
    const deploys = await listReleaseDeploys(
      metadata,
      release.id,
      projects?.map((p) => p.id),
    );
    const limit = parseLimit(query.per_page, 100, 100);
    const { offset } = parseCursor(query.cursor);
    reply.header(
      'Link',
      linkHeader(requestUrl(request, deps.publicUrl), offset, limit, deploys.length > offset + limit),
    );
    return deploys.slice(offset, offset + limit).map(serializeDeploy);
  });

  app.post('/api/0/organizations/:org/releases/:version/deploys/', async (request, reply) => {
    const principal = await releasePrincipal(auth, request, 'POST');
    const params = request.params as Params;
    const organization = await organizationFor(metadata, principal, params.org ?? '');
    const release = await releaseFor(metadata, organization, params.version ?? '');
    const body = bodyObject(request.body);
    if (!body.ok) return reply.code(400).send(body.errors);
    const errors = new FieldErrors();
    const name = errors.char(body.value, 'name', { allowNull: true, allowBlank: true, maxLength: 64 });
    const environment = errors.char(body.value, 'environment', { required: true, maxLength: 64 });
    if (typeof environment === 'string' && environment !== '' && !ENVIRONMENT_NAME.test(environment)) {
      errors.add('environment', 'Invalid value for environment');
    }
    const url = errors.url(body.value, 'url', { allowNull: true, allowBlank: true });
    const dateStarted = errors.dateTime(body.value, 'dateStarted', { allowNull: true });
    const dateFinished = errors.dateTime(body.value, 'dateFinished', { allowNull: true });
    const projectRefs = errors.list(body.value, 'projects');
    if (projectRefs !== undefined && projectRefs.length === 0)
      errors.add('projects', 'This list may not be empty.');
    const releaseProjects = (await listReleaseProjects(metadata, [release.id])).get(release.id) ?? [];
    let deployProjects = releaseProjects;
    if (projectRefs !== undefined && projectRefs.length > 0) {
      const orgProjects = await listProjects(metadata, organization.id);
      const named = projectRefs.map((ref) =>
        orgProjects.find((p) =>
          typeof ref === 'number' ? p.id === ref : p.slug === ref || String(p.id) === ref,
        ),
      );
      if (named.some((p) => p === undefined)) errors.add('projects', 'Invalid project');
      deployProjects = named.filter((p): p is Project => p !== undefined);
    }
    if (!errors.ok || typeof environment !== 'string') return reply.code(400).send(errors.errors);
    const invalid = deployProjects
      .filter((p) => !releaseProjects.some((r) => r.id === p.id))
      .map((p) => p.slug);
    if (invalid.length > 0) {
      throw new ApiError(
        400,
        `Invalid projects (${[...new Set(invalid)].join(', ')}) for release ${release.version}`,
      );
    }
    const deploy = await createDeploy(metadata, {
      organizationId: organization.id,
      releaseId: release.id,
      environment,
      name: name || null,
      url: url || null,
      dateStarted: dateStarted ?? null,
      dateFinished: dateFinished ?? undefined,
      projectIds: deployProjects.map((p) => p.id),
    });
    return reply.code(201).send(serializeDeploy(deploy));
  });
}
