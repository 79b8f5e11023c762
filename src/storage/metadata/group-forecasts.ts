/**
 * Escalation forecasts of issues archived until escalating (Sentry
 * `src/sentry/issues/escalating/escalating_group_forecast.py`, `EscalatingGroupForecast`): daily
 * ceilings of an issue's hourly event count, the first for the day the forecast was made. An
 * issue escalates when its events of the current hour exceed today's ceiling (ingestion checks
 * it, `resolve-groups.ts`). The ceilings themselves are computed from ClickHouse counts by the
 * server (`services/escalating-forecasts.ts`) when the issue is archived and again every week
 * (Sentry's `run_escalating_forecast`).
 */
import type { Kysely } from 'kysely';
import { chunks, isoDate } from './columns.js';
import type { Database } from './schema.js';
import type { MetadataStore } from './store.js';

/**
 * The ceiling used when an issue has no forecast (Sentry's `ONE_EVENT_FORECAST`, 10 per day: what
 * an issue without events in the last week gets): more than 10 events in an hour escalate it.
 */
export const ONE_EVENT_FORECAST_VALUE = 10;

/** An issue's forecast. */
export interface GroupForecast {
  groupId: number;
  /** Daily ceilings of the hourly event count, from the day of `dateAdded` (UTC days). */
  forecast: number[];
  dateAdded: Date;
}

function decodeForecast(text: string): number[] {
  const raw: unknown = JSON.parse(text);
  return Array.isArray(raw)
    ? raw.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    : [];
}

/** Stores (or replaces) the forecasts of `forecasts` (group id → daily ceilings), made at `now`. */
export async function setForecasts(
  db: Kysely<Database>,
  forecasts: ReadonlyMap<number, readonly number[]>,
  now: Date,
): Promise<void> {
  for (const [groupId, forecast] of forecasts) {
    const values = { forecast: JSON.stringify(forecast), date_added: isoDate(now) };
    await db
      .insertInto('group_forecasts')
      .values({ group_id: groupId, ...values })
      .onConflict((oc) => oc.column('group_id').doUpdateSet(values))
      .execute();
  }
}

/** Deletes the forecasts of `groupIds` (they are no longer archived until escalating). */
export async function deleteForecasts(db: Kysely<Database>, groupIds: readonly number[]): Promise<void> {
  for (const part of chunks([...groupIds], 1_000)) {
    await db.deleteFrom('group_forecasts').where('group_id', 'in', part).execute();
  }
}

/** The forecasts of `groupIds`, by group id (issues without one are absent). */
export async function getForecasts(
  db: Kysely<Database>,
  groupIds: readonly number[],
): Promise<Map<number, GroupForecast>> {
  const out = new Map<number, GroupForecast>();
  for (const part of chunks([...new Set(groupIds)], 1_000)) {
    const rows = await db.selectFrom('group_forecasts').selectAll().where('group_id', 'in', part).execute();
    for (const row of rows) {
      out.set(row.group_id, {
        groupId: row.group_id,
        forecast: decodeForecast(row.forecast),
        dateAdded: new Date(row.date_added),
      });
    }
  }
  return out;
}

const DAY_MS = 86_400_000;

/**
 * Today's ceiling of `forecast` at `now` (Sentry's `fetch_todays_forecast`): the value for the
 * number of UTC days since the forecast was made, the last one once the days run out;
 * {@link ONE_EVENT_FORECAST_VALUE} without a forecast (or an empty one).
 */
export function todaysForecast(forecast: GroupForecast | undefined, now: Date): number {
  const values = forecast?.forecast ?? [];
  const last = values[values.length - 1];
  if (forecast === undefined || last === undefined) return ONE_EVENT_FORECAST_VALUE;
  const day = (d: Date) => Math.floor(d.getTime() / DAY_MS);
  const index = day(now) - day(forecast.dateAdded);
  return values[Math.max(0, index)] ?? last;
}

/** An issue archived until escalating whose forecast is due to be made again. */
export interface StaleForecast {
  groupId: number;
  projectId: number;
}

/**
 * Up to `limit` issues still archived until escalating whose forecast was made before `before`
 * or is missing, oldest first (Sentry regenerates every such issue's forecast weekly,
 * `run_escalating_forecast`).
 */
export async function listStaleForecasts(
  db: Kysely<Database>,
  before: Date,
  limit: number,
): Promise<StaleForecast[]> {
  const rows = await db
    .selectFrom('groups as g')
    .leftJoin('group_forecasts as f', 'f.group_id', 'g.id')
    .select(['g.id', 'g.project_id'])
    .where('g.status', '=', 'ignored')
    .where('g.substatus', '=', 'archived_until_escalating')
    .where((eb) => eb.or([eb('f.date_added', 'is', null), eb('f.date_added', '<', isoDate(before))]))
    .orderBy('f.date_added')
    .orderBy('g.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ groupId: r.id, projectId: r.project_id }));
}

/**
 * Stores `forecasts` made at `now` (group id → daily ceilings) for the issues of them that are
 * still archived until escalating, in one transaction (the maintenance job's weekly refresh; an
 * issue that escalated or was deleted meanwhile is skipped). Returns how many were stored.
 */
export async function refreshForecasts(
  store: MetadataStore,
  forecasts: ReadonlyMap<number, readonly number[]>,
  now: Date,
): Promise<number> {
  if (forecasts.size === 0) return 0;
  return store.db.transaction().execute(async (trx) => {
    const archived = new Set<number>();
    for (const part of chunks([...forecasts.keys()], 1_000)) {
      const rows = await trx
        .selectFrom('groups')
        .select('id')
        .where('id', 'in', part)
        .where('status', '=', 'ignored')
        .where('substatus', '=', 'archived_until_escalating')
        .execute();
      for (const row of rows) archived.add(row.id);
    }
    await setForecasts(trx, new Map([...forecasts].filter(([id]) => archived.has(id))), now);
    return archived.size;
  });
}
