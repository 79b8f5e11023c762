/**
 * Escalation forecasts of issues archived until escalating (Sentry
 * `src/sentry/issues/escalating/escalating_group_forecast.py`, `EscalatingGroupForecast`): daily
 * ceilings of an issue's hourly event count, the first for the day the forecast was made. An
 * issue escalates when its events of the current hour exceed today's ceiling (ingestion checks
 * it, `group-escalation.ts`). The ceilings themselves are computed from ClickHouse counts by the
 * server (`services/escalating-forecasts.ts`) when the issue is archived, every day after 00:00
 * UTC while it is archived and has events in the last week (Sentry's daily
 * `run_escalating_forecast`), and when the check finds none (Sentry's
 * `generate_and_save_missing_forecasts`); an issue without events in the last week gets none and
 * keeps the one it had.
 *
 * As in Sentry's nodestore, a forecast lives {@link FORECAST_TTL_MS} (14 days) from when it was
 * made, whatever happens to the issue meanwhile: escalating or any other status change leaves
 * it, so an issue archived again without events in the last week is checked against it; once
 * expired it counts as none ({@link ONE_EVENT_FORECAST_VALUE}) and is deleted.
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

/** How long a forecast is used after it was made: 14 days, in ms (Sentry's `GROUP_FORECAST_TTL`). */
export const FORECAST_TTL_MS = 14 * 86_400_000;

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

/**
 * Deletes the forecasts that expired at `now` (made {@link FORECAST_TTL_MS} or more before, as
 * Sentry's nodestore drops them); returns how many.
 */
export async function deleteExpiredForecasts(db: Kysely<Database>, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('group_forecasts')
    .where('date_added', '<=', isoDate(new Date(now.getTime() - FORECAST_TTL_MS)))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * The forecasts of `groupIds`, by group id (issues without one are absent; an expired one is
 * returned as stored, see {@link liveForecast}).
 */
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
 * `forecast` when it is still in use at `now` (made less than {@link FORECAST_TTL_MS} before and
 * not empty); `undefined` when it is missing or expired (Sentry's `EscalatingGroupForecast.fetch`
 * finds nothing in its nodestore then).
 */
export function liveForecast(forecast: GroupForecast | undefined, now: Date): GroupForecast | undefined {
  if (forecast === undefined || forecast.forecast.length === 0) return undefined;
  return now.getTime() - forecast.dateAdded.getTime() < FORECAST_TTL_MS ? forecast : undefined;
}

/**
 * Today's ceiling of `forecast` at `now` (Sentry's `fetch_todays_forecast`): the value for the
 * number of UTC days since the forecast was made, the last one once the days run out (a forecast
 * made late on a day is still live on the 15th day);
 * {@link ONE_EVENT_FORECAST_VALUE} without a {@link liveForecast live} forecast.
 */
export function todaysForecast(forecast: GroupForecast | undefined, now: Date): number {
  const live = liveForecast(forecast, now);
  if (live === undefined) return ONE_EVENT_FORECAST_VALUE;
  const values = live.forecast;
  const day = (d: Date) => Math.floor(d.getTime() / DAY_MS);
  const index = day(now) - day(live.dateAdded);
  return values[Math.max(0, index)] ?? values[values.length - 1] ?? ONE_EVENT_FORECAST_VALUE;
}

/** An issue archived until escalating whose forecast is due to be made again. */
export interface StaleForecast {
  groupId: number;
  projectId: number;
}

/**
 * Up to `limit` issues archived until escalating with an id above `afterGroupId` whose forecast
 * was made before `madeBefore` or is missing, in id order: one page of the daily pass that makes
 * forecasts again (Sentry's `run_escalating_forecast` at 00:00 UTC, `madeBefore` being that
 * midnight), which pages by id so that each issue is looked at once a day even when it gets no
 * new forecast.
 */
export async function listStaleForecasts(
  db: Kysely<Database>,
  page: { madeBefore: Date; afterGroupId: number; limit: number },
): Promise<StaleForecast[]> {
  const rows = await db
    .selectFrom('groups as g')
    .leftJoin('group_forecasts as f', 'f.group_id', 'g.id')
    .select(['g.id', 'g.project_id'])
    .where('g.status', '=', 'ignored')
    .where('g.substatus', '=', 'archived_until_escalating')
    .where('g.id', '>', page.afterGroupId)
    .where((eb) => eb.or([eb('f.date_added', 'is', null), eb('f.date_added', '<', isoDate(page.madeBefore))]))
    .orderBy('g.id')
    .limit(page.limit)
    .execute();
  return rows.map((r) => ({ groupId: r.id, projectId: r.project_id }));
}

/**
 * Stores `forecasts` made at `now` (group id → daily ceilings) for the issues of them that still
 * exist, in one transaction (the daily pass and the check's requests for missing forecasts; as
 * in Sentry, an issue whose status changed meanwhile keeps the forecast). Returns how many were
 * stored.
 */
export async function refreshForecasts(
  store: MetadataStore,
  forecasts: ReadonlyMap<number, readonly number[]>,
  now: Date,
): Promise<number> {
  if (forecasts.size === 0) return 0;
  return store.db.transaction().execute(async (trx) => {
    const existing = new Set<number>();
    for (const part of chunks([...forecasts.keys()], 1_000)) {
      const rows = await trx.selectFrom('groups').select('id').where('id', 'in', part).execute();
      for (const row of rows) existing.add(row.id);
    }
    await setForecasts(trx, new Map([...forecasts].filter(([id]) => existing.has(id))), now);
    return existing.size;
  });
}
