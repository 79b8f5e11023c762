/**
 * The `event.*` getter generic filters read events through, following Relay's
 * `impl Getter for Event` (`relay-event-schema/src/protocol/event.rs`) and the exception getter
 * (`ty`, `value`) behind the `event.exception.values` collection.
 */
import {
  asArray,
  asObject,
  asString,
  isJsonObject,
  type JsonObject,
  type JsonValue,
} from '../../protocol/json.js';
import type { Getter, GetterValue } from './condition.js';
import { getHeader } from '../normalize/request.js';
import { lenientString } from './fields.js';

function scalar(value: JsonValue | undefined): GetterValue | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return undefined;
}

/** `undefined` for empty strings (Relay's `or_none`). */
function nonEmpty(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function tagValue(tags: JsonValue | undefined, key: string): string | undefined {
  if (Array.isArray(tags)) {
    for (const pair of tags) {
      if (Array.isArray(pair) && pair[0] === key) return asString(pair[1]);
    }
    return undefined;
  }
  return isJsonObject(tags) ? asString(tags[key]) : undefined;
}

/** Context fields generic filters may read (`Getter for Event`, "partial implementation"). */
const CONTEXT_FIELDS: ReadonlySet<string> = new Set([
  'app.in_foreground',
  'device.arch',
  'device.battery_level',
  'device.brand',
  'device.charging',
  'device.family',
  'device.model',
  'device.locale',
  'device.online',
  'device.orientation',
  'device.name',
  'device.screen_density',
  'device.screen_dpi',
  'device.screen_width_pixels',
  'device.screen_height_pixels',
  'device.simulator',
  'device.uuid',
  'os.build',
  'os.kernel_version',
  'os.name',
  'os.version',
  'browser.name',
  'browser.version',
  'profile.profile_id',
  'trace.status',
  'trace.op',
  'response.status_code',
  'unreal.crash_type',
]);

/**
 * Splits a release `package@version+build` the way Sentry's release parser does for the
 * `release.*` getter paths (approximation: no validation of the version syntax).
 */
function releaseParts(release: string): { package?: string; versionShort: string; build?: string } {
  const at = release.indexOf('@');
  const pkg = at > 0 ? release.slice(0, at) : undefined;
  const version = at > 0 ? release.slice(at + 1) : release;
  const plus = version.indexOf('+');
  return plus === -1
    ? { package: pkg, versionShort: version }
    : { package: pkg, versionShort: version.slice(0, plus), build: version.slice(plus + 1) };
}

function timestampSeconds(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms / 1000;
  }
  return undefined;
}

function exceptionGetter(exception: JsonObject): Getter {
  return {
    getValue(path) {
      if (path === 'ty') return asString(exception.type);
      if (path === 'value') return asString(exception.value);
      return undefined;
    },
  };
}

/** Walks `extra` by dotted path (Relay's `Event::extra_at`), scalars only. */
function extraAt(extra: JsonValue | undefined, path: string): GetterValue | undefined {
  let current: JsonValue | undefined = extra;
  for (const part of path.split('.')) {
    if (!isJsonObject(current)) return undefined;
    current = current[part];
  }
  return scalar(current);
}

/**
 * The `event.*` getter of Relay's `impl Getter for Event`: simple fields, `user.*`,
 * `request.*`, `sdk.*`, a fixed set of `contexts.*`, `duration` (transactions, ms),
 * `release.{package,build,version.short}`, `measurements.<name>.value`, `breakdowns.<b>.<m>`,
 * `extra.<path>`, `tags.<key>`, `request.headers.<name>`, `logentry.formatted`; and the
 * `event.exception.values` collection (elements expose `ty` and `value`).
 */
export function eventGetter(event: JsonObject): Getter {
  return {
    getValue(path) {
      if (!path.startsWith('event.')) return undefined;
      const field = path.slice('event.'.length);
      const user = asObject(event.user);
      const request = asObject(event.request);
      const sdk = asObject(event.sdk);
      switch (field) {
        case 'level':
        case 'dist':
        case 'environment':
        case 'transaction':
        case 'logger':
          return asString(event[field]);
        case 'release':
          return lenientString(event.release);
        case 'platform':
          return asString(event.platform) ?? 'other';
        case 'user.email':
        case 'user.segment':
          return nonEmpty(user?.[field.slice(5)]);
        case 'user.id':
          return lenientId(user?.id);
        case 'user.ip_address':
        case 'user.name':
          return asString(user?.[field.slice(5)]);
        case 'user.geo.city':
        case 'user.geo.country_code':
        case 'user.geo.region':
        case 'user.geo.subdivision':
          return asString(asObject(user?.geo)?.[field.slice(9)]);
        case 'request.method':
        case 'request.url':
          return asString(request?.[field.slice(8)]);
        case 'transaction.source':
          return asString(asObject(event.transaction_info)?.source);
        case 'sdk.name':
        case 'sdk.version':
          return asString(sdk?.[field.slice(4)]);
        case 'logentry.formatted':
          return asString(asObject(event.logentry)?.formatted);
        case 'duration': {
          if (event.type !== 'transaction') return undefined;
          const start = timestampSeconds(event.start_timestamp);
          const end = timestampSeconds(event.timestamp);
          if (start === undefined || end === undefined || start > end) return undefined;
          return Math.round((end - start) * 1000);
        }
      }
      if (field.startsWith('contexts.')) {
        const rest = field.slice('contexts.'.length);
        if (!CONTEXT_FIELDS.has(rest)) return undefined;
        const dot = rest.indexOf('.');
        const context = asObject(asObject(event.contexts)?.[rest.slice(0, dot)]);
        return scalar(context?.[rest.slice(dot + 1)]);
      }
      if (field.startsWith('release.')) {
        const release = lenientString(event.release);
        if (release === undefined) return undefined;
        const parts = releaseParts(release);
        const rest = field.slice('release.'.length);
        if (rest === 'build') return parts.build;
        if (rest === 'package') return parts.package;
        if (rest === 'version.short') return parts.versionShort;
        return undefined;
      }
      if (field.startsWith('measurements.') && field.endsWith('.value')) {
        const name = field.slice('measurements.'.length, -'.value'.length);
        return scalar(asObject(asObject(event.measurements)?.[name])?.value);
      }
      if (field.startsWith('breakdowns.')) {
        const rest = field.slice('breakdowns.'.length);
        const dot = rest.indexOf('.');
        if (dot === -1) return undefined;
        const breakdown = asObject(asObject(event.breakdowns)?.[rest.slice(0, dot)]);
        return scalar(asObject(breakdown?.[rest.slice(dot + 1)])?.value);
      }
      if (field.startsWith('extra.')) return extraAt(event.extra, field.slice('extra.'.length));
      if (field.startsWith('tags.')) return tagValue(event.tags, field.slice('tags.'.length));
      if (field.startsWith('request.headers.')) {
        return getHeader(request?.headers, field.slice('request.headers.'.length));
      }
      return undefined;
    },
    getIter(path) {
      if (path !== 'event.exception.values') return undefined;
      const values = asArray(asObject(event.exception)?.values);
      return values?.filter(isJsonObject).map(exceptionGetter);
    },
  };
}

/** `user.id` is lenient in Relay (numbers become strings). */
function lenientId(value: JsonValue | undefined): string | undefined {
  const text = lenientString(value);
  return text === '' ? undefined : text;
}
