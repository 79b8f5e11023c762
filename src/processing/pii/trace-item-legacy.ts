/**
 * The legacy data scrubbing settings as the PII config they stand for, for trace items (logs,
 * trace metrics, v2 spans). Relay turns the settings into a `PiiConfig` (`to_pii_config` in
 * `relay-pii/src/convert.rs`) and runs it with the same processor as the advanced config
 * (`relay-pii/src/eap.rs`), so the trace-item scrubber runs {@link AdvancedScrubber} with this
 * config over the item, its attributes seen as values directly under their names.
 *
 * The applications, in Relay's order (reference/relay-protocol.md §9.1):
 * 1. the general rules (`@common:filter`, `@ip:replace`, `strip-fields`) on
 *    `($string || $number || $array || $object)`, minus `DATASCRUBBER_IGNORE` (whose event paths
 *    never occur in a trace item, and the `gen_ai.*` attributes, which only get the
 *    replace-only rules) and minus each safe field;
 * 2. `@anything:remove` on `attributes.'client.address'` when IP addresses are scrubbed
 *    (`KNOWN_IP_FIELDS`);
 * 3. the replace-only rules (`@email:replace`, `@creditcard:replace`, …) on `$log.body` and the
 *    gen-AI/MCP attributes;
 * 4. `@anything:filter` on the sensitive cookies of `http.request.header.cookie` attributes.
 *
 * The gen-AI/MCP list is the one the event scrubber uses for span data; of it, Relay exempts the
 * `gen_ai.*` names from the general rules but not the MCP ones (the
 * `replace_fields_applies_to_mcp_attributes` snapshot in `relay-pii/src/convert.rs` has
 * `@creditcard:filter` in `mcp.prompt.result`).
 */
import type { CompiledApplication, CompiledPiiConfig } from './pii-config.js';
import { ANYTHING_FILTER, ANYTHING_REMOVE, REPLACE_ONLY } from './rules.js';
import { COOKIE_HEADER_KEY, GEN_AI_KEYS, SENSITIVE_COOKIES } from './scrub-event.js';
import { parseSelectorOrThrow, type Selector } from './selectors.js';
import type { CompiledScrubbing } from './settings.js';

/** `'<key>'`: a quoted selector key (selectors quote with `'`, doubled inside). */
function quoted(key: string): string {
  return `'${key.replace(/'/g, "''")}'`;
}

function anyOf(keys: Iterable<string>): string {
  return [...keys].map(quoted).join(' || ');
}

const GENERAL_TYPES: Selector = parseSelectorOrThrow('$string || $number || $array || $object');

const IGNORED: Selector = parseSelectorOrThrow(
  `debug_meta.** || $frame.filename || $frame.abs_path || $logentry.formatted || $error.value || ${anyOf(
    [...GEN_AI_KEYS].filter((key) => key.startsWith('gen_ai.')),
  )}`,
);

const KNOWN_IP_FIELDS: Selector = parseSelectorOrThrow(`attributes.${quoted('client.address')}`);

const REPLACE_ONLY_FIELDS: Selector = parseSelectorOrThrow(`$log.body || ${anyOf(GEN_AI_KEYS)}`);

const SENSITIVE_COOKIE_FIELDS: Selector = parseSelectorOrThrow(
  anyOf([COOKIE_HEADER_KEY, ...[...SENSITIVE_COOKIES].map((name) => `${COOKIE_HEADER_KEY}.${name}`)]),
);

const compiled = new WeakMap<CompiledScrubbing, CompiledPiiConfig>();

/**
 * The legacy part of `config` as a PII config for trace items (see the module comment).
 * Memoized per compiled settings object.
 */
export function traceItemLegacyConfig(config: CompiledScrubbing): CompiledPiiConfig {
  let result = compiled.get(config);
  if (result) return result;
  const applications: CompiledApplication[] = [];
  if (config.general.length > 0) {
    const parts: Selector[] = [GENERAL_TYPES, { kind: 'not', inner: IGNORED }];
    for (const exclusion of config.exclusions) parts.push({ kind: 'not', inner: exclusion });
    applications.push({ selector: { kind: 'and', parts }, rules: config.general });
  }
  if (config.removeKnownIps) applications.push({ selector: KNOWN_IP_FIELDS, rules: [ANYTHING_REMOVE] });
  if (config.replaceOnly) applications.push({ selector: REPLACE_ONLY_FIELDS, rules: REPLACE_ONLY });
  if (config.sensitiveCookies)
    applications.push({ selector: SENSITIVE_COOKIE_FIELDS, rules: [ANYTHING_FILTER] });
  result = { applications };
  compiled.set(config, result);
  return result;
}
