/**
 * A minimal client of Vigil's web API for CLI commands: bearer token from `--token`,
 * `$VIGIL_TOKEN` or `<data-dir>/admin-token`, JSON in and out, API errors as Errors.
 */
import type { VigilConfig } from '../server/config.js';
import { readAdminToken } from '../server/admin-token.js';

/**
 * GETs `path` from the server at `--url` (default: the configured public URL) and returns the
 * response. Throws an Error with the API's `detail` on a non-2xx answer, or when no token can be
 * found or the server cannot be reached.
 */
async function apiRequest(
  config: VigilConfig,
  opts: Record<string, unknown>,
  path: string,
): Promise<Response> {
  const base = String(opts.url ?? config.publicUrl).replace(/\/+$/, '');
  const token =
    (opts.token as string | undefined) || process.env.VIGIL_TOKEN || readAdminToken(config.dataDir);
  if (!token) throw new Error('no API token: pass --token, set VIGIL_TOKEN, or run in the server data dir');
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    throw new Error(`cannot reach the server at ${base}: ${(err as Error).message}`);
  }
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => undefined);
    const detail = (body as { detail?: string } | undefined)?.detail ?? response.statusText;
    throw new Error(`${response.status}: ${detail}`);
  }
  return response;
}

/**
 * GETs `path` from the server at `--url` (default: the configured public URL) and
 * returns the parsed JSON body. Throws an Error with the API's `detail` on a non-2xx
 * answer, or when no token can be found.
 */
export async function apiGet(
  config: VigilConfig,
  opts: Record<string, unknown>,
  path: string,
): Promise<unknown> {
  const response = await apiRequest(config, opts, path);
  return response.json().catch(() => undefined);
}

/** Like {@link apiGet}, for a binary answer: its bytes and response headers. */
export async function apiGetBytes(
  config: VigilConfig,
  opts: Record<string, unknown>,
  path: string,
): Promise<{ bytes: Buffer; headers: Headers }> {
  const response = await apiRequest(config, opts, path);
  return { bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}
