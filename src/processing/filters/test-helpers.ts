/** Builders for filter tests (Relay's `relay-filter/src/testutils.rs` and per-module helpers). */
import type { JsonObject, JsonValue } from '../../protocol/json.js';
import { defaultFilterSettings, type FilterSettings } from './config.js';
import { eventFilterable, type Filterable } from './filterable.js';

/** An event whose request carries `User-Agent: ua` (`get_event_with_user_agent`). */
export function eventWithUserAgent(ua: string): Filterable {
  return eventFilterable({ request: { headers: [['User-Agent', ua]] } });
}

/** An event with one request header. */
export function eventWithHeader(name: string, value: string): Filterable {
  return eventFilterable({ request: { headers: [[name, value]] } });
}

/** An event of `exception.values` whose first entry is `first`, followed by two empty ones. */
export function eventWithException(first: JsonObject): Filterable {
  return eventFilterable({ exception: { values: [first, {}, {}] } });
}

/** Default settings with some parts replaced. */
export function settingsWith(patch: Partial<FilterSettings>): FilterSettings {
  return { ...defaultFilterSettings(), ...patch };
}

/** A JSON event as the property test builds it. */
export type EventJson = Record<string, JsonValue>;
