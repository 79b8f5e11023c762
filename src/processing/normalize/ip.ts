/**
 * IP address inference and validation.
 *
 * Follows `relay-event-normalization/src/event.rs` (`normalize_ip_addresses`), the
 * `sdk.settings.infer_ip` setting of `relay-event-schema/src/protocol/clientsdk.rs` and `IpAddr`
 * validation. reference/relay-protocol.md §8.4.
 */
import { isIP } from 'node:net';
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import type { EventMeta } from './meta.js';

/** The placeholder SDKs send to ask the server to fill in the client IP. */
export const AUTO_IP = '{{auto}}';

/** Platforms whose missing user IP is filled under the `legacy` setting. */
const LEGACY_INFER_PLATFORMS: ReadonlySet<string> = new Set(['javascript', 'cocoa', 'objc']);

/** `sdk.settings.infer_ip`: missing → `legacy`; unknown values → `never`. */
export type InferIpSetting = 'auto' | 'never' | 'legacy';

/** Reads `sdk.settings.infer_ip` with Relay's defaults. */
export function inferIpSetting(event: JsonObject): InferIpSetting {
  const sdk = event.sdk;
  const settings = isJsonObject(sdk) ? sdk.settings : undefined;
  const value = isJsonObject(settings) ? settings.infer_ip : undefined;
  if (value === undefined || value === null) return 'legacy';
  return value === 'auto' || value === 'never' || value === 'legacy' ? value : 'never';
}

/** True for a syntactically valid IPv4 or IPv6 address. */
export function isValidIp(value: string): boolean {
  return isIP(value) !== 0;
}

function getObject(parent: JsonObject, key: string): JsonObject | undefined {
  const value = parent[key];
  return isJsonObject(value) ? value : undefined;
}

/**
 * Resolves and validates IPs in place:
 * - `{{auto}}` in `request.env.REMOTE_ADDR`, `user.ip_address` and `sdk.client_ip` becomes
 *   `clientIp` (unless `infer_ip` is `never`, which drops `{{auto}}` from the user instead);
 * - a valid `REMOTE_ADDR` fills a missing `user.ip_address`;
 * - otherwise `clientIp` fills a missing user IP under `auto`, or under `legacy` for the
 *   `javascript`, `cocoa` and `objc` platforms;
 * - invalid `user.ip_address` / `sdk.client_ip` values are removed with `invalid_data`
 *   ("expected an ip address"); an unresolved `{{auto}}` is removed silently.
 */
export function normalizeIpAddresses(event: JsonObject, meta: EventMeta, clientIp: string | undefined): void {
  const setting = inferIpSetting(event);
  const client = clientIp !== undefined && isValidIp(clientIp) ? clientIp : undefined;
  const request = getObject(event, 'request');
  const env = request ? getObject(request, 'env') : undefined;
  let user = getObject(event, 'user');
  const sdk = getObject(event, 'sdk');

  if (setting !== 'never' && client !== undefined) {
    if (env && env.REMOTE_ADDR === AUTO_IP) env.REMOTE_ADDR = client;
    if (user && user.ip_address === AUTO_IP) user.ip_address = client;
    if (sdk && sdk.client_ip === AUTO_IP) sdk.client_ip = client;
  }

  if (setting === 'never') {
    if (user && user.ip_address === AUTO_IP) delete user.ip_address;
  } else {
    const remoteAddr = env?.REMOTE_ADDR;
    const hasUserIp = user !== undefined && typeof user.ip_address === 'string' && user.ip_address !== '';
    if (typeof remoteAddr === 'string' && isValidIp(remoteAddr)) {
      if (!hasUserIp) {
        user ??= event.user = {};
        user.ip_address = remoteAddr;
      }
    } else if (client !== undefined && !hasUserIp) {
      const platform = typeof event.platform === 'string' ? event.platform : '';
      if (setting === 'auto' || LEGACY_INFER_PLATFORMS.has(platform)) {
        user ??= event.user = {};
        user.ip_address = client;
      }
    }
  }

  validateIpField(user, 'ip_address', ['user', 'ip_address'], meta);
  validateIpField(sdk, 'client_ip', ['sdk', 'client_ip'], meta);
}

function validateIpField(
  parent: JsonObject | undefined,
  key: string,
  path: readonly string[],
  meta: EventMeta,
): void {
  if (!parent) return;
  const value = parent[key];
  if (value === undefined) return;
  if (value === null || value === '' || value === AUTO_IP) {
    delete parent[key];
    return;
  }
  if (typeof value !== 'string' || !isValidIp(value)) {
    delete parent[key];
    meta.addInvalid(path, 'expected an ip address', value);
  }
}
