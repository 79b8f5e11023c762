/**
 * The issue workflow's periodic work (Sentry's `clear_expired_snoozes` task, the merge/delete
 * tasks' event side and the weekly escalating forecast), run by the server every minute:
 * - events of merged or deleted issues: a merge or deletion moves or deletes the issue's events
 *   in ClickHouse at once, but events resolved to the old issue just before may still be on
 *   their way (in a sink's buffer, or spooled to disk while ClickHouse was down). For a day after
 *   each merge or deletion, the job looks for events of those issues and moves or deletes them;
 * - snoozes that ended without an event: a date that passed, or a user count reached (distinct
 *   users are counted in ClickHouse, so they are checked here rather than at ingestion). The issue
 *   becomes unresolved with substatus `escalating`, as Sentry's task does;
 * - escalation forecasts of issues archived until escalating that are a week old (or missing) are
 *   made again from the last week's events (Sentry's weekly `run_escalating_forecast`), at most
 *   {@link FORECASTS_PER_RUN} per run.
 */
import type { Logger } from 'pino';
import { groupsWithEvents, groupUserCounts, type ClickHouseStore } from '../../storage/clickhouse/index.js';
import {
  endSnoozes,
  expireEventCleanups,
  listEventCleanups,
  listSnoozesToCheck,
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

/** Age after which an escalation forecast is made again: one week (ms). */
export const FORECAST_REFRESH_MS = 7 * 24 * 3_600_000;

/** Most escalation forecasts made again per run (one ClickHouse query for all of them). */
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

/** Runs {@link IssueMaintenance.runOnce} every interval while started; runs never overlap. */
export class IssueMaintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

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
   * makes week-old escalation forecasts again.
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
    const stale = await listStaleForecasts(
      metadata.db,
      new Date(now.getTime() - FORECAST_REFRESH_MS),
      FORECASTS_PER_RUN,
    );
    if (stale.length === 0) return 0;
    const forecasts = await forecastIssues(
      clickhouse,
      stale.map((s) => ({ id: s.groupId, project_id: s.projectId })),
      now,
    );
    return refreshForecasts(metadata, forecasts, now);
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
