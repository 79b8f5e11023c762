/**
 * DSN keys (Sentry `ProjectKeysEndpoint`, `ProjectKeyDetailsEndpoint`; `ProjectPermission`):
 * - `GET /api/0/projects/{org}/{project}/keys/` (newest first; `status=active|inactive`),
 *   `POST` (`{name?, public?, secret?}`: keys may be given, e.g. to keep DSNs when moving from
 *   another server; a name is made up when missing);
 * - `GET|PUT|DELETE /api/0/projects/{org}/{project}/keys/{key_id}/` (`key_id` is the public
 *   key; PUT takes `name`, `isActive`, `browserSdkVersion`, `dynamicSdkLoaderOptions`).
 * `rateLimit` is accepted and ignored, as in Sentry without the `projects:rate-limits` feature
 * (per-key limits are key-scoped quotas in the project config). A change or deletion calls
 * `onProjectConfigChange`, so this process's edge refuses a disabled or deleted key from the next
 * envelope on (other processes within the key cache's TTL).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isJsonObject, type JsonObject } from '../../../protocol/json.js';
import {
  deleteProjectKey,
  getProjectKey,
  insertProjectKey,
  listProjectKeysPage,
  updateProjectKey,
  type ProjectKey,
} from '../../../storage/metadata/index.js';
import { NOT_FOUND, projectFor, type Project } from '../context.js';
import { ApiError } from '../errors.js';
import { pageOf, pageRequest } from '../pagination.js';
import { authorize, PROJECT_PERMISSION } from '../permissions.js';
import { serializeProjectKey, type DsnOptions } from '../serializers/index.js';
import { requestUrl, type AccountRoutesDeps } from './common.js';
import { bodyOf, booleanField, charField, type FieldErrors } from './fields.js';
import { petname } from './petname.js';

type Params = Record<string, string>;

const HEX32 = /^[a-f0-9]{32}$/;

/** The loader versions a key may pick (Sentry's `ProjectKeyPutSerializer` choices). */
const BROWSER_SDK_VERSIONS = ['latest', '7.x', '8.x', '9.x'];

/** The loader options `dynamicSdkLoaderOptions` may set (Sentry's `DynamicSdkLoaderOption`). */
const LOADER_OPTIONS = ['hasReplay', 'hasPerformance', 'hasDebug'];

/** How DSNs of this server look: the public URL's scheme and host (plus any path prefix). */
export function dsnOptions(publicUrl: string): DsnOptions {
  const url = new URL(publicUrl);
  return {
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    dsnHost: `${url.host}${url.pathname.replace(/\/+$/, '')}`,
  };
}

/** Registers the DSN key routes. */
export async function keyRoutes(app: FastifyInstance, deps: AccountRoutesDeps): Promise<void> {
  const { metadata, auth } = deps;
  const dsn = dsnOptions(deps.publicUrl);

  const serialize = (key: ProjectKey, project: Project): JsonObject =>
    serializeProjectKey(
      {
        publicKey: key.public_key,
        secretKey: key.secret_key,
        label: key.label,
        isActive: key.is_active,
        dateCreated: new Date(key.date_created),
        data: key.data,
      },
      project,
      dsn,
    );

  /** The key `key_id` of the path's project; ApiError 404 when the project has no such key. */
  async function keyOf(project: Project, publicKey: string): Promise<ProjectKey> {
    const key = await getProjectKey(metadata, project.id, publicKey);
    if (!key) throw new ApiError(404, NOT_FOUND);
    return key;
  }

  app.get('/api/0/projects/:org/:project/keys/', async (request, reply) => {
    const principal = await authorize(auth, request, PROJECT_PERMISSION);
    const p = request.params as Params;
    const { project } = await projectFor(metadata, principal, p.org ?? '', p.project ?? '');
    const status = (request.query as Record<string, string | undefined>).status;
    const page = pageRequest(request.query);
    const fetched =
      status === undefined || status === '' || status === 'active' || status === 'inactive'
        ? await listProjectKeysPage(
            metadata,
            project.id,
            { offset: page.offset, limit: page.limit + 1 },
            status === 'active' || status === 'inactive' ? status : undefined,
          )
        : [];
    return pageOf(reply, requestUrl(deps.publicUrl, request), page, fetched).map((k) =>
      serialize(k, project),
    );
  });

  app.post('/api/0/projects/:org/:project/keys/', async (request, reply) => {
    const principal = await authorize(auth, request, PROJECT_PERMISSION);
    const p = request.params as Params;
    const { project } = await projectFor(metadata, principal, p.org ?? '', p.project ?? '');
    const body = bodyOf(request.body);
    const errors: FieldErrors = {};
    const name = charField(body, 'name', errors, { maxLength: 64, allowBlank: true, allowNull: true });
    const publicKey = hexField(body, 'public', errors);
    const secretKey = hexField(body, 'secret', errors);
    if (Object.keys(errors).length > 0) return reply.code(400).send(errors);
    const key = await insertProjectKey(metadata, project.id, {
      label: name || petname(),
      ...(publicKey !== undefined ? { publicKey } : {}),
      ...(secretKey !== undefined ? { secretKey } : {}),
      data: { dynamicSdkLoaderOptions: { hasReplay: true, hasPerformance: true } },
    });
    if (!key) return reply.code(400).send({ public: ['A key with this public key already exists.'] });
    deps.onProjectConfigChange?.(project.id);
    return reply.code(201).send(serialize(key, project));
  });

  app.get('/api/0/projects/:org/:project/keys/:keyId/', async (request) => {
    const principal = await authorize(auth, request, PROJECT_PERMISSION);
    const p = request.params as Params;
    const { project } = await projectFor(metadata, principal, p.org ?? '', p.project ?? '');
    return serialize(await keyOf(project, p.keyId ?? ''), project);
  });

  app.put('/api/0/projects/:org/:project/keys/:keyId/', async (request, reply: FastifyReply) => {
    const principal = await authorize(auth, request, PROJECT_PERMISSION);
    const p = request.params as Params;
    const { project } = await projectFor(metadata, principal, p.org ?? '', p.project ?? '');
    const key = await keyOf(project, p.keyId ?? '');
    const body = bodyOf(request.body);
    const errors: FieldErrors = {};
    const name = charField(body, 'name', errors, { maxLength: 64, allowBlank: true, allowNull: true });
    const isActive = booleanField(body, 'isActive', errors);
    const version = charField(body, 'browserSdkVersion', errors, { allowBlank: true, allowNull: true });
    if (version && !BROWSER_SDK_VERSIONS.includes(version)) {
      errors.browserSdkVersion = [`"${version}" is not a valid choice.`];
    }
    const loader = loaderOptionsField(body, errors);
    if (Object.keys(errors).length > 0) return reply.code(400).send(errors);

    // Sentry sets the loader version on every update (the default when none is given) and merges
    // the loader options into the stored ones.
    const data: JsonObject = { ...key.data, browserSdkVersion: version || 'latest' };
    if (loader !== undefined) {
      const stored = isJsonObject(key.data.dynamicSdkLoaderOptions) ? key.data.dynamicSdkLoaderOptions : {};
      data.dynamicSdkLoaderOptions = { ...stored, ...loader };
    }
    const updated = await updateProjectKey(metadata, key.id, {
      ...(name ? { label: name } : {}),
      ...(isActive !== undefined ? { isActive } : {}),
      data,
    });
    if (!updated) throw new ApiError(404, NOT_FOUND);
    deps.onProjectConfigChange?.(project.id);
    return serialize(updated, project);
  });

  app.delete('/api/0/projects/:org/:project/keys/:keyId/', async (request, reply) => {
    const principal = await authorize(auth, request, PROJECT_PERMISSION);
    const p = request.params as Params;
    const { project } = await projectFor(metadata, principal, p.org ?? '', p.project ?? '');
    const key = await keyOf(project, p.keyId ?? '');
    await deleteProjectKey(metadata, key.id);
    deps.onProjectConfigChange?.(project.id);
    return reply.code(204).send();
  });
}

/** Sentry's `RegexField(r"^[a-f0-9]{32}$")` for `public`/`secret`; `undefined` when absent or null. */
function hexField(body: JsonObject, name: string, errors: FieldErrors): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !HEX32.test(value)) {
    errors[name] = ['This value does not match the required pattern.'];
    return undefined;
  }
  return value;
}

/** `dynamicSdkLoaderOptions`: an object of the known boolean options (partial). */
function loaderOptionsField(body: JsonObject, errors: FieldErrors): JsonObject | undefined {
  const value = body.dynamicSdkLoaderOptions;
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) {
    errors.dynamicSdkLoaderOptions = { non_field_errors: ['Invalid data. Expected a dictionary.'] };
    return undefined;
  }
  const out: JsonObject = {};
  const problems: FieldErrors = {};
  for (const option of LOADER_OPTIONS) {
    if (value[option] === undefined) continue;
    const parsed = booleanField(value, option, problems);
    if (parsed !== undefined) out[option] = parsed;
  }
  if (Object.keys(problems).length > 0) {
    errors.dynamicSdkLoaderOptions = problems as Record<string, string[]>;
    return undefined;
  }
  return out;
}
