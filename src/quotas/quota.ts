/**
 * Quotas and the scoping they are matched against (reference/relay-protocol.md §6.3;
 * Relay's `relay-quotas/src/quota.rs`). Pure: no clocks, no I/O.
 */
import { parseDataCategory, type DataCategory } from '../protocol/data-category.js';

/** The scope a quota is counted in; unknown names parse as `unknown` and never match a `scopeId`. */
export type QuotaScope = 'organization' | 'project' | 'key' | 'global' | 'unknown';

/** Who an item belongs to: the ids quotas are scoped by. */
export interface Scoping {
  organizationId: number;
  projectId: number;
  /** The DSN public key (32 hex), named in cached rate limits of the `key` scope. */
  publicKey: string;
  /** The public key's numeric id (`key` scope); absent when unknown. */
  keyId?: number;
}

/** A scoping narrowed to one data category (and metric namespace for `metric_bucket`). */
export interface ItemScoping extends Scoping {
  category: DataCategory;
  namespace?: string;
}

/**
 * One quota, in the project config's camelCase JSON shape:
 * - `id`: counter key prefix; required unless `limit` is 0 (a reject-all quota is never counted);
 * - `categories`: the data categories counted; empty = all;
 * - `scope` (default `organization`) and `scopeId` (restricts to one org/project/key id);
 * - `limit`: `null` = unlimited (still counted), `0` = reject everything, N = at most N per window;
 * - `window`: fixed window length in seconds; required when counted;
 * - `reasonCode`: written into `X-Sentry-Rate-Limits` and the `rate_limited` outcome's reason;
 * - `namespace`: metric namespace, for `metric_bucket` quotas.
 */
export interface Quota {
  id?: string;
  categories: DataCategory[];
  scope: QuotaScope;
  scopeId?: string;
  limit: number | null;
  window?: number;
  reasonCode?: string;
  namespace?: string;
}

type CategoryUnit = 'count' | 'bytes' | 'milliseconds' | 'batched';

/** The unit a category counts in (`CategoryUnit` in Relay); `undefined` for `unknown`. */
export function categoryUnit(category: DataCategory): CategoryUnit | undefined {
  switch (category) {
    case 'unknown':
      return undefined;
    case 'attachment':
    case 'log_byte':
      return 'bytes';
    case 'profile_duration':
    case 'profile_duration_ui':
    case 'metric_second':
      return 'milliseconds';
    case 'session':
      return 'batched';
    default:
      return 'count';
  }
}

/**
 * Relay's `Quota::is_valid`: a quota whose categories are all unknown is ignored; a counted
 * quota (limit ≠ 0) must name categories that all share one unit (so "all categories" is only
 * valid as a reject-all quota).
 */
export function isValidQuota(quota: Quota): boolean {
  const units = quota.categories.map(categoryUnit).filter((u) => u !== undefined);
  if (units.length === 0 && quota.categories.length > 0) return false;
  if (quota.limit === 0) return true;
  if (units.length === 0) return false;
  return units.every((u) => u === units[0]);
}

/** The id of `scope` in `scoping` (`undefined` for `key` without a key id, `global`, `unknown`). */
export function scopeId(scoping: Scoping, scope: QuotaScope): number | undefined {
  switch (scope) {
    case 'organization':
      return scoping.organizationId;
    case 'project':
      return scoping.projectId;
    case 'key':
      return scoping.keyId;
    default:
      return undefined;
  }
}

/**
 * Relay's `Quota::matches`: the item's category is among the quota's (or the quota names none),
 * the namespace matches when the quota has one, and a `scopeId` constraint, if any, is numeric and
 * equals the item's id in that scope.
 */
export function quotaMatches(quota: Quota, item: ItemScoping): boolean {
  if (quota.categories.length > 0 && !quota.categories.includes(item.category)) return false;
  if (quota.namespace !== undefined && quota.namespace !== item.namespace) return false;
  if (quota.scopeId === undefined) return true;
  if (!/^\d+$/.test(quota.scopeId)) return false;
  return scopeId(item, quota.scope) === Number(quota.scopeId);
}

const SCOPES: ReadonlySet<string> = new Set(['organization', 'project', 'key', 'global']);

/**
 * Parses one quota from config JSON (camelCase, as Relay's project config). Unknown category
 * names become `unknown`, unknown scopes `unknown`. Returns an error message for a value that is
 * not a quota object (wrong types, negative or fractional numbers).
 */
export function parseQuota(value: unknown): Quota | { error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: 'a quota must be an object' };
  const v = value as Record<string, unknown>;
  const optionalString = (key: string): string | undefined | { error: string } => {
    const x = v[key];
    if (x === undefined || x === null) return undefined;
    return typeof x === 'string' ? x : { error: `${key} must be a string` };
  };
  const count = (key: string): number | null | undefined | { error: string } => {
    const x = v[key];
    if (x === undefined) return undefined;
    if (x === null) return null;
    return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
      ? x
      : { error: `${key} must be a non-negative integer` };
  };
  const id = optionalString('id');
  const scopeIdValue =
    v.scopeId === undefined || v.scopeId === null ? undefined : String(v.scopeId as string | number);
  const reasonCode = optionalString('reasonCode');
  const namespace = optionalString('namespace');
  const limit = count('limit');
  const window = count('window');
  for (const x of [id, reasonCode, namespace, limit, window]) {
    if (typeof x === 'object' && x !== null) return x;
  }
  const categories = v.categories ?? [];
  if (!Array.isArray(categories) || categories.some((c) => typeof c !== 'string')) {
    return { error: 'categories must be a list of data category names' };
  }
  const scopeName = v.scope ?? 'organization';
  if (typeof scopeName !== 'string') return { error: 'scope must be a string' };
  return {
    ...(id !== undefined && { id: id as string }),
    categories: (categories as string[]).map(parseDataCategory),
    scope: SCOPES.has(scopeName) ? (scopeName as QuotaScope) : 'unknown',
    ...(scopeIdValue !== undefined && { scopeId: scopeIdValue }),
    limit: (limit as number | null | undefined) ?? null,
    ...(window !== undefined && window !== null && { window: window as number }),
    ...(reasonCode !== undefined && { reasonCode: reasonCode as string }),
    ...(namespace !== undefined && { namespace: namespace as string }),
  };
}
