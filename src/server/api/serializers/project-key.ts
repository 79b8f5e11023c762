/**
 * Client key (DSN) JSON in Sentry's web-API shape (`GET /api/0/projects/{org}/{project}/keys/`).
 * Follows `ProjectKeySerializer` in `src/sentry/api/serializers/models/project_key.py` and
 * the endpoint properties of `src/sentry/models/projectkey.py` (`get_dsn`, `csp_endpoint`,
 * `security_endpoint`, `nel_endpoint`, `minidump_endpoint`, `unreal_endpoint`,
 * `crons_endpoint`, `js_sdk_loader_cdn_url`).
 */
import { isJsonObject, type JsonObject } from '../../../protocol/json.js';
import { isoDateOrNull } from './values.js';

/** A `project_keys` row, in camelCase. */
export interface ProjectKeyRecord {
  /** 32 hex digits; also the key's API id. */
  publicKey: string;
  /** 32 hex digits. */
  secretKey: string;
  label: string;
  isActive: boolean;
  dateCreated: Date | null;
  /** Per-key rate limit: `count` events per `window` seconds; default none. */
  rateLimit?: { window: number; count: number } | null;
  /** Sentry's `ProjectKey.data` (`browserSdkVersion`, `dynamicSdkLoaderOptions`); default `{}`. */
  data?: JsonObject;
}

/** How DSNs are built: `{protocol}://{publicKey}@{dsnHost}/{projectId}`. */
export interface DsnOptions {
  /** Host and optional port (and path prefix) the SDKs send to, e.g. `127.0.0.1:8000`. */
  dsnHost: string;
  protocol: 'http' | 'https';
  /** Loader SDK version; default `latest`. */
  browserSdkVersion?: string;
}

/**
 * `{id: publicKey, name, label, public, secret, projectId (number), isActive, rateLimit,
 * dsn: {secret, public, csp, security, minidump, nel, unreal, crons, cdn},
 * browserSdkVersion, browserSdk: {choices}, dateCreated, dynamicSdkLoaderOptions, useCase}`.
 * `name`/`label` fall back to the first 14 characters of the public key like Sentry;
 * `browserSdkVersion` and `dynamicSdkLoaderOptions` come from the key's `data` (Sentry's
 * defaults for a new key: replay and performance on, debug off).
 */
export function serializeProjectKey(
  key: ProjectKeyRecord,
  project: { id: number },
  options: DsnOptions,
): JsonObject {
  const host = options.dsnHost.replace(/\/+$/, '');
  const endpoint = `${options.protocol}://${host}`;
  const api = `${endpoint}/api/${project.id}`;
  const name = key.label || key.publicKey.slice(0, 14);
  const rateLimit = key.rateLimit && key.rateLimit.window && key.rateLimit.count ? key.rateLimit : null;
  const data = key.data ?? {};
  const stored = typeof data.browserSdkVersion === 'string' ? data.browserSdkVersion : undefined;
  const version = stored ?? options.browserSdkVersion ?? 'latest';
  const loader = isJsonObject(data.dynamicSdkLoaderOptions) ? data.dynamicSdkLoaderOptions : {};
  const flag = (name: string, dflt: boolean): boolean =>
    typeof loader[name] === 'boolean' ? (loader[name] as boolean) : dflt;
  return {
    id: key.publicKey,
    name,
    label: name,
    public: key.publicKey,
    secret: key.secretKey,
    projectId: project.id,
    isActive: key.isActive,
    rateLimit: rateLimit ? { window: rateLimit.window, count: rateLimit.count } : null,
    dsn: {
      secret: `${options.protocol}://${key.publicKey}:${key.secretKey}@${host}/${project.id}`,
      public: `${options.protocol}://${key.publicKey}@${host}/${project.id}`,
      csp: `${api}/csp-report/?sentry_key=${key.publicKey}`,
      security: `${api}/security/?sentry_key=${key.publicKey}`,
      minidump: `${api}/minidump/?sentry_key=${key.publicKey}`,
      nel: `${api}/nel/?sentry_key=${key.publicKey}`,
      unreal: `${api}/unreal/${key.publicKey}/`,
      crons: `${api}/cron/___MONITOR_SLUG___/${key.publicKey}/`,
      cdn: `${endpoint}/js-sdk-loader/${key.publicKey}.min.js`,
    },
    browserSdkVersion: version,
    browserSdk: { choices: [[version, version]] },
    dateCreated: isoDateOrNull(key.dateCreated),
    dynamicSdkLoaderOptions: {
      hasReplay: flag('hasReplay', true),
      hasPerformance: flag('hasPerformance', true),
      hasDebug: flag('hasDebug', false),
    },
    useCase: 'user',
  };
}
