/**
 * Options shared by `vigil` commands: where the stores and the config file are.
 */
import type { Command } from 'commander';
import type { ConfigOverrides } from '../server/config.js';

/** Adds `--config`, `--data-dir`, `--database-url`, `--clickhouse-url` and `--redis-url` to a command. */
export function storeOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'YAML config file (values may use ${ENV_VAR})')
    .option('--data-dir <dir>', 'data directory of the embedded stores (default ./vigil-data)')
    .option('--database-url <url>', 'metadata store URL (postgres://...); default SQLite in the data dir')
    .option('--clickhouse-url <url>', 'ClickHouse server URL; default embedded chDB in the data dir')
    .option('--redis-url <url>', 'Redis URL for quota counters shared by several nodes; default in memory');
}

/** Adds `--url` and `--token` to a command that reads through the running server's API. */
export function apiOptions(cmd: Command): Command {
  return storeOptions(cmd)
    .option('--url <url>', 'server URL (default: the configured public URL)')
    .option('--token <token>', 'API token (default: $VIGIL_TOKEN, else <data-dir>/admin-token)');
}

/** Commander's parsed options as config overrides (the flag names match). */
export function overrides(opts: Record<string, unknown>): ConfigOverrides {
  return opts as ConfigOverrides;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * The interval a time-series query over `period` (`<n>[smhdw]`) asks for: `1h` up to a day,
 * `1d` beyond, so that the API's 1000-interval cap is not reached for periods up to 1000 days.
 */
export function intervalForPeriod(period: string): '1h' | '1d' {
  const m = /^(\d+)([smhdw]?)$/.exec(period);
  const seconds = m ? Number(m[1]) * (UNIT_SECONDS[m[2] || 's'] ?? 1) : 0;
  return seconds > 86_400 ? '1d' : '1h';
}
