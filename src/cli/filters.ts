/**
 * `vigil filters list|enable|disable|set <project>`: a project's inbound filters with Sentry's ids
 * and semantics (`src/sentry/ingest/inbound_filters.py`, the project options
 * `filters:blacklisted_ips`, `filters:releases`, `filters:error_messages`), written into the
 * project config's `filterSettings` as Sentry's relay config builder does
 * (src/processing/project-config/sentry-settings.ts). Works on the metadata store directly, like
 * `vigil project-config`.
 */
import type { Command } from 'commander';
import type { JsonObject } from '../protocol/json.js';
import {
  INBOUND_FILTER_SPECS,
  LEGACY_BROWSER_SUBFILTERS,
  cleanNewlineInputs,
  inboundFilterSpec,
  inboundFilterState,
  sentryFilterOptions,
  withInboundFilterState,
  withSentrySettings,
  type InboundFilterSpec,
  type InboundFilterUpdate,
  type SentrySettingsUpdate,
} from '../processing/project-config/index.js';
import { storeOptions } from './options.js';
import { changeConfigOf, readConfigOf } from './project-config.js';

/** The filter of `id`, or an Error listing the known ids. */
function specOf(id: string): InboundFilterSpec {
  const spec = inboundFilterSpec(id);
  if (!spec) {
    throw new Error(`unknown filter "${id}"; one of: ${INBOUND_FILTER_SPECS.map((s) => s.id).join(', ')}`);
  }
  return spec;
}

/**
 * The filters of a config as lines: `<filter-id>\ton|off|<subfilters>` for Sentry's five filters,
 * then one `client-ip`, `release` or `error-message` line per configured entry.
 */
export function formatFilters(json: JsonObject): string[] {
  const lines = INBOUND_FILTER_SPECS.map((spec) => {
    const state = inboundFilterState(json, spec);
    return `${spec.id}\t${state === true ? 'on' : state === false ? 'off' : state.join(',')}`;
  });
  const options = sentryFilterOptions(json);
  const lists: Array<[string, string]> = [
    ['client-ip', options['filters:blacklisted_ips']],
    ['release', options['filters:releases']],
    ['error-message', options['filters:error_messages']],
  ];
  for (const [name, text] of lists) {
    for (const entry of text.split('\n').filter(Boolean)) lines.push(`${name}\t${entry}`);
  }
  return lines;
}

/**
 * Adds `filters list <project>`, `filters enable <project> <filter-id> [--subfilters a,b]`,
 * `filters disable <project> <filter-id>` and `filters set <project> [--error-messages [p...]]
 * [--releases [glob...]] [--client-ips [ip...]]` (each given option replaces its list; given with
 * no values it clears the list) to `program`. Filter ids: browser-extensions, localhost,
 * legacy-browsers, web-crawlers, filtered-transaction (health checks).
 */
export function registerFilterCommands(program: Command): void {
  const filters = program.command('filters').description("a project's inbound filters (Sentry's filter ids)");
  const print = (json: JsonObject): void => {
    for (const line of formatFilters(json)) console.log(line);
  };

  storeOptions(filters.command('list <project>').description('list the inbound filters of a project')).action(
    async (slug: string, opts: Record<string, unknown>) => print(await readConfigOf(opts, slug)),
  );

  storeOptions(filters.command('enable <project> <filter-id>').description('turn an inbound filter on'))
    .option(
      '--subfilters <list>',
      `legacy-browsers only: comma-separated browsers (${LEGACY_BROWSER_SUBFILTERS.join(', ')})`,
    )
    .action(async (slug: string, id: string, opts: Record<string, unknown>) => {
      const spec = specOf(id);
      let update: InboundFilterUpdate = { active: true };
      if (opts.subfilters !== undefined) {
        if (spec.configKey !== 'legacyBrowsers') throw new Error('--subfilters is for legacy-browsers only');
        const subfilters = String(opts.subfilters)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = subfilters.find((s) => !LEGACY_BROWSER_SUBFILTERS.includes(s));
        if (unknown !== undefined) throw new Error(`"${unknown}" is not a valid choice`);
        update = { subfilters };
      }
      print(await changeConfigOf(opts, slug, (json) => withInboundFilterState(json, spec, update)));
    });

  storeOptions(
    filters.command('disable <project> <filter-id>').description('turn an inbound filter off'),
  ).action(async (slug: string, id: string, opts: Record<string, unknown>) => {
    const spec = specOf(id);
    print(await changeConfigOf(opts, slug, (json) => withInboundFilterState(json, spec, { active: false })));
  });

  storeOptions(
    filters
      .command('set <project>')
      .description('replace the error message, release or client IP lists (no values: clear the list)'),
  )
    .option('--error-messages [patterns...]', 'glob patterns on "<type>: <value>" and log messages')
    .option('--releases [globs...]', 'glob patterns on the release (lowercased, as Sentry does)')
    .option('--client-ips [ips...]', 'IP addresses or CIDR ranges')
    .action(async (slug: string, opts: Record<string, unknown>) => {
      // Commander gives `true` for a flag without values; Sentry's clean_newline_inputs does the rest.
      const list = (value: unknown, caseInsensitive: boolean): string[] | undefined =>
        value === undefined
          ? undefined
          : cleanNewlineInputs(value === true ? '' : (value as string[]).join('\n'), caseInsensitive);
      const update: SentrySettingsUpdate = {};
      const errorMessages = list(opts.errorMessages, false);
      const releases = list(opts.releases, true);
      const blacklistedIps = list(opts.clientIps, true);
      if (errorMessages !== undefined) update.errorMessages = errorMessages;
      if (releases !== undefined) update.releases = releases;
      if (blacklistedIps !== undefined) update.blacklistedIps = blacklistedIps;
      if (Object.keys(update).length === 0) {
        throw new Error('nothing to set: pass --error-messages, --releases or --client-ips');
      }
      print(await changeConfigOf(opts, slug, (json) => withSentrySettings(json, update)));
    });
}
