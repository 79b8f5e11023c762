/**
 * An organization's repositories (Sentry `src/sentry/integrations/api/endpoints/`
 * `organization_repositories.py`, `organization_repository_details.py`):
 *
 * - `GET /api/0/organizations/{org}/repos/` (`?status=active` default, `deleted`; `?query=` name
 *   substring; paginated by name) — sentry-cli's `set-commits` reads it;
 * - `POST /api/0/organizations/{org}/repos/` `{name, url?, provider?}`: registers a repository.
 *   Sentry adds repositories through an integration's provider; Vigil has none, so it registers
 *   plain repositories (no `provider`; Sentry's "Unknown Provider", what Sentry creates for
 *   commits naming an unknown repository) and Custom SCM ones (`integrations:custom_scm`), and
 *   answers any other provider as Sentry answers an unknown one (400 `{"error_type":
 *   "validation"}`). sentry-cli's `--auto` resolves only repositories of git providers against
 *   the local remote; with these it sends the local git history instead (`--local`);
 * - `GET|PUT|DELETE /api/0/organizations/{org}/repos/{id}/`: details; update of `status`
 *   (`active`/`visible`, `hidden`), `name`, `url` (Custom SCM's editable fields); delete (202,
 *   status `pending_deletion`; Vigil deletes the repository and its commits at once).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonObject } from '../../protocol/json.js';
import {
  CUSTOM_SCM_PROVIDER,
  createRepository,
  deleteRepository,
  getRepository,
  listRepositories,
  updateRepository,
  type MetadataStore,
  type Repository,
  type RepositoryPatch,
} from '../../storage/metadata/index.js';
import type { TokenAuth } from './auth.js';
import { NOT_FOUND, organizationFor, type Organization } from './context.js';
import { FieldErrors, bodyObject } from './drf-fields.js';
import { ApiError } from './errors.js';
import { pageOf, pageRequest } from './pagination.js';
import {
  ORGANIZATION_INTEGRATIONS_LOOSE_PERMISSION,
  ORGANIZATION_INTEGRATIONS_PERMISSION,
  authorize,
  type ScopeMap,
} from './permissions.js';
import { queryParam, requestUrl } from './release-access.js';
import { serializeRepository } from './serializers/commit.js';

/** Collaborators of {@link repositoryRoutes}. */
export interface RepositoryRoutesDeps {
  metadata: MetadataStore;
  auth: TokenAuth;
  /** Base URL for pagination links; default the request's host over http. */
  publicUrl?: string;
}

/** The `status` values `PUT` accepts (`visible` is Sentry's alias of `active`). */
const STATUS_CHOICES = ['visible', 'active', 'hidden'] as const;

type Params = Record<string, string>;

/** Registers the repository routes on `app` (call from the API plugin). */
export async function repositoryRoutes(app: FastifyInstance, deps: RepositoryRoutesDeps): Promise<void> {
  const { metadata, auth } = deps;

  async function organizationOf(request: FastifyRequest, map: ScopeMap): Promise<Organization> {
    const principal = await authorize(auth, request, map);
    return organizationFor(metadata, principal, (request.params as Params).org ?? '');
  }

  async function repositoryOf(request: FastifyRequest): Promise<Repository> {
    const organization = await organizationOf(request, ORGANIZATION_INTEGRATIONS_PERMISSION);
    const id = Number((request.params as Params).repoId);
    const repository = Number.isSafeInteger(id)
      ? await getRepository(metadata, organization.id, id)
      : undefined;
    if (repository === undefined) throw new ApiError(404, NOT_FOUND);
    return repository;
  }

  app.get('/api/0/organizations/:org/repos/', async (request, reply) => {
    const organization = await organizationOf(request, ORGANIZATION_INTEGRATIONS_LOOSE_PERMISSION);
    const status = queryParam(request.query, 'status') ?? 'active';
    const range = pageRequest(request.query);
    // Vigil has no integrations: a filter by one, or an unknown status, matches nothing.
    const none = (status !== 'active' && status !== 'deleted') || queryParam(request.query, 'integration_id');
    const rows = none
      ? []
      : await listRepositories(metadata, {
          organizationId: organization.id,
          status,
          query: queryParam(request.query, 'query'),
          limit: range.limit + 1,
          offset: range.offset,
        });
    return pageOf(reply, requestUrl(request, deps.publicUrl), range, rows).map(serializeRepository);
  });

  app.post('/api/0/organizations/:org/repos/', async (request, reply) => {
    const organization = await organizationOf(request, ORGANIZATION_INTEGRATIONS_LOOSE_PERMISSION);
    const body = bodyObject(request.body);
    if (!body.ok) return reply.code(400).send({ error_type: 'validation', errors: body.errors });
    const provider = body.value.provider;
    const plain = provider === undefined || provider === null || provider === '';
    if (!plain && provider !== CUSTOM_SCM_PROVIDER) return reply.code(400).send({ error_type: 'validation' });
    const errors = new FieldErrors();
    const name = errors.char(body.value, 'name', { required: true, maxLength: 200 });
    const url = errors.url(body.value, 'url', { allowNull: true, allowBlank: true });
    if (!errors.ok || !name)
      return reply.code(400).send({ error_type: 'validation', errors: firstErrors(errors) });
    const created = await createRepository(metadata, {
      organizationId: organization.id,
      name,
      url: url || null,
      provider: plain ? null : CUSTOM_SCM_PROVIDER,
    });
    if (!created.ok) return reply.code(400).send({ errors: { __all__: created.error.detail } });
    return reply.code(201).send(serializeRepository(created.value));
  });

  app.get('/api/0/organizations/:org/repos/:repoId/', async (request) => {
    return serializeRepository(await repositoryOf(request));
  });

  app.put('/api/0/organizations/:org/repos/:repoId/', async (request, reply) => {
    const repository = await repositoryOf(request);
    const body = bodyObject(request.body);
    if (!body.ok) return reply.code(400).send(body.errors);
    const errors = new FieldErrors();
    const status = errors.choice(body.value, 'status', STATUS_CHOICES);
    const name = errors.char(body.value, 'name');
    const url = errors.url(body.value, 'url', { allowBlank: true });
    if (!errors.ok) return reply.code(400).send(errors.errors);
    if (body.value.integrationId) return reply.code(400).send({ detail: 'Invalid integration id' });
    const patch: RepositoryPatch = {
      ...(status ? { status: status === 'hidden' ? 'hidden' : 'active' } : {}),
      ...(name ? { name } : {}),
      ...(typeof url === 'string' ? { url } : {}),
    };
    const updated = await updateRepository(metadata, repository, patch);
    if (!updated.ok) return reply.code(400).send({ errors: { __all__: updated.error.detail } });
    return serializeRepository(updated.value);
  });

  app.delete('/api/0/organizations/:org/repos/:repoId/', async (request, reply) => {
    const repository = await repositoryOf(request);
    await deleteRepository(metadata, repository);
    return reply.code(202).send({ ...serializeRepository(repository), status: 'pending_deletion' });
  });
}

/** DRF field errors as a plugin provider's `ConfigValidator` reports them: the first message per field. */
function firstErrors(errors: FieldErrors): JsonObject {
  return Object.fromEntries(
    Object.entries(errors.errors).map(([field, messages]) => [
      field,
      Array.isArray(messages) ? (messages[0] ?? null) : messages,
    ]),
  );
}
