/**
 * `vigil monitors`: cron monitors and their check-ins, read through the running server's web
 * API (the same Sentry paths sentry-cli and scripts use; see src/server/api/monitors.ts).
 */
import type { Command } from 'commander';
import { loadConfig } from '../server/config.js';
import { DEFAULT_ORGANIZATION_SLUG } from '../storage/metadata/index.js';
import { apiGet } from './api-client.js';
import { apiOptions, overrides } from './options.js';

interface MonitorJson {
  slug: string;
  status: string;
  config: { schedule_type: string; schedule: string | [number, string]; timezone: string | null };
  project: { slug: string };
  environments: Array<{
    name: string;
    status: string;
    lastCheckIn: string | null;
    nextCheckIn: string | null;
  }>;
}

interface CheckInJson {
  id: string;
  environment: string;
  status: string;
  duration: number | null;
  dateCreated: string;
}

/** `0 * * * *` or `every 2 hour`, plus the timezone when set. */
function formatSchedule(config: MonitorJson['config']): string {
  const schedule = Array.isArray(config.schedule)
    ? `every ${config.schedule[0]} ${config.schedule[1]}`
    : config.schedule;
  return config.timezone ? `${schedule} (${config.timezone})` : schedule;
}

/**
 * Adds `monitors list` (one line per monitor environment: project, slug, schedule, environment,
 * status, last and next check-in; `--project <slug>` narrows) and `monitors checkins <slug>`
 * (newest first: start, environment, status, duration in ms, id; `--project`, `--environment`,
 * `--limit`, default 25) to `program`. Both take the API options (`--url`, `--token`, store
 * options for locating the admin token) and exit non-zero with the API's `detail` on errors.
 */
export function registerMonitorCommands(program: Command): void {
  const monitors = program.command('monitors').description('read cron monitors through the web API');
  const org = DEFAULT_ORGANIZATION_SLUG;

  apiOptions(monitors.command('list').description('list cron monitors and the state of their environments'))
    .option('--project <slug>', 'only this project')
    .action(async (opts: Record<string, unknown>) => {
      const config = loadConfig(overrides(opts));
      const rows = (await apiGet(config, opts, `/api/0/organizations/${org}/monitors/`)) as MonitorJson[];
      for (const monitor of rows) {
        if (opts.project !== undefined && monitor.project.slug !== opts.project) continue;
        const head = `${monitor.project.slug}\t${monitor.slug}\t${formatSchedule(monitor.config)}`;
        if (monitor.environments.length === 0) console.log(`${head}\t-\t${monitor.status}\t-\t-`);
        for (const env of monitor.environments) {
          console.log(
            `${head}\t${env.name}\t${env.status}\t${env.lastCheckIn ?? '-'}\t${env.nextCheckIn ?? '-'}`,
          );
        }
      }
    });

  apiOptions(monitors.command('checkins <slug>').description("list a monitor's check-ins, newest first"))
    .option('--project <slug>', 'the project of the monitor (default: the first monitor with this slug)')
    .option('--environment <name>', 'only this environment')
    .option('--limit <n>', 'how many check-ins (1-100)', '25')
    .action(async (slug: string, opts: Record<string, unknown>) => {
      const config = loadConfig(overrides(opts));
      const params = new URLSearchParams({ per_page: String(opts.limit ?? '25') });
      if (opts.environment !== undefined) params.set('environment', String(opts.environment));
      const base = opts.project
        ? `/api/0/projects/${org}/${encodeURIComponent(String(opts.project))}/monitors`
        : `/api/0/organizations/${org}/monitors`;
      const rows = (await apiGet(
        config,
        opts,
        `${base}/${encodeURIComponent(slug)}/checkins/?${params}`,
      )) as CheckInJson[];
      for (const c of rows) {
        console.log(`${c.dateCreated}\t${c.environment}\t${c.status}\t${c.duration ?? '-'}\t${c.id}`);
      }
    });
}
