/**
 * Artifact-bundle endpoints (reference/sentry-semantics.md §8.3, §9.3):
 *
 * - `POST /api/0/organizations/{org}/artifactbundle/assemble/` (Sentry
 *   `organization_artifactbundle_assemble.py`): validates like Sentry's JSON schema (`checksum`,
 *   `chunks`, `projects` required; sha1s of 40 lowercase hex; `version` without `/`; projects by
 *   slug or numeric id; `dist` only with a version), then answers `not_found` with the
 *   `missingChunks` the client must upload, the stored state (`created`, `assembling`, `ok`,
 *   `error` + detail), `not_found` for a poll without chunks, or starts the assembly in the
 *   background and answers `created`. Errors are `400 {"error": ...}`.
 * - `GET|DELETE /api/0/projects/{org}/{project}/files/artifact-bundles/` (Sentry
 *   `artifact_bundles.py`): the project's bundles (`?query=`, `?sortBy=±date_added`, 10 per
 *   page) and deleting one (`?bundleId=`; Vigil only deletes bundles of that project).
 * - `GET /api/0/projects/{org}/{project}/artifact-lookup/` (Sentry `artifact_lookup.py`): the
 *   bundles holding `debug_id`, else those of `release`/`dist` whose URLs contain `url`, else
 *   the release's newest bundles; `?download=artifact_bundle/<id>` sends a bundle's zip (Vigil
 *   has no users, so a token with write access may download; Sentry asks for a member role).
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import {
  claimAssembly,
  deleteArtifactBundle,
  findBundlesByDebugId,
  findMissingFileBlobs,
  findReleaseBundles,
  getAssembleStatus,
  getProjectArtifactBundle,
  getProjectArtifactBundleByBundleId,
  listProjectArtifactBundles,
  listProjects,
  readArtifactBundleZip,
  type ArtifactBundle,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import type { ArtifactAssembler } from '../services/artifact-assembler.js';
import { normalizeDebugId } from '../services/source-bundle.js';
import type { TokenAuth } from './auth.js';
import { organizationFor, projectFor, type Organization } from './context.js';
import { apiErrorHandler } from './errors.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';
import { queryParam, releasePrincipal, requestUrl } from './release-access.js';

/** Collaborators of {@link artifactBundleRoutes}. */
export interface ArtifactBundleRoutesDeps {
  metadata: MetadataStore;
  auth: TokenAuth;
  assembler: ArtifactAssembler;
  /** Base URL for pagination and download links; default the request's host over http. */
  publicUrl?: string;
}

/** Sentry's messages per field of the assemble request (`error_messages` of the endpoint). */
const FIELD_ERRORS = {
  version: 'The version field cannot be empty and cannot contain any "/" characters.',
  dist: 'The dist field must be a string.',
  projects: 'The projects field is required and must be provided as an array of strings.',
  checksum: 'The checksum field is required and must be a 40-character hexadecimal string.',
  chunks:
    'The chunks field is required and must be provided as an array of 40-character hexadecimal strings.',
} as const;

const SHA1 = /^[0-9a-f]{40}$/;
/** Bundles the artifact lookup returns per kind (Sentry's `MAX_BUNDLES_QUERY`). */
const MAX_BUNDLES_QUERY = 5;

/** A validated assemble request. */
interface AssembleRequest {
  checksum: string;
  chunks: string[];
  projects: string[];
  version?: string;
  dist?: string;
}

/** The assemble request of `body`, or Sentry's error message. */
function assembleRequest(body: unknown): { ok: true; value: AssembleRequest } | { ok: false; error: string } {
  if (!isJsonObject(body)) return { ok: false, error: 'The request body must be a JSON object.' };
  for (const key of ['checksum', 'chunks', 'projects'] as const) {
    if (!(key in body)) return { ok: false, error: `'${key}' is a required property` };
  }
  const unexpected = Object.keys(body).filter(
    (k) => !['checksum', 'chunks', 'projects', 'version', 'dist'].includes(k),
  );
  if (unexpected.length > 0) {
    return {
      ok: false,
      error: `Additional properties are not allowed (${unexpected.map((k) => `'${k}'`).join(', ')} ${unexpected.length === 1 ? 'was' : 'were'} unexpected)`,
    };
  }
  const { checksum, chunks, projects, version, dist } = body;
  if (version !== undefined && (typeof version !== 'string' || !/^[^/]+$/.test(version))) {
    return { ok: false, error: FIELD_ERRORS.version };
  }
  if (dist !== undefined && typeof dist !== 'string') return { ok: false, error: FIELD_ERRORS.dist };
  if (!Array.isArray(projects) || projects.some((p) => typeof p !== 'string')) {
    return { ok: false, error: FIELD_ERRORS.projects };
  }
  if (typeof checksum !== 'string' || !SHA1.test(checksum))
    return { ok: false, error: FIELD_ERRORS.checksum };
  if (!Array.isArray(chunks) || chunks.some((c) => typeof c !== 'string' || !SHA1.test(c))) {
    return { ok: false, error: FIELD_ERRORS.chunks };
  }
  return {
    ok: true,
    value: {
      checksum,
      chunks: chunks as string[],
      projects: projects as string[],
      version: version as string | undefined,
      dist: dist as string | undefined,
    },
  };
}

/** Registers the artifact-bundle routes on `app`. */
export async function artifactBundleRoutes(
  app: FastifyInstance,
  deps: ArtifactBundleRoutesDeps,
): Promise<void> {
  const { metadata, auth, assembler } = deps;

  /** The ids of `refs` (numeric strings are ids, others slugs), or `undefined` when one is unknown. */
  async function projectIdsOf(
    organization: Organization,
    refs: readonly string[],
  ): Promise<number[] | undefined> {
    const projects = await listProjects(metadata, organization.id);
    const found = new Set<number>();
    for (const ref of new Set(refs)) {
      const project = projects.find((p) => (/^\d+$/.test(ref) ? String(p.id) === ref : p.slug === ref));
      if (project !== undefined) found.add(project.id);
    }
    // Like Sentry, every listed entry must name a distinct project.
    return found.size === refs.length ? [...found] : undefined;
  }

  app.post(
    '/api/0/organizations/:org/artifactbundle/assemble/',
    {
      // Sentry answers an unreadable body with its own message.
      errorHandler: (error: FastifyError, request, reply) =>
        error.code?.startsWith('FST_ERR_CTP') === true
          ? reply.code(400).send({ error: 'Invalid json body' })
          : apiErrorHandler(error, request, reply),
    },
    async (request, reply) => {
      const principal = await releasePrincipal(auth, request, 'POST');
      const organization = await organizationFor(
        metadata,
        principal,
        (request.params as Record<string, string>).org ?? '',
      );
      const parsed = assembleRequest(request.body);
      if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
      const job = parsed.value;
      if (job.projects.length === 0) {
        return reply.code(400).send({ error: 'You need to specify at least one project' });
      }
      const projectIds = await projectIdsOf(organization, job.projects);
      if (projectIds === undefined)
        return reply.code(400).send({ error: 'One or more projects are invalid' });
      if (!job.version && job.dist) {
        return reply.code(400).send({ error: 'You need to specify a release together with a dist' });
      }
      const missing = await findMissingFileBlobs(metadata, organization.id, job.chunks);
      if (missing.length > 0) return { state: 'not_found', missingChunks: missing };
      const known = await getAssembleStatus(metadata, organization.id, job.checksum);
      if (known !== undefined) return assembleState(known);
      if (job.chunks.length === 0) return { state: 'not_found', missingChunks: [] };
      if (!(await claimAssembly(metadata, organization.id, job.checksum))) {
        // Another request (maybe on another node) started it a moment ago.
        const current = await getAssembleStatus(metadata, organization.id, job.checksum);
        return current === undefined ? { state: 'created', missingChunks: [] } : assembleState(current);
      }
      assembler.start({
        organizationId: organization.id,
        projectIds,
        version: job.version || undefined,
        dist: job.dist || undefined,
        checksum: job.checksum,
        chunks: job.chunks,
      });
      return { state: 'created', missingChunks: [] };
    },
  );

  const bundlesPath = '/api/0/projects/:org/:project/files/artifact-bundles/';

  app.get(bundlesPath, async (request, reply) => {
    const principal = await releasePrincipal(auth, request, 'GET');
    const params = request.params as Record<string, string>;
    const { project } = await projectFor(metadata, principal, params.org ?? '', params.project ?? '');
    const sortBy = queryParam(request.query, 'sortBy') ?? '-date_added';
    if (sortBy.replace(/^-/, '') !== 'date_added') {
      return reply.code(400).send({ detail: "You can either sort via 'date_added' or '-date_added'" });
    }
    const query = request.query as Record<string, unknown>;
    const limit = parseLimit(query.per_page, 10, 100);
    const { offset } = parseCursor(query.cursor);
    const bundles = await listProjectArtifactBundles(metadata, {
      projectId: project.id,
      query: queryParam(query, 'query'),
      ascending: !sortBy.startsWith('-'),
      limit: limit + 1,
      offset,
    });
    reply.header(
      'Link',
      linkHeader(requestUrl(request, deps.publicUrl), offset, limit, bundles.length > limit),
    );
    return bundles.slice(0, limit).map((b) => ({
      bundleId: b.bundle_id,
      associations: b.associations.map((a) => ({ release: a.release || null, dist: a.dist || null })),
      fileCount: b.artifact_count,
      dateModified: secondsDate(b.date_last_modified),
      date: secondsDate(b.date_uploaded),
    }));
  });

  app.delete(bundlesPath, async (request, reply) => {
    const principal = await releasePrincipal(auth, request, 'DELETE');
    const params = request.params as Record<string, string>;
    const { organization, project } = await projectFor(
      metadata,
      principal,
      params.org ?? '',
      params.project ?? '',
    );
    const raw = queryParam(request.query, 'bundleId');
    if (raw === undefined || raw === '') {
      return reply.code(404).send({ error: `Supplied an invalid bundle_id ${raw ?? 'None'}` });
    }
    const bundleId = normalizeDebugId(raw)?.slice(0, 36) ?? raw;
    const deleted =
      (await getProjectArtifactBundleByBundleId(metadata, project.id, bundleId)) !== undefined &&
      (await deleteArtifactBundle(metadata, organization.id, bundleId));
    if (!deleted) return reply.code(404).send({ error: `Couldn't find a bundle with bundle_id ${raw}` });
    return reply.code(204).send();
  });

  app.get('/api/0/projects/:org/:project/artifact-lookup/', async (request, reply) => {
    const params = request.params as Record<string, string>;
    const download = queryParam(request.query, 'download');
    const principal = await releasePrincipal(auth, request, download === undefined ? 'GET' : 'POST');
    const { project } = await projectFor(metadata, principal, params.org ?? '', params.project ?? '');
    if (download !== undefined) return sendBundle(reply, project.id, download);
    const query = request.query as Record<string, unknown>;
    const found = new Map<number, string>();
    const debugId = normalizeDebugId(queryParam(query, 'debug_id'));
    if (debugId !== undefined) {
      for (const b of await findBundlesByDebugId(metadata, project.id, debugId)) found.set(b.id, 'debug-id');
    }
    const release = queryParam(query, 'release') ?? '';
    if (found.size === 0 && release !== '') {
      const dist = queryParam(query, 'dist') ?? '';
      const url = queryParam(query, 'url') ?? '';
      const add = (bundles: ArtifactBundle[], resolvedWith: string) => {
        for (const b of bundles) if (!found.has(b.id)) found.set(b.id, resolvedWith);
      };
      if (url !== '') {
        add(
          await findReleaseBundles(metadata, {
            projectId: project.id,
            release,
            dist,
            urlContains: url,
            limit: MAX_BUNDLES_QUERY,
          }),
          'index',
        );
      }
      add(
        await findReleaseBundles(metadata, {
          projectId: project.id,
          release,
          dist,
          limit: MAX_BUNDLES_QUERY,
        }),
        'release',
      );
    }
    const base = requestUrl(request, deps.publicUrl);
    base.search = '';
    return [...found]
      .sort(([a], [b]) => a - b)
      .map(([id, resolvedWith]) => ({
        id: `artifact_bundle/${id}`,
        type: 'bundle',
        url: `${base.toString()}?download=artifact_bundle/${id}`,
        resolved_with: resolvedWith,
      }));
  });

  /** Sends the zip of a project's bundle named by a download id (`artifact_bundle/<id>`); 404 otherwise. */
  async function sendBundle(reply: FastifyReply, projectId: number, download: string): Promise<FastifyReply> {
    const [kind, rawId] = download.split('/');
    const id = Number(rawId);
    const bundle =
      kind === 'artifact_bundle' && Number.isSafeInteger(id)
        ? await getProjectArtifactBundle(metadata, projectId, id)
        : undefined;
    const zip = bundle === undefined ? undefined : await readArtifactBundleZip(metadata, bundle);
    if (bundle === undefined || zip === undefined)
      return reply.code(404).send({ detail: 'The requested resource does not exist' });
    return reply
      .header('Content-Type', 'application/octet-stream')
      .header('Content-Disposition', `attachment; filename="bundle-artifacts-${bundle.bundle_id}.zip"`)
      .send(zip);
  }
}

/** The assemble answer of a stored state (`detail` is null for `ok`, as in Sentry). */
function assembleState(status: { state: string; detail: string | null }): JsonObject {
  return { state: status.state, detail: status.state === 'ok' ? null : status.detail, missingChunks: [] };
}

/** A stored ISO date as Sentry's bundle list shows it: seconds precision with `Z`. */
function secondsDate(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}
