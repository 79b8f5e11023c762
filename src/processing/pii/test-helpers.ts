/**
 * Test helpers for the PII scrubber: scrubbing one string under an advanced PII config, the way
 * Relay's `builtin.rs` tests process a `pii = "true"` string field.
 */
import type { SentryEvent } from '../../protocol/event.js';
import { isJsonObject, type JsonValue } from '../../protocol/json.js';
import { scrubEvent } from './scrub-event.js';
import type { DataScrubbingSettings } from './settings.js';

/** Legacy scrubbing off, so only the advanced config acts. */
export const LEGACY_OFF: DataScrubbingSettings = Object.freeze({
  scrubData: false,
  scrubDefaults: false,
  sensitiveFields: [],
  excludeFields: [],
  scrubIpAddresses: false,
});

/** Scrubs `event` with only `piiConfig`. */
export function scrubWithConfig(event: object, piiConfig: unknown): SentryEvent {
  return scrubEvent(event as SentryEvent, { ...LEGACY_OFF, piiConfig });
}

/** Scrubs `input` as the pii string `extra.value`; returns the new value and its remarks. */
export function scrubString(
  input: string,
  piiConfig: unknown,
): { value: JsonValue | undefined; remarks: JsonValue[] } {
  const out = scrubWithConfig({ extra: { value: input } }, piiConfig);
  const extraMeta = isJsonObject(out._meta) && isJsonObject(out._meta.extra) ? out._meta.extra : {};
  const node = isJsonObject(extraMeta.value) && isJsonObject(extraMeta.value['']) ? extraMeta.value[''] : {};
  return {
    value: isJsonObject(out.extra) ? out.extra.value : undefined,
    remarks: Array.isArray(node.rem) ? node.rem : [],
  };
}
