/**
 * Server configuration: defaults that work with no file, an optional YAML file whose
 * string values may reference environment variables as `${NAME}`, and CLI flags on top
 * (DESIGN.md, "Conventions"). Precedence: flags > file > defaults.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { JsonObject } from '../protocol/json.js';
import { parseProjectConfig, projectConfigJson } from '../processing/project-config/index.js';

/** The resolved configuration of one Vigil process. */
export interface VigilConfig {
  /** Interface to bind; default `127.0.0.1`. */
  host: string;
  /** TCP port; default 8000. */
  port: number;
  /** Directory of the embedded stores; default `./vigil-data`. */
  dataDir: string;
  /** Base URL clients use to reach this server (DSNs, permalinks); default `http://<host>:<port>`. */
  publicUrl: string;
  /** ClickHouse server URL (`http://user:pass@host:8123/db`); unset = embedded chDB in the data dir. */
  clickhouseUrl?: string;
  /** Metadata database URL (`postgres://...`); unset = SQLite in the data dir. */
  databaseUrl?: string;
  /**
   * Redis URL (`redis://host:6379/0`) holding the quota counters, so every Vigil node sharing it
   * enforces one quota; unset = counters in this process's memory.
   */
  redisUrl?: string;
  /**
   * Bounds of the in-memory envelope queue. A full queue spills accepted envelopes to the disk
   * spool; the edge answers 503 only when the spool is full too.
   */
  queue: { maxEnvelopes: number; maxBytes: number };
  /**
   * The disk spool in `<dataDir>/spool` (Relay's `spool.envelopes`): envelopes accepted while the
   * queue is full or the stores are down, and what shutdown could not store. `maxDiskSize` in
   * bytes, default 500 MiB (Relay's `max_disk_size`); shutdown may exceed it rather than lose data.
   */
  spool: { maxDiskSize: number };
  /**
   * The memory ceiling (Relay's `health.max_memory_bytes` / `health.max_memory_percent`): above
   * the lower of the two the edge answers 503 and `/ready/` fails. `maxMemoryBytes` in bytes,
   * unset by default; `maxMemoryPercent` a fraction of the machine's (or container's) memory,
   * default 0.95. Compared with the process's resident set size.
   */
  health: { maxMemoryBytes?: number; maxMemoryPercent: number };
  /**
   * Per ClickHouse table, rows buffered before the processing loop waits (back-pressure):
   * `maxBufferedRows` (default 100 000) and approximate JSON `maxBufferedBytes` (default 64 MiB).
   */
  sinks: { maxBufferedRows: number; maxBufferedBytes: number };
  /**
   * `shutdownTimeout`: seconds SIGTERM waits for queued envelopes to be processed and rows to be
   * inserted before spooling the rest to disk (Relay's `limits.shutdown_timeout`, default 10).
   */
  limits: { shutdownTimeout: number };
  /** Processing threads; default the machine's available parallelism, 0 = on the main thread. */
  processing: { workers: number };
  /** pino log level; default `info`. */
  logLevel: string;
  /**
   * Project configs from the file's `projects:` mapping, validated; each replaces the stored
   * config of its project at startup. Default none.
   */
  projects: ConfiguredProject[];
}

/** One entry of the config file's `projects:` mapping (`"<org-slug>/<project-slug>": {...}`). */
export interface ConfiguredProject {
  organization: string;
  project: string;
  /** The project config in Relay's shape, as stored (the keys the parser kept). */
  config: JsonObject;
  /** What the parser ignored or will not enforce (logged at startup). */
  warnings: string[];
}

/** Values that may come from CLI flags (all optional). */
export interface ConfigOverrides {
  config?: string;
  host?: string;
  port?: number | string;
  dataDir?: string;
  publicUrl?: string;
  clickhouseUrl?: string;
  databaseUrl?: string;
  redisUrl?: string;
  logLevel?: string;
}

/** A configuration problem: unreadable file, bad YAML, unknown env var, bad value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 8000,
  dataDir: './vigil-data',
  queue: { maxEnvelopes: 10_000, maxBytes: 128 * 1024 * 1024 },
  spool: { maxDiskSize: 500 * 1024 * 1024 },
  health: { maxMemoryPercent: 0.95 },
  sinks: { maxBufferedRows: 100_000, maxBufferedBytes: 64 * 1024 * 1024 },
  limits: { shutdownTimeout: 10 },
  logLevel: 'info',
};

/** Replaces `${NAME}` in every string of a parsed YAML tree; a missing variable is an error. */
function expandEnv(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) throw new ConfigError(`environment variable ${name} is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v) => expandEnv(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, env)]));
  }
  return value;
}

function readFile(file: string, env: NodeJS.ProcessEnv): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`invalid YAML in ${file}: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file} must be a mapping`);
  }
  return expandEnv(parsed, env) as Record<string, unknown>;
}

function pick<T>(...values: Array<T | undefined | null>): T | undefined {
  for (const v of values) if (v !== undefined && v !== null && v !== '') return v;
  return undefined;
}

function toPort(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`invalid port: ${String(value)}`);
  return n;
}

function str(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new ConfigError(`${key} must be a string`);
  return String(value);
}

/** The mapping under `key` in the file (`{}` when absent); ConfigError for anything else. */
function section(file: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = file[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${key} must be a mapping`);
  return value as Record<string, unknown>;
}

/**
 * Validates the file's `projects:` mapping: keys `<org-slug>/<project-slug>`, values project
 * configs in Relay's shape (`quotas`, `filterSettings`, `datascrubbingSettings`, `piiConfig`).
 * Errors name the project and the path inside its config.
 */
function configuredProjects(value: unknown): ConfiguredProject[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError('projects must be a mapping of "<org-slug>/<project-slug>" to project configs');
  }
  return Object.entries(value as Record<string, unknown>).map(([key, raw]) => {
    const match = /^([^/\s]+)\/([^/\s]+)$/.exec(key);
    if (!match) throw new ConfigError(`projects: "${key}" must be "<org-slug>/<project-slug>"`);
    if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
      throw new ConfigError(`projects["${key}"]: expected a mapping (quotas, filterSettings, ...)`);
    }
    const parsed = parseProjectConfig(raw);
    if (!parsed.ok) {
      throw new ConfigError(parsed.errors.map((e) => `projects["${key}"].${e}`).join('; '));
    }
    return {
      organization: match[1]!,
      project: match[2]!,
      config: projectConfigJson(parsed.config),
      warnings: parsed.warnings,
    };
  });
}

/**
 * Builds the configuration from flags, the YAML file named by `overrides.config` (keys:
 * `host`, `port`, `dataDir`, `publicUrl`, `clickhouseUrl`, `databaseUrl`, `redisUrl`, `logLevel`,
 * `queue.maxEnvelopes`, `queue.maxBytes`, `processing.workers`, `spool.maxDiskSize`,
 * `health.maxMemoryBytes`, `health.maxMemoryPercent`, `sinks.maxBufferedRows`,
 * `sinks.maxBufferedBytes`, `limits.shutdownTimeout`, `projects`) and the defaults.
 * Throws ConfigError for an unreadable file, bad YAML, a missing `${VAR}` or a bad value
 * (including an invalid project config, named by project and path).
 */
export function loadConfig(
  overrides: ConfigOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): VigilConfig {
  const file = overrides.config ? readFile(overrides.config, env) : {};
  const queueFile = (file.queue ?? {}) as Record<string, unknown>;
  const processingFile = (file.processing ?? {}) as Record<string, unknown>;
  const spoolFile = section(file, 'spool');
  const healthFile = section(file, 'health');
  const sinksFile = section(file, 'sinks');
  const limitsFile = section(file, 'limits');
  const host = pick(overrides.host, str(file.host, 'host')) ?? DEFAULTS.host;
  const port = toPort(
    pick<number | string>(overrides.port, file.port as number | undefined) ?? DEFAULTS.port,
  );
  const dataDir = path.resolve(pick(overrides.dataDir, str(file.dataDir, 'dataDir')) ?? DEFAULTS.dataDir);
  const publicUrl = (
    pick(overrides.publicUrl, str(file.publicUrl, 'publicUrl')) ??
    `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  ).replace(/\/+$/, '');
  const positive = (v: unknown, key: string, dflt: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${key} must be a positive integer`);
    return n;
  };
  const fraction = (v: unknown, key: string, dflt: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!(n > 0 && n <= 1)) throw new ConfigError(`${key} must be a number in (0, 1]`);
    return n;
  };
  return {
    host,
    port,
    dataDir,
    publicUrl,
    clickhouseUrl: pick(overrides.clickhouseUrl, str(file.clickhouseUrl, 'clickhouseUrl')),
    databaseUrl: pick(overrides.databaseUrl, str(file.databaseUrl, 'databaseUrl')),
    redisUrl: pick(overrides.redisUrl, str(file.redisUrl, 'redisUrl')),
    queue: {
      maxEnvelopes: positive(queueFile.maxEnvelopes, 'queue.maxEnvelopes', DEFAULTS.queue.maxEnvelopes),
      maxBytes: positive(queueFile.maxBytes, 'queue.maxBytes', DEFAULTS.queue.maxBytes),
    },
    spool: { maxDiskSize: positive(spoolFile.maxDiskSize, 'spool.maxDiskSize', DEFAULTS.spool.maxDiskSize) },
    health: {
      ...(healthFile.maxMemoryBytes !== undefined
        ? { maxMemoryBytes: positive(healthFile.maxMemoryBytes, 'health.maxMemoryBytes', 0) }
        : {}),
      maxMemoryPercent: fraction(
        healthFile.maxMemoryPercent,
        'health.maxMemoryPercent',
        DEFAULTS.health.maxMemoryPercent,
      ),
    },
    sinks: {
      maxBufferedRows: positive(
        sinksFile.maxBufferedRows,
        'sinks.maxBufferedRows',
        DEFAULTS.sinks.maxBufferedRows,
      ),
      maxBufferedBytes: positive(
        sinksFile.maxBufferedBytes,
        'sinks.maxBufferedBytes',
        DEFAULTS.sinks.maxBufferedBytes,
      ),
    },
    limits: {
      shutdownTimeout: positive(
        limitsFile.shutdownTimeout,
        'limits.shutdownTimeout',
        DEFAULTS.limits.shutdownTimeout,
      ),
    },
    processing: {
      workers:
        processingFile.workers === 0
          ? 0
          : positive(processingFile.workers, 'processing.workers', availableParallelism()),
    },
    logLevel: pick(overrides.logLevel, str(file.logLevel, 'logLevel')) ?? DEFAULTS.logLevel,
    projects: configuredProjects(file.projects),
  };
}
