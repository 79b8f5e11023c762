#!/usr/bin/env node
/**
 * The `vigil` command: `start` runs the server; `projects`, `keys`, `tokens`, `users`,
 * `project-config`, `quotas` and `filters` manage the metadata store directly (they work whether or not a server is
 * running); `issues` reads through the running server's web API with a bearer token.
 */
import { Command, Option } from 'commander';
import { loadConfig } from '../server/config.js';
import { apiOptions, overrides, storeOptions } from './options.js';
import { startServer } from './start.js';
import { withMetadata, resolveProject } from './metadata.js';
import { apiGet } from './api-client.js';
import { registerSessionCommands } from './sessions.js';
import { registerStatsCommands } from './stats.js';
import { registerMonitorCommands } from './monitors.js';
import { registerLogCommands } from './logs.js';
import { registerFeedbackCommands } from './feedback.js';
import { registerAttachmentCommands } from './attachments.js';
import { registerProfileCommands } from './profiles.js';
import { registerTraceCommands } from './traces.js';
import { registerReplayCommands } from './replays.js';
import { registerProjectConfigCommands } from './project-config.js';
import { registerQuotaCommands } from './quotas.js';
import { registerFilterCommands } from './filters.js';
import { registerAccountCommands } from './accounts.js';
import { formatProjectDsn } from '../server/app.js';
import { newProjectConfigJson } from '../processing/project-config/index.js';
import {
  createProject,
  getTeamBySlug,
  listProjectKeys,
  listProjects,
  createProjectKey,
} from '../storage/metadata/index.js';

const program = new Command('vigil')
  .description('Self-hosted, Sentry-compatible monitoring')
  .showHelpAfterError();

storeOptions(
  program
    .command('start')
    .description('start the server (ingest edge, processing, web API)')
    .option('--host <host>', 'interface to bind (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default 8000)')
    .option('--public-url <url>', 'URL clients use to reach this server (default http://<host>:<port>)')
    .addOption(
      new Option('--log-level <level>', 'log level').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
      ]),
    ),
).action(async (opts: Record<string, unknown>) => {
  await startServer(loadConfig(overrides(opts)));
});

const projects = program.command('projects').description('manage projects');
storeOptions(projects.command('create <slug>').description('create a project and its first DSN key'))
  .option('--name <name>', 'display name (default: the slug)')
  .option('--platform <platform>', 'platform, e.g. node or python')
  .action(async (slug: string, opts: Record<string, unknown>) => {
    const config = loadConfig(overrides(opts));
    await withMetadata(config, async (store, org) => {
      // New projects get Sentry's default inbound filters (set_default_inbound_filters) and join
      // the organization's default team, as projects created through the API join theirs.
      const team = await getTeamBySlug(store, org.id, org.slug);
      const created = await createProject(
        store,
        org.id,
        slug,
        opts.name as string | undefined,
        opts.platform as string | undefined,
        { config: newProjectConfigJson(), ...(team ? { teamId: team.id } : {}) },
      );
      if (!created.ok) throw new Error(created.error.detail);
      const project = created.value;
      const key = await createProjectKey(store, project.id);
      console.log(`created project ${project.slug} (id ${project.id})`);
      console.log(`DSN: ${formatProjectDsn(config.publicUrl, key.public_key, project.id)}`);
    });
  });
storeOptions(projects.command('list').description('list projects')).action(
  async (opts: Record<string, unknown>) => {
    await withMetadata(loadConfig(overrides(opts)), async (store, org) => {
      for (const p of await listProjects(store, org.id)) console.log(`${p.id}\t${p.slug}\t${p.name}`);
    });
  },
);

const keys = program.command('keys').description('manage DSN keys');
storeOptions(keys.command('list').description('list DSN keys and their DSNs'))
  .option('--project <slug>', 'only this project')
  .action(async (opts: Record<string, unknown>) => {
    const config = loadConfig(overrides(opts));
    await withMetadata(config, async (store, org) => {
      const selected = opts.project
        ? [await resolveProject(store, org.id, opts.project as string)]
        : await listProjects(store, org.id);
      for (const project of selected) {
        for (const key of await listProjectKeys(store, project.id)) {
          const state = key.is_active ? 'active' : 'disabled';
          console.log(
            `${project.slug}\t${state}\t${formatProjectDsn(config.publicUrl, key.public_key, project.id)}`,
          );
        }
      }
    });
  });

const issues = program.command('issues').description('read issues through the web API');
apiOptions(issues.command('list').description('list issues (Sentry search syntax in --query)'))
  .option('--project <slug>', 'only this project')
  .option('--query <query>', 'search query, e.g. "is:unresolved level:error"')
  .action(async (opts: Record<string, unknown>) => {
    const config = loadConfig(overrides(opts));
    const params = new URLSearchParams();
    if (opts.query !== undefined) params.set('query', String(opts.query));
    const path = opts.project
      ? `/api/0/projects/vigil/${encodeURIComponent(String(opts.project))}/issues/`
      : '/api/0/organizations/vigil/issues/';
    const rows = await apiGet(config, opts, `${path}?${params}`);
    for (const issue of rows as Array<Record<string, unknown>>) {
      console.log(`${issue.shortId}\t${issue.status}\t${issue.level}\t${issue.count}\t${issue.title}`);
    }
  });

registerSessionCommands(program);
registerStatsCommands(program);
registerMonitorCommands(program);
registerLogCommands(program);
registerFeedbackCommands(program);
registerAttachmentCommands(program);
registerProfileCommands(program);
registerTraceCommands(program);
registerReplayCommands(program);
registerProjectConfigCommands(program);
registerQuotaCommands(program);
registerFilterCommands(program);
registerAccountCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`vigil: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
