/**
 * Extraction: the searchable columns of one stored error event, taken from the
 * normalized, scrubbed and grouped event. The column set is the `events` table's
 * (src/storage/clickhouse, Snuba's errors layout: typed columns for what is filtered,
 * tags and flags as key/value arrays). `group_id` is added later by the server, once
 * the event's hashes are resolved to an issue in the metadata store.
 */
import type { JsonObject, JsonValue } from '../../../protocol/json.js';
import { asArray, asObject, asString, isJsonObject } from '../../../protocol/json.js';
import type { ExceptionValue, SentryEvent } from '../../../protocol/event.js';
import type { ErrorEventColumns } from '../../../protocol/error-event-columns.js';

/** The columns of a stored error event; times are unix milliseconds, `data` the event object. */
export type ErrorEventRecord = ErrorEventColumns<number, JsonObject>;

/** Inputs of extraction besides the event itself. */
export interface ExtractInput {
  projectId: number;
  event: SentryEvent;
  hashes: string[];
  title: string;
  culprit: string;
  /** Days to keep the row (ClickHouse TTL); default 90, Relay's `eventRetention` default. */
  retentionDays?: number;
}

const HEX32 = /^[0-9a-f]{32}$/;

function hex32(value: unknown): string {
  const s = asString(value)?.replace(/-/g, '').toLowerCase();
  return s && HEX32.test(s) ? s : '';
}

/** Normalized tags are `[key, value]` pairs; objects are accepted for robustness. */
export function tagPairs(tags: SentryEvent['tags']): Array<[string, string]> {
  if (Array.isArray(tags)) {
    const out: Array<[string, string]> = [];
    for (const pair of tags) {
      const p = asArray(pair);
      const k = asString(p?.[0]);
      const v = p?.[1];
      if (k !== undefined && v !== undefined && v !== null) out.push([k, stringify(v)]);
    }
    return out;
  }
  if (isJsonObject(tags)) {
    return Object.entries(tags)
      .filter((e): e is [string, JsonValue] => e[1] !== undefined && e[1] !== null)
      .map(([k, v]) => [k, stringify(v)]);
  }
  return [];
}

/** Snuba's stringification of flag results and tag values: booleans as true/false, objects as JSON. */
function stringify(value: JsonValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Sentry's `sentry:user` tag value: the first of id, email, username, ip with its prefix. */
export function userTag(user: SentryEvent['user']): string {
  if (!user) return '';
  if (user.id !== undefined && user.id !== null && user.id !== '') return `id:${String(user.id)}`;
  if (user.email) return `email:${user.email}`;
  if (user.username) return `username:${user.username}`;
  if (user.ip_address) return `ip:${user.ip_address}`;
  return '';
}

function exceptions(event: SentryEvent): ExceptionValue[] {
  return (event.exception?.values ?? []).filter(isJsonObject) as ExceptionValue[];
}

/** The text free-text search runs on: the formatted message, else the exceptions' `type: value`. */
function searchMessage(event: SentryEvent): string {
  const logentry = asObject(event.logentry);
  const formatted = asString(logentry?.formatted) ?? asString(logentry?.message);
  const excs = exceptions(event).map((e) => [e.type, e.value].filter(Boolean).join(': '));
  return [formatted, ...excs].filter((s): s is string => !!s).join('\n');
}

function handledFlag(excs: ExceptionValue[]): 0 | 1 | null {
  const flags = excs.map((e) => e.mechanism?.handled).filter((h): h is boolean => typeof h === 'boolean');
  if (flags.length === 0) return null;
  return flags.includes(false) ? 0 : 1;
}

/** Context fields Sentry promotes to tags (`src/sentry/event_manager.py`, context `to_tags`). */
function contextTags(contexts: JsonObject | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const add = (ctxName: string, tag: string, withVersion: boolean): void => {
    const ctx = asObject(contexts?.[ctxName]);
    const name = asString(ctx?.name) ?? asString(ctx?.family);
    if (!name) return;
    const version = asString(ctx?.version);
    out.push([`${tag}.name`, name]);
    out.push([tag, withVersion && version ? `${name} ${version}` : name]);
  };
  add('browser', 'browser', true);
  add('os', 'os', true);
  add('client_os', 'client_os', true);
  add('runtime', 'runtime', true);
  const device = asObject(contexts?.device);
  const model = asString(device?.model);
  const family = asString(device?.family);
  if (model) out.push(['device', model]);
  if (family) out.push(['device.family', family]);
  return out;
}

/**
 * Builds the row of one error event. Tags are the event's own plus the ones Sentry
 * derives (level, environment, release, dist, logger, transaction, url, user, handled,
 * mechanism, browser/os/runtime/device); an event's own tag wins on a key clash.
 */
export function extractErrorRecord(input: ExtractInput): ErrorEventRecord {
  const { event } = input;
  const excs = exceptions(event);
  const user = event.user ?? {};
  const contexts = asObject(event.contexts);
  const trace = asObject(contexts?.trace);
  const replay = asObject(contexts?.replay);
  const own = tagPairs(event.tags);
  const ownKeys = new Set(own.map(([k]) => k));
  const handled = handledFlag(excs);
  const mechanism = excs.map((e) => e.mechanism?.type).find((t): t is string => !!t);
  const derived: Array<[string, string | undefined]> = [
    ['level', event.level],
    ['environment', event.environment],
    ['release', event.release],
    ['dist', event.dist],
    ['logger', event.logger],
    ['transaction', event.transaction],
    ['url', asString(event.request?.url)],
    ['user', userTag(event.user)],
    ['handled', handled === null ? undefined : handled ? 'yes' : 'no'],
    ['mechanism', mechanism],
    ...contextTags(contexts),
  ];
  const tags = [...own];
  for (const [k, v] of derived) if (v && !ownKeys.has(k)) tags.push([k, v]);
  const flags: Array<[string, string]> = [];
  for (const f of asArray(asObject(contexts?.flags)?.values) ?? []) {
    const flag = asObject(f);
    const name = asString(flag?.flag);
    if (name !== undefined && flag && flag.result !== undefined) flags.push([name, stringify(flag.result)]);
  }
  const timestamp = typeof event.timestamp === 'number' ? event.timestamp : (event.received ?? 0);
  return {
    project_id: input.projectId,
    timestamp: Math.round(timestamp * 1000),
    event_id: event.event_id ?? '',
    primary_hash: input.hashes[0] ?? '',
    received: Math.round((event.received ?? timestamp) * 1000),
    type: event.type ?? 'default',
    level: event.level ?? 'error',
    platform: event.platform ?? 'other',
    logger: event.logger ?? '',
    release: event.release ?? '',
    dist: event.dist ?? '',
    environment: event.environment ?? '',
    transaction: event.transaction ?? '',
    message: searchMessage(event),
    title: input.title,
    culprit: input.culprit,
    user_id: user.id === undefined || user.id === null ? '' : String(user.id),
    user_email: user.email ?? '',
    user_username: user.username ?? '',
    user_ip: user.ip_address ?? '',
    user: userTag(event.user),
    sdk_name: event.sdk?.name ?? '',
    sdk_version: event.sdk?.version ?? '',
    trace_id: hex32(trace?.trace_id),
    replay_id: hex32(replay?.replay_id) || hex32(own.find(([k]) => k === 'replayId')?.[1]),
    exception_types: excs.map((e) => e.type ?? ''),
    exception_values: excs.map((e) => e.value ?? ''),
    handled,
    'tags.key': tags.map(([k]) => k),
    'tags.value': tags.map(([, v]) => v),
    'flags.key': flags.map(([k]) => k),
    'flags.value': flags.map(([, v]) => v),
    // The stored event carries the derived tags too, as Sentry's event JSON does.
    data: { ...event, tags },
    retention_days: input.retentionDays ?? 90,
  };
}
