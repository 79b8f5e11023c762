/**
 * Cron monitors repository (Sentry `src/sentry/monitors/models.py` `Monitor`, upserted by the
 * check-in consumer's `_ensure_monitor_with_config` in
 * `src/sentry/monitors/consumers/monitor_consumer.py`). A check-in with a valid
 * `monitor_config` creates its monitor (name = slug, status `active`) or merges the config keys
 * it sent into the existing one (`Monitor.update_config`: the schedule always, other keys only
 * when sent); a check-in without one only finds an existing monitor. Slugs are unique per
 * project.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import {
  INTERVAL_UNITS,
  type IntervalUnit,
  type MonitorConfig,
  type MonitorConfigPatch,
} from '../../protocol/check-in.js';
import { chunks, decodeJsonObject, encodeJson, isoDate } from './columns.js';
import type { Database, MonitorsTable } from './schema.js';
import type { MetadataStore } from './store.js';

/** A monitor as read: the `monitors` row with its config decoded. */
export interface Monitor {
  id: number;
  /** 32 lowercase hex digits; the API shows it hyphenated as the monitor's `id`. */
  guid: string;
  project_id: number;
  slug: string;
  name: string;
  /** `active` or `disabled` (Sentry's `ObjectStatus` display names). */
  status: string;
  config: MonitorConfig;
  /** Owner actor (`user:1`, `team:2`), or null. */
  owner: string | null;
  /** ISO-8601 UTC. */
  date_created: string;
  /** ISO-8601 UTC; changes when a check-in changes the config or owner. */
  date_updated: string;
}

/** One check-in's request to find or upsert its monitor. */
export interface MonitorUpsert {
  projectId: number;
  /** Slug as processing normalized it (lowercase, ≤ 50 characters). */
  slug: string;
  /** Validated config keys to create the monitor with or merge into it; absent = find only. */
  config?: MonitorConfigPatch;
  /** Owner sent with the config; replaces the stored owner when given. */
  owner?: string;
}

/** Key pairs bound per read statement (two parameters each). */
const READ_CHUNK = 500;

/**
 * Finds or upserts the monitor of every item, in one transaction per call (one read of all
 * the batch's monitors, then inserts and updates only where something changes). Items are
 * applied in order, so a later item of the batch merges on top of an earlier one. Returns, per
 * item, the monitor after the whole batch, or `undefined` when the item has no config and the
 * monitor does not exist (Sentry then drops the check-in with outcome `invalid_monitor`).
 * Safe with several writers: a monitor created concurrently by another process is found and
 * the batch's keys are merged into it.
 */
export async function upsertMonitors(
  store: MetadataStore,
  items: readonly MonitorUpsert[],
): Promise<Array<Monitor | undefined>> {
  if (items.length === 0) return [];
  const now = isoDate(store.now());
  const keys = uniqueKeys(items);
  const final = await store.db.transaction().execute(async (trx) => {
    const existing = await readMonitors(trx, keys);
    const inserts: Array<Omit<MonitorsTable, 'id'>> = [];
    const planned = new Set<string>();
    for (const item of items) {
      const key = monitorKey(item.projectId, item.slug);
      if (item.config === undefined || existing.has(key) || planned.has(key)) continue;
      planned.add(key);
      inserts.push({
        guid: randomUUID().replace(/-/g, ''),
        project_id: item.projectId,
        slug: item.slug,
        name: item.slug,
        status: 'active',
        config: encodeJson(mergeConfig(undefined, item.config)),
        owner: item.owner ?? null,
        date_created: now,
        date_updated: now,
      });
    }
    for (const part of chunks(inserts, 100)) {
      await trx
        .insertInto('monitors')
        .values(part)
        .onConflict((oc) => oc.columns(['project_id', 'slug']).doNothing())
        .execute();
    }
    // Re-read what was inserted (or won by a concurrent writer), then merge every item's keys.
    const current = inserts.length > 0 ? await readMonitors(trx, keys) : existing;
    const changed = new Map<string, Monitor>();
    for (const item of items) {
      const key = monitorKey(item.projectId, item.slug);
      const monitor = changed.get(key) ?? current.get(key);
      if (monitor === undefined || item.config === undefined) continue;
      const config = mergeConfig(monitor.config, item.config);
      const owner = item.owner ?? monitor.owner;
      if (JSON.stringify(config) !== JSON.stringify(monitor.config) || owner !== monitor.owner) {
        changed.set(key, { ...monitor, config, owner, date_updated: now });
      }
    }
    for (const monitor of changed.values()) {
      await trx
        .updateTable('monitors')
        .set({ config: encodeJson(monitor.config), owner: monitor.owner, date_updated: now })
        .where('id', '=', monitor.id)
        .execute();
      current.set(monitorKey(monitor.project_id, monitor.slug), monitor);
    }
    return current;
  });
  return items.map((item) => final.get(monitorKey(item.projectId, item.slug)));
}

/** Filter of {@link listMonitors}. */
export interface ListMonitorsFilter {
  /** Projects to list; an empty list matches nothing. */
  projectIds: readonly number[];
  /** Only these slugs (exact). */
  slugs?: readonly string[];
}

/** The monitors of `filter.projectIds`, by name then id (Sentry's default monitor order is by name). */
export async function listMonitors(store: MetadataStore, filter: ListMonitorsFilter): Promise<Monitor[]> {
  if (filter.projectIds.length === 0 || (filter.slugs !== undefined && filter.slugs.length === 0)) return [];
  let query = store.db
    .selectFrom('monitors')
    .selectAll()
    .where('project_id', 'in', [...filter.projectIds]);
  if (filter.slugs !== undefined) query = query.where('slug', 'in', [...filter.slugs]);
  const rows = await query.orderBy('name').orderBy('id').execute();
  return rows.map(toMonitor);
}

/** The monitor `slug` of project `projectId`, or `undefined`. */
export async function getMonitorBySlug(
  store: MetadataStore,
  projectId: number,
  slug: string,
): Promise<Monitor | undefined> {
  const row = await store.db
    .selectFrom('monitors')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('slug', '=', slug)
    .executeTakeFirst();
  return row === undefined ? undefined : toMonitor(row);
}

/**
 * The config a monitor has after `patch`: `base` (Sentry's defaults, every optional key null,
 * for a new monitor) with the schedule and every key present in `patch` replaced.
 */
export function mergeConfig(base: MonitorConfig | undefined, patch: MonitorConfigPatch): MonitorConfig {
  const merged: MonitorConfig = {
    schedule_type: patch.schedule_type,
    schedule: patch.schedule,
    checkin_margin: base?.checkin_margin ?? null,
    max_runtime: base?.max_runtime ?? null,
    timezone: base?.timezone ?? null,
    failure_issue_threshold: base?.failure_issue_threshold ?? null,
    recovery_threshold: base?.recovery_threshold ?? null,
  };
  for (const key of [
    'checkin_margin',
    'max_runtime',
    'failure_issue_threshold',
    'recovery_threshold',
  ] as const) {
    const value = patch[key];
    if (value !== undefined) merged[key] = value;
  }
  if (patch.timezone !== undefined) merged.timezone = patch.timezone;
  return merged;
}

type Db = Kysely<Database> | Transaction<Database>;

function monitorKey(projectId: number, slug: string): string {
  return `${projectId}\u0000${slug}`;
}

function uniqueKeys(items: readonly MonitorUpsert[]): Array<{ projectId: number; slug: string }> {
  const seen = new Map<string, { projectId: number; slug: string }>();
  for (const { projectId, slug } of items) seen.set(monitorKey(projectId, slug), { projectId, slug });
  return [...seen.values()];
}

async function readMonitors(
  db: Db,
  keys: ReadonlyArray<{ projectId: number; slug: string }>,
): Promise<Map<string, Monitor>> {
  const found = new Map<string, Monitor>();
  for (const part of chunks(keys, READ_CHUNK)) {
    const rows = await db
      .selectFrom('monitors')
      .selectAll()
      .where((eb) =>
        eb.or(part.map((k) => eb.and([eb('project_id', '=', k.projectId), eb('slug', '=', k.slug)]))),
      )
      .execute();
    for (const row of rows) found.set(monitorKey(row.project_id, row.slug), toMonitor(row));
  }
  return found;
}

function toMonitor(row: Selectable<MonitorsTable>): Monitor {
  return {
    id: row.id,
    guid: row.guid,
    project_id: row.project_id,
    slug: row.slug,
    name: row.name,
    status: row.status,
    config: decodeMonitorConfig(row.config),
    owner: row.owner,
    date_created: row.date_created,
    date_updated: row.date_updated,
  };
}

/** Reads a stored config leniently: unexpected values become Sentry's unset (`null`). */
function decodeMonitorConfig(text: string): MonitorConfig {
  const raw = decodeJsonObject(text);
  const count = (value: unknown): number | null =>
    typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
  const [intervalCount, intervalUnit] = Array.isArray(raw.schedule) ? raw.schedule : [];
  const schedule: MonitorConfig['schedule'] =
    raw.schedule_type === 'interval' &&
    typeof intervalCount === 'number' &&
    typeof intervalUnit === 'string' &&
    (INTERVAL_UNITS as readonly string[]).includes(intervalUnit)
      ? [intervalCount, intervalUnit as IntervalUnit]
      : typeof raw.schedule === 'string'
        ? raw.schedule
        : '';
  return {
    schedule_type: Array.isArray(schedule) ? 'interval' : 'crontab',
    schedule,
    checkin_margin: count(raw.checkin_margin),
    max_runtime: count(raw.max_runtime),
    timezone: typeof raw.timezone === 'string' ? raw.timezone : null,
    failure_issue_threshold: count(raw.failure_issue_threshold),
    recovery_threshold: count(raw.recovery_threshold),
  };
}
