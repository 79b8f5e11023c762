/**
 * A project's processing configuration, in the shape of Relay's project config (`ProjectConfig`
 * in `relay-dynamic-config/src/project.rs`; reference/relay-protocol.md §6, §9, §10): quotas,
 * inbound filter settings, the legacy data scrubbing settings, the advanced PII config, the
 * dynamic sampling rules, the allowed origins and the event retention; and, for the events
 * endpoint, the project's transaction thresholds (./transaction-thresholds.ts).
 * Stored per project as the JSON object Sentry hands Relay (camelCase keys), parsed once and
 * then carried with every envelope of the project (`AcceptedEnvelope.config`).
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { isValidQuota, parseQuota, type Quota } from '../../quotas/quota.js';
import { defaultFilterSettings, parseFilterSettings, type FilterSettings } from '../filters/config.js';
import { parsePiiConfig } from '../pii/pii-config.js';
import { DEFAULT_DATA_SCRUBBING, type DataScrubbingSettings } from '../pii/settings.js';
import { parseSamplingConfig, EMPTY_SAMPLING_CONFIG, type SamplingConfig } from '../sampling/config.js';
import {
  parseThresholdOverrides,
  parseTransactionThreshold,
  type StoredThresholdOverride,
  type StoredTransactionThreshold,
} from './transaction-thresholds.js';

/** A parsed project config. Treated as immutable: caches key compiled forms by identity. */
export interface ProjectConfig {
  /** Quotas checked at the edge (§6); empty = unlimited. Invalid quotas are kept (Relay rejects what they cover). */
  quotas: Quota[];
  /** Inbound filters (§10); all off by default. */
  filterSettings: FilterSettings;
  /** `datascrubbingSettings` with `piiConfig` carried inside (§9); Sentry's defaults when absent. */
  scrubbing: DataScrubbingSettings;
  /** Dynamic sampling rules (`sampling`); none by default, which keeps everything. */
  sampling: SamplingConfig;
  /**
   * `allowedDomains`: the origins a browser may send from, as Relay matches them
   * (`matches_any_origin`: `*`, `example.com`, `*.example.com`, `https://example.com`, `*:8080`).
   * Default {@link DEFAULT_ALLOWED_DOMAINS}, which allows every origin; an empty list refuses
   * every request that has an origin. See src/server/ingest/project-access.ts.
   */
  allowedDomains: readonly string[];
  /**
   * `eventRetention`: days the project's stored rows are kept (Relay's `event_retention`, a u16);
   * `undefined` = the server's retention. See {@link projectRetentionDays}.
   */
  eventRetention?: number;
  /** `transactionThreshold`: the project's transaction threshold (./transaction-thresholds.ts), if set. */
  transactionThreshold?: StoredTransactionThreshold;
  /** `transactionThresholdOverrides`: per-transaction thresholds; none by default. */
  transactionThresholdOverrides: readonly StoredThresholdOverride[];
  /**
   * The canonical JSON text of this config (what {@link projectConfigJson} returns, stringified).
   * Worker threads receive this text instead of the object and parse it once per distinct text.
   */
  source: string;
}

/** Result of {@link parseProjectConfig}: the config, or every problem found with its JSON path. */
export type ProjectConfigResult =
  { ok: true; config: ProjectConfig; warnings: string[] } | { ok: false; errors: string[] };

/** The top-level keys {@link parseProjectConfig} understands. */
export const PROJECT_CONFIG_KEYS = [
  'quotas',
  'filterSettings',
  'datascrubbingSettings',
  'piiConfig',
  'sampling',
  'allowedDomains',
  'eventRetention',
  'transactionThreshold',
  'transactionThresholdOverrides',
] as const;

/** Relay's default `allowedDomains` (`ProjectConfig::default`): every origin. */
export const DEFAULT_ALLOWED_DOMAINS: readonly string[] = Object.freeze(['*']);

/** The largest `eventRetention` Relay reads (`Option<u16>`; the stores' `retention_days` is a UInt16). */
export const MAX_EVENT_RETENTION_DAYS = 65_535;

function parseStringList(value: JsonValue | undefined, path: string, errors: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  errors.push(`${path}: expected a list of strings`);
  return [];
}

function parseEventRetention(value: JsonValue | undefined, errors: string[]): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_EVENT_RETENTION_DAYS)
    return value;
  errors.push(`eventRetention: expected an integer from 0 to ${MAX_EVENT_RETENTION_DAYS} (days)`);
  return undefined;
}

function parseScrubbing(
  raw: JsonValue | undefined,
  errors: string[],
): Omit<DataScrubbingSettings, 'piiConfig'> {
  const settings = {
    ...DEFAULT_DATA_SCRUBBING,
    sensitiveFields: [] as string[],
    excludeFields: [] as string[],
  };
  if (raw === undefined || raw === null) return settings;
  if (!isJsonObject(raw)) {
    errors.push('datascrubbingSettings: expected an object');
    return settings;
  }
  for (const key of ['scrubData', 'scrubDefaults', 'scrubIpAddresses'] as const) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'boolean') settings[key] = value;
    else errors.push(`datascrubbingSettings.${key}: expected boolean`);
  }
  settings.sensitiveFields = parseStringList(
    raw.sensitiveFields,
    'datascrubbingSettings.sensitiveFields',
    errors,
  );
  settings.excludeFields = parseStringList(raw.excludeFields, 'datascrubbingSettings.excludeFields', errors);
  return settings;
}

/**
 * Parses a stored or submitted project config (Relay's JSON: `quotas`, `filterSettings`,
 * `datascrubbingSettings`, `piiConfig`, `sampling`, `allowedDomains`, `eventRetention`, and
 * Vigil's `transactionThreshold` / `transactionThresholdOverrides`; absent
 * or `null` keys take the defaults, unknown keys are warnings). `piiConfig` may be an object or the JSON text Sentry stores. Errors name their
 * path (`quotas[1]: limit must be a non-negative integer`), so an API can answer 400 with them.
 */
export function parseProjectConfig(raw: unknown): ProjectConfigResult {
  if (raw === undefined || raw === null) raw = {};
  if (!isJsonObject(raw)) return { ok: false, errors: ['project config: expected an object'] };
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!(PROJECT_CONFIG_KEYS as readonly string[]).includes(key))
      warnings.push(`${key}: unknown key (ignored)`);
  }

  const quotas: Quota[] = [];
  if (raw.quotas !== undefined && raw.quotas !== null) {
    if (!Array.isArray(raw.quotas)) errors.push('quotas: expected a list');
    else
      raw.quotas.forEach((value, i) => {
        const quota = parseQuota(value);
        if ('error' in quota) errors.push(`quotas[${i}]: ${quota.error}`);
        else {
          if (!isValidQuota(quota))
            warnings.push(`quotas[${i}]: not enforceable (Relay rejects what it covers)`);
          quotas.push(quota);
        }
      });
  }

  const filters = parseFilterSettings(raw.filterSettings);
  warnings.push(...filters.warnings);
  if (!filters.ok) errors.push(...filters.errors);

  const scrubbing = parseScrubbing(raw.datascrubbingSettings, errors);
  const piiConfig = raw.piiConfig ?? undefined;
  if (piiConfig !== undefined) {
    for (const issue of parsePiiConfig(piiConfig).issues) {
      errors.push(`piiConfig${issue.path === '' ? '' : '.' + issue.path}: ${issue.message}`);
    }
  }
  const sampling = parseSamplingConfig(raw.sampling);
  if (sampling.ok) warnings.push(...sampling.warnings);
  else errors.push(...sampling.errors);
  const allowedDomains =
    raw.allowedDomains === undefined || raw.allowedDomains === null
      ? DEFAULT_ALLOWED_DOMAINS
      : Object.freeze([...parseStringList(raw.allowedDomains, 'allowedDomains', errors)]);
  const eventRetention = parseEventRetention(raw.eventRetention, errors);
  const transactionThreshold = parseTransactionThreshold(raw.transactionThreshold, errors);
  const transactionThresholdOverrides = parseThresholdOverrides(raw.transactionThresholdOverrides, errors);
  if (errors.length > 0) return { ok: false, errors };

  const json: JsonObject = {};
  for (const key of PROJECT_CONFIG_KEYS)
    if (raw[key] !== undefined && raw[key] !== null) json[key] = raw[key];
  return {
    ok: true,
    warnings,
    config: Object.freeze({
      quotas,
      filterSettings: filters.ok ? filters.settings : defaultFilterSettings(),
      scrubbing: { ...scrubbing, ...(piiConfig !== undefined && { piiConfig }) },
      sampling: sampling.ok ? sampling.config : EMPTY_SAMPLING_CONFIG,
      allowedDomains,
      ...(eventRetention !== undefined && { eventRetention }),
      ...(transactionThreshold !== undefined && { transactionThreshold }),
      transactionThresholdOverrides,
      source: JSON.stringify(json),
    }),
  };
}

/** The config as the JSON object it was parsed from (only the keys that were set). */
export function projectConfigJson(config: ProjectConfig): JsonObject {
  return JSON.parse(config.source) as JsonObject;
}

const bySource = new Map<string, ProjectConfig>();

/**
 * The config of a canonical JSON text ({@link ProjectConfig.source}), parsed once per distinct
 * text (worker threads receive configs this way). A text that no longer parses (it was valid
 * when stored) yields the defaults.
 */
export function projectConfigFromSource(source: string): ProjectConfig {
  let config = bySource.get(source);
  if (!config) {
    let parsed: ProjectConfigResult | undefined;
    try {
      parsed = parseProjectConfig(JSON.parse(source));
    } catch {
      parsed = undefined;
    }
    config = parsed?.ok ? parsed.config : DEFAULT_PROJECT_CONFIG;
    if (bySource.size >= 1024) bySource.clear();
    bySource.set(source, config);
  }
  return config;
}

/**
 * The days rows of a project are kept (`retention_days`): the project's `eventRetention`, else
 * `serverDefault` (the server's configured retention; `undefined` leaves each store's own default,
 * 90 days for events, 30 for profiles). Relay's `ProjectInfo::event_retention`, which it uses for
 * every item type it stores (events, attachments, sessions, logs, spans, profiles, replays,
 * check-ins).
 */
export function projectRetentionDays(
  config: Pick<ProjectConfig, 'eventRetention'>,
  serverDefault: number | undefined,
): number | undefined {
  return config.eventRetention ?? serverDefault;
}

/**
 * The config of a project nobody configured: no quotas, no filters, Sentry's default scrubbing,
 * no sampling rules, every origin allowed, the server's retention.
 */
export const DEFAULT_PROJECT_CONFIG: ProjectConfig = (() => {
  const parsed = parseProjectConfig({});
  if (!parsed.ok) throw new Error('the empty project config must parse');
  return parsed.config;
})();
