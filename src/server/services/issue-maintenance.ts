/**
 * The issue workflow's periodic work (Sentry's `clear_expired_snoozes` task, the merge/delete
 * tasks' event side and the escalating forecast task), run by the server every minute:
 * - events of merged or deleted issues: a merge or deletion moves or deletes the issue's events
 *   in ClickHouse at once, but events resolved to the old issue just before may still be on
 *   their way (in a sink's buffer, or spooled to disk while ClickHouse was down). For a day after
 *   each merge or deletion, the job looks for events of those issues and moves or deletes them;
 * - snoozes that ended without an event: a date that passed, or a user count reached (distinct
 *   users are counted in ClickHouse, so they are checked here rather than at ingestion). The issue
 *   becomes unresolved with substatus `escalating`, as Sentry's task does;
 * - escalation forecasts of issues archived until escalating are made again once a day, from the
 *   first run after 00:00 UTC (Sentry's `run_escalating_forecast`, scheduled daily at midnight
 *   despite its module's name `weekly_escalating_forecast`): every such issue whose forecast was
 *   made before that midnight (or that has none) and that has events in the last week gets a new
 *   one (those without keep theirs, as Sentry takes only issues last seen within 7 days and saves
 *   forecasts only for issues with counts). The pass pages through the issues by id, at most
 *   {@link FORECASTS_PER_RUN} per run; forecasts 14 days old are deleted (Sentry's nodestore TTL).
 */
import type { Logger } from 'pino';
import { groupsWithEvents, groupUserCounts, type ClickHouseStore } from '../../storage/clickhouse/index.js';
import {
  endSnoozes,
  expireEventCleanups,
  listEventCleanups,
  listSnoozesToCheck,
  deleteExpiredForecasts,
  listStaleForecasts,
  refreshForecasts,
  userSnoozeExpired,
  type MetadataStore,
  type ProjectSnooze,
} from '../../storage/metadata/index.js';
import { forecastIssues } from './escalating-forecasts.js';
import { runEventCleanups } from './issue-removal.js';

/** How long the events of a merged or deleted issue are looked for: one day (ms). */
export const EVENT_CLEANUP_RETENTION_MS = 24 * 3_600_000;

/** Most issues looked at per run by the daily forecast pass (one ClickHouse query for all of them). */
export const FORECASTS_PER_RUN = 1_000;

/** Default pause between two runs: one minute (ms). */
export const ISSUE_MAINTENANCE_INTERVAL_MS = 60_000;

/** What the job works on. */
export interface IssueMaintenanceOptions {
  metadata: MetadataStore;
  clickhouse: Pick<ClickHouseStore, 'client'>;
  logger: Pick<Logger, 'warn' | 'info'>;
  /** Pause between runs (ms); default {@link ISSUE_MAINTENANCE_INTERVAL_MS}. */
  intervalMs?: number;
  /** Issues looked at per run by the daily forecast pass; default {@link FORECASTS_PER_RUN}. */
  forecastsPerRun?: number;
}

/** What one run did. */
export interface IssueMaintenanceReport {
  /** Merged or deleted issues whose late events were moved or deleted. */
  swept: number;
  /** Ignored issues whose snooze ended. */
  unsnoozed: number;
  /** Issues archived until escalating whose forecast was made again. */
  forecasts: number;
}

const DAY_MS = 86_400_000;

/** Runs {@link IssueMaintenance.runOnce} every interval while started; runs never overlap. */
export class IssueMaintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** Where today's forecast pass is: the UTC day (days since the epoch) and the last issue id. */
  private forecastPass = { day: -1, afterGroupId: 0 };

  constructor(private readonly options: IssueMaintenanceOptions) {}

  /** Starts the periodic runs (the first after one interval). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.runOnce()
        .catch((err: unknown) =>
          this.options.logger.warn({ err }, 'issue maintenance failed; retrying later'),
        )
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs ?? ISSUE_MAINTENANCE_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the runs and waits for one in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * One run: sweeps late events of merged or deleted issues, ends snoozes that are over, then
   * goes on with the day's forecast pass.
   */
  async runOnce(): Promise<IssueMaintenanceReport> {
    const swept = await this.sweepEvents();
    const unsnoozed = await this.endSnoozes();
    const forecasts = await this.refreshForecasts();
    return { swept, unsnoozed, forecasts };
  }

  private async refreshForecasts(): Promise<number> {
    const { metadata, clickhouse } = this.options;
    const now = metadata.now();
    await deleteExpiredForecasts(metadata.db, now);
    const day = Math.floor(now.getTime() / DAY_MS);
    if (day !== this.forecastPass.day) this.forecastPass = { day, afterGroupId: 0 };
    const stale = await listStaleForecasts(metadata.db, {
      madeBefore: new Date(day * DAY_MS),
      afterGroupId: this.forecastPass.afterGroupId,
      limit: this.options.forecastsPerRun ?? FORECASTS_PER_RUN,
    });
    const last = stale[stale.length - 1];
    if (last === undefined) return 0;
    const forecasts = await forecastIssues(
      clickhouse,
      stale.map((s) => ({ id: s.groupId, project_id: s.projectId })),
      now,
    );
    const stored = await refreshForecasts(metadata, forecasts, now);
    this.forecastPass.afterGroupId = last.groupId;
    return stored;
  }

  private async sweepEvents(): Promise<number> {
    const { metadata, clickhouse } = this.options;
    const since = new Date(metadata.now().getTime() - EVENT_CLEANUP_RETENTION_MS);
    const cleanups = await listEventCleanups(metadata.db, since);
    let swept = 0;
    if (cleanups.length > 0) {
      const withEvents = await groupsWithEvents(
        clickhouse,
        [...new Set(cleanups.map((c) => c.projectId))],
        cleanups.map((c) => c.groupId),
      );
      const pending = cleanups.filter((c) => withEvents.has(c.groupId));
      await runEventCleanups(clickhouse, pending);
      swept = pending.length;
    }
    await expireEventCleanups(metadata.db, since);
    return swept;
  }

  private async endSnoozes(): Promise<number> {
    const { metadata, clickhouse } = this.options;
    const now = metadata.now();
    const due: ProjectSnooze[] = [];
    const byUsers = new Map<string, ProjectSnooze[]>();
    for (const entry of await listSnoozesToCheck(metadata.db, now)) {
      const { snooze, projectId } = entry;
      if (snooze.until !== null && snooze.until.getTime() <= now.getTime()) {
        due.push(entry);
      } else if (snooze.userCount !== null) {
        const key = `${projectId}:${snooze.userWindow ?? ''}`;
        byUsers.set(key, [...(byUsers.get(key) ?? []), entry]);
      }
    }
    for (const entries of byUsers.values()) {
      const { projectId, snooze } = entries[0]!;
      const since =
        snooze.userWindow === null ? undefined : new Date(now.getTime() - snooze.userWindow * 60_000);
      const counts = await groupUserCounts(
        clickhouse,
        projectId,
        entries.map((e) => e.snooze.groupId),
        since,
      );
      for (const entry of entries) {
        const users = counts.get(entry.snooze.groupId) ?? { total: 0, recent: 0 };
        if (userSnoozeExpired(entry.snooze, { totalUsers: users.total, windowUsers: users.recent }))
          due.push(entry);
      }
    }
    return (await endSnoozes(metadata, due, 'escalating')).length;
  }
}
