/**
 * A release's commits (Sentry `src/sentry/releases/endpoints/` `organization_release_commits.py`,
 * `project_release_commits.py`, `organization_release_previous_commits.py`,
 * `project_release_repositories.py`, `organization_release_file_changes.py`):
 *
 * - `GET /api/0/organizations/{org}/releases/{version}/commits/` and
 *   `GET /api/0/projects/{org}/{project}/releases/{version}/commits/` (`?repo_name=`,
 *   `?repo_id=` the external id): the commit list, newest first, paginated;
 * - `GET /api/0/organizations/{org}/releases/{version}/previous-with-commits/`: the newest release
 *   with commits released no later than this one (`{}` when none) — sentry-cli's
 *   `set-commits --local` reads its `lastCommit.id` to send only the newer commits;
 * - `GET /api/0/organizations/{org}/releases/{version}/commitfiles/`: the changed files;
 * - `GET /api/0/projects/{org}/{project}/releases/{version}/repositories/`: the repositories of
 *   the commits.
 *
 * {@link applyReleaseCommits} applies the `commits` and `refs` of a release create or update
 * body, as Sentry's release endpoints do.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JsonObject } from '../../protocol/json.js';
import {
  clearReleaseCommits,
  listReleaseCommits,
  listReleaseFileChanges,
  listReleaseProjects,
  listReleaseRepositories,
  findActiveRepository,
  previousReleaseWithCommits,
  setReleaseCommits,
  setReleaseRefs,
  type MetadataStore,
  type Release,
  type ReleaseCommitsPage,
} from '../../storage/metadata/index.js';
import type { TokenAuth } from './auth.js';
import { NOT_FOUND, type Organization } from './context.js';
import { ApiError } from './errors.js';
import { pageOf, pageRequest } from './pagination.js';
import type { ReleaseFields } from './release-body.js';
import { namedRelease, queryParam, releaseFor, releaseProject, requestUrl } from './release-access.js';
import { serializeCommit, serializeFileChange, serializeRepository } from './serializers/commit.js';
import { multiParam } from './time-range.js';

/** Collaborators of {@link releaseCommitRoutes}. */
export interface ReleaseCommitRoutesDeps {
  metadata: MetadataStore;
  auth: TokenAuth;
  /** Base URL for pagination links; default the request's host over http. */
  publicUrl?: string;
  /** The release JSON (`releases.ts`), for `previous-with-commits`. */
  serializeRelease: (release: Release) => Promise<JsonObject>;
}

/**
 * Applies the `commits` and `refs` of a release body to `release`, as Sentry's release
 * endpoints do: non-empty `commits` replace the commit list; non-empty `refs` set head commits;
 * with `clearOnEmptyRefs` (updates), an explicit `refs: []` clears both. Returns the 400 body
 * Sentry answers for refs naming an unknown repository, else `undefined`.
 */
export async function applyReleaseCommits(
  metadata: MetadataStore,
  release: Release,
  fields: Pick<ReleaseFields, 'commits' | 'refs'>,
  clearOnEmptyRefs: boolean,
): Promise<JsonObject | undefined> {
  if (fields.commits !== undefined && fields.commits.length > 0) {
    await setReleaseCommits(metadata, release, fields.commits);
  }
  if (fields.refs !== undefined && fields.refs.length > 0) {
    const result = await setReleaseRefs(metadata, release, fields.refs);
    if (!result.ok) return { refs: [result.error.detail] };
  } else if (fields.refs !== undefined && clearOnEmptyRefs) {
    await clearReleaseCommits(metadata, release);
  }
  return undefined;
}

/** Registers the release commit routes on `app` (call from the API plugin). */
export async function releaseCommitRoutes(
  app: FastifyInstance,
  deps: ReleaseCommitRoutesDeps,
): Promise<void> {
  const { metadata, auth } = deps;

  /** Sends one page of `list` with Sentry's `Link` header. */
  async function page<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    list: (page: ReleaseCommitsPage) => Promise<T[]>,
    serialize: (item: T) => JsonObject,
  ): Promise<JsonObject[]> {
    const range = pageRequest(request.query);
    const rows = await list({ ...range, limit: range.limit + 1 });
    return pageOf(reply, requestUrl(request, deps.publicUrl), range, rows).map(serialize);
  }

  app.get('/api/0/organizations/:org/releases/:version/commits/', async (request, reply) => {
    const { release } = await namedRelease(metadata, auth, request, 'GET');
    return page(request, reply, (p) => listReleaseCommits(metadata, release.id, p), serializeCommit);
  });

  app.get('/api/0/projects/:org/:project/releases/:version/commits/', async (request, reply) => {
    const { organization, project } = await releaseProject(metadata, auth, request, 'GET');
    const release = await releaseFor(metadata, organization, versionParam(request), project);
    const repositoryId = await repositoryFilter(metadata, organization, request.query);
    return page(
      request,
      reply,
      (p) => listReleaseCommits(metadata, release.id, { ...p, repositoryId }),
      serializeCommit,
    );
  });

  app.get('/api/0/organizations/:org/releases/:version/commitfiles/', async (request, reply) => {
    const { organization, release } = await namedRelease(metadata, auth, request, 'GET');
    const repositoryId = await repositoryFilter(metadata, organization, request.query);
    return page(
      request,
      reply,
      (p) => listReleaseFileChanges(metadata, release.id, { ...p, repositoryId }),
      serializeFileChange,
    );
  });

  app.get('/api/0/organizations/:org/releases/:version/previous-with-commits/', async (request) => {
    const { release } = await namedRelease(metadata, auth, request, 'GET');
    // The release's projects, narrowed to the `?project=` ids when some are given (-1 = all).
    const wanted = new Set(multiParam((request.query as Record<string, unknown>).project).map(Number));
    const linked = (await listReleaseProjects(metadata, [release.id])).get(release.id) ?? [];
    const projectIds = linked
      .filter((p) => wanted.size === 0 || wanted.has(-1) || wanted.has(p.id))
      .map((p) => p.id);
    const previous = await previousReleaseWithCommits(metadata, release, projectIds);
    return previous === undefined ? {} : deps.serializeRelease(previous);
  });

  app.get('/api/0/projects/:org/:project/releases/:version/repositories/', async (request) => {
    const { organization, project } = await releaseProject(metadata, auth, request, 'GET');
    const release = await releaseFor(metadata, organization, versionParam(request), project);
    return (await listReleaseRepositories(metadata, release.id)).map(serializeRepository);
  });
}

function versionParam(request: FastifyRequest): string {
  return (request.params as Record<string, string>).version ?? '';
}

/**
 * The active repository `?repo_id=` (its external id) or else `?repo_name=` names (the newest
 * of them, as Sentry picks); `undefined` without either; ApiError 404 when it names none.
 */
async function repositoryFilter(
  metadata: MetadataStore,
  organization: Organization,
  query: unknown,
): Promise<number | undefined> {
  const externalId = queryParam(query, 'repo_id');
  const name = queryParam(query, 'repo_name');
  if (!externalId && !name) return undefined;
  const repository = await findActiveRepository(
    metadata,
    organization.id,
    externalId ? { externalId } : { name: name ?? '' },
  );
  if (repository === undefined) throw new ApiError(404, NOT_FOUND);
  return repository.id;
}
