/**
 * Sentry's replay shape (`ReplayDetailsResponse` and `generate_normalized_output` in
 * `src/sentry/replays/post_process.py`): snake_case keys, ids without dashes, `project_id` as a
 * string, `user.display_name` the first of username, email, id and IP, `tags` as a map of value
 * lists, clicks as `click.*` objects, empty strings as `null`. Warnings and infos are not
 * tracked and serialize as empty. `fields` restricts the keys, as Sentry's `field` parameter does.
 */
import type { JsonObject, JsonValue } from '../../../protocol/json.js';
import type { StoredReplay } from '../../../storage/clickhouse/replays.js';
import { isoDateOrNull } from './values.js';

const orNull = (value: string): string | null => (value === '' ? null : value);

/** Serializes one replay; with `fields`, only those keys (unknown ones are `null`). */
export function serializeReplay(replay: StoredReplay, fields: readonly string[] = []): JsonObject {
  const user = {
    id: orNull(replay.user.id),
    username: orNull(replay.user.username),
    email: orNull(replay.user.email),
    ip: orNull(replay.user.ip),
  };
  const tags: Record<string, string[]> = {};
  for (const [key, value] of replay.tags) {
    const values = (tags[key] ??= []);
    if (!values.includes(value)) values.push(value);
  }
  const out: JsonObject = {
    id: replay.replayId,
    project_id: String(replay.projectId),
    trace_ids: replay.traceIds,
    error_ids: replay.errorIds,
    environment: orNull(replay.environment),
    tags,
    user: { ...user, display_name: user.username ?? user.email ?? user.id ?? user.ip },
    sdk: { name: orNull(replay.sdk.name), version: orNull(replay.sdk.version) },
    os: { name: orNull(replay.os.name), version: orNull(replay.os.version) },
    browser: { name: orNull(replay.browser.name), version: orNull(replay.browser.version) },
    device: {
      name: orNull(replay.device.name),
      brand: orNull(replay.device.brand),
      model: orNull(replay.device.model),
      family: orNull(replay.device.family),
    },
    is_archived: false,
    urls: replay.urls,
    clicks: replay.clicks.map((c) => ({
      'click.alt': orNull(c.alt),
      'click.label': orNull(c.ariaLabel),
      'click.classes': c.classes,
      'click.component_name': orNull(c.componentName),
      'click.id': orNull(c.id),
      'click.role': orNull(c.role),
      'click.tag': orNull(c.tag),
      'click.testid': orNull(c.testid),
      'click.text': orNull(c.text),
      'click.title': orNull(c.title),
    })),
    count_dead_clicks: replay.countDeadClicks,
    count_rage_clicks: replay.countRageClicks,
    count_errors: replay.countErrors,
    duration: replay.duration,
    finished_at: isoDateOrNull(replay.finishedAt),
    started_at: isoDateOrNull(replay.startedAt),
    activity: replay.activity,
    count_urls: replay.countUrls,
    replay_type: replay.replayType,
    count_segments: replay.countSegments,
    platform: orNull(replay.platform),
    releases: replay.releases,
    dist: orNull(replay.dist),
    warning_ids: [],
    info_ids: [],
    count_warnings: 0,
    count_infos: 0,
    has_viewed: false,
  };
  if (fields.length === 0) return out;
  return Object.fromEntries(fields.map((f): [string, JsonValue] => [f, out[f] ?? null]));
}
