/**
 * An issue's tag and feature-flag distributions and event counts, with Sentry's paths and
 * shapes (each also under `/api/0/organizations/{org}/issues/{id}/...`):
 * - `GET /api/0/issues/{id}/tags/` (`group_tags.py`): the keys with `totalValues` and their
 *   top values; `key` (repeatable) limits the keys, `limit` the values per key (default 10, or
 *   9 with `key`), `environment`, `statsPeriod`/`start`/`end`; `useFlagsBackend=1` reads the
 *   feature flags instead of the tags;
 * - `GET /api/0/issues/{id}/tags/{key}/` (`group_tagkey_details.py`): one key with
 *   `uniqueValues`, `totalValues` and its 9 top values; 404 when no event has it;
 * - `GET /api/0/issues/{id}/tags/{key}/values/` (`group_tagkey_values.py`): the key's values,
 *   `sort` date|age|count (default first seen), cursor-paginated (100 per page, at most 1000);
 *   `user` values carry the user;
 * - `GET /api/0/issues/{id}/stats/` (`group_stats.py`): `[[bucket, events], ...]` over
 *   `since`/`until` (unix seconds; default the last day) at `resolution` 10s, 1h or 1d.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { groupStats, type ClickHouseStore } from '../../storage/clickhouse/index.js';
import {
  groupTagKey,
  groupTagKeys,
  groupTagValues,
  MAX_TAG_VALUES,
  type GroupTagScope,
  type TagValueSort,
} from '../../storage/clickhouse/group-tags.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import type { JsonObject } from '../../protocol/json.js';
import {
  serializeTagKey,
  serializeTagValue,
  serializeUserTagValue,
  standardizedKey,
} from './serializers/tag.js';
import { requireScope, type TokenAuth } from './auth.js';
import { ApiError } from './errors.js';
import { issueFor, ISSUE_PATH_PREFIXES, NOT_FOUND, type Group } from './context.js';
import { pageOf, pageRequest } from './pagination.js';
import { multiParam, parseTimeRange } from './time-range.js';

interface Deps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  publicUrl: string;
  auth: TokenAuth;
}

type Query = Record<string, unknown>;
type Params = Record<string, string>;

/** Rollups of Sentry's tsdb (`resolution` of the stats endpoint), in seconds. */
const ROLLUPS: Readonly<Record<string, number>> = { '10s': 10, '1h': 3600, '1d': 86_400 };
const DAY_MS = 86_400_000;

/** Registers the issue tag and stats routes. */
export async function groupTagRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;

  /** The issue of the path, checked against the token (404 for other organizations'). */
  async function issueOf(request: FastifyRequest): Promise<Group> {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const p = request.params as Params;
    return (await issueFor(metadata, principal, p.id!, p.org)).group;
  }

  function scopeOf(group: Group, query: Query, environments: string[]): GroupTagScope {
    const range = parseTimeRange(query, new Date());
    return {
      groupId: group.id,
      projectId: group.project_id,
      environments,
      start: range.start,
      end: range.end,
      store: query.useFlagsBackend === '1' ? 'flags' : 'tags',
    };
  }

  for (const prefix of ISSUE_PATH_PREFIXES) {
    app.get(`${prefix}tags/`, async (request) => {
      const group = await issueOf(request);
      const query = request.query as Query;
      const keys = multiParam(query.key).map(standardizedKey);
      const limit = nonNegativeInt(query.limit) ?? (keys.length > 0 ? 9 : 10);
      const scope = scopeOf(group, query, multiParam(query.environment));
      const tags = await groupTagKeys(clickhouse, scope, {
        keys: keys.length > 0 ? keys : undefined,
        valueLimit: limit,
      });
      return tags.map((t) => serializeTagKey({ key: t.key, count: t.count, topValues: t.topValues }));
    });

    app.get(`${prefix}tags/:key/`, async (request) => {
      const group = await issueOf(request);
      const query = request.query as Query;
      const key = standardizedKey((request.params as Params).key!);
      const scope = scopeOf(group, query, multiParam(query.environment).slice(0, 1));
      const tag = await groupTagKey(clickhouse, scope, key, 9);
      if (tag === null) throw new ApiError(404, NOT_FOUND);
      return serializeTagKey(tag);
    });

    app.get(`${prefix}tags/:key/values/`, async (request, reply) => {
      const group = await issueOf(request);
      const query = request.query as Query;
      const key = standardizedKey((request.params as Params).key!);
      const scope = scopeOf(group, query, multiParam(query.environment));
      // Sentry checks the key exists in any environment before listing.
      if (
        (await groupTagKey(
          clickhouse,
          { ...scope, environments: [], start: undefined, end: undefined },
          key,
          0,
        )) === null
      ) {
        throw new ApiError(404, NOT_FOUND);
      }
      const sort =
        query.sort === 'date' || query.sort === 'age' || query.sort === 'count' ? query.sort : 'id';
      const page = pageRequest(query);
      const limit = Math.max(0, Math.min(page.limit + 1, MAX_TAG_VALUES - page.offset));
      const rows = await groupTagValues(clickhouse, scope, key, {
        sort: sort satisfies TagValueSort,
        limit,
        offset: page.offset,
      });
      const values: JsonObject[] = rows.map((row) =>
        scope.store === 'tags' && key === 'user'
          ? serializeUserTagValue(row, row.user)
          : serializeTagValue(key, row),
      );
      return pageOf(reply, new URL(request.url, deps.publicUrl), page, values);
    });

    app.get(`${prefix}stats/`, async (request) => {
      const group = await issueOf(request);
      const query = request.query as Query;
      let rollup: number | undefined;
      if (typeof query.resolution === 'string' && query.resolution !== '') {
        rollup = ROLLUPS[query.resolution];
        if (rollup === undefined) throw new ApiError(400, 'Invalid resolution');
      }
      const until = unixParam(query.until) ?? new Date();
      const since = unixParam(query.since) ?? new Date(until.getTime() - DAY_MS + 1000);
      if (since.getTime() > until.getTime()) throw new ApiError(400, 'start must be before or equal to end');
      const series = await groupStats(clickhouse, {
        groupIds: [group.id],
        projectIds: [group.project_id],
        environments: multiParam(query.environment).slice(0, 1),
        since,
        until,
        interval: rollup ?? optimalRollup(since),
      });
      return (series.get(group.id) ?? []).map((b) => [b.start.getTime() / 1000, b.count]);
    });
  }
}

/** A non-negative integer query value, else undefined. */
function nonNegativeInt(raw: unknown): number | undefined {
  const n = typeof raw === 'string' && raw !== '' ? Number(raw) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * A unix-seconds query value as a Date, else undefined.
 *
 * @throws ApiError 400 for a value that is not a number.
 */
function unixParam(raw: unknown): Date | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds)) throw new ApiError(400, `${raw} is not a valid timestamp`);
  return new Date(seconds * 1000);
}

/**
 * Sentry's `get_optimal_rollup`: the finest tsdb rollup whose retention (10 s for an hour, 1 h
 * for a week, 1 d beyond; `SENTRY_TSDB_ROLLUPS`) still reaches back from now to `since`, in
 * seconds.
 */
function optimalRollup(since: Date): number {
  const age = (Date.now() - since.getTime()) / 1000;
  if (age <= 3600) return 10;
  if (age <= 7 * 86_400) return 3600;
  return 86_400;
}
