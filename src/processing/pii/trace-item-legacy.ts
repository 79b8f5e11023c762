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
 *    never occur in a trace item; for trace items it is the `gen_ai.*` attributes, which only
 *    get the replace-only rules) and minus each safe field;
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

/** The gen-AI names exempt from the general rules (lower-cased, as selectors compare keys). */
const GENERAL_EXEMPT: ReadonlySet<string> = new Set(
  [...GEN_AI_KEYS].filter((key) => key.startsWith('gen_ai.')),
);

/** Attribute names (lower-cased) the replace-only rules name. */
const REPLACE_ONLY_KEYS: ReadonlySet<string> = new Set(GEN_AI_KEYS);

/** Attribute names (lower-cased) holding sensitive cookies. */
const SENSITIVE_COOKIE_KEYS: ReadonlySet<string> = new Set([
  COOKIE_HEADER_KEY,
  ...[...SENSITIVE_COOKIES].map((name) => `${COOKIE_HEADER_KEY}.${name}`),
]);

const CLIENT_ADDRESS = 'client.address';

/** `'<key>'`: a quoted selector key (selectors quote with `'`, doubled inside). */
function quoted(key: string): string {
  return `'${key.replace(/'/g, "''")}'`;
}

const GENERAL_TYPES: Selector = parseSelectorOrThrow('$string || $number || $array || $object');
const KNOWN_IP_FIELDS: Selector = parseSelectorOrThrow(`attributes.${quoted(CLIENT_ADDRESS)}`);
const LOG_BODY: Selector = parseSelectorOrThrow('$log.body');

/** The selector `'<key>'` for one attribute name. */
function keySelector(key: string): Selector {
  return { kind: 'path', items: [{ kind: 'key', key }] };
}

/**
 * True when the general rules pass the attribute by whatever its pii mark (`DATASCRUBBER_IGNORE`
 * for trace items: the `gen_ai.*` names). `lowerKey` is the attribute name lower-cased.
 */
export function exemptFromGeneralRules(lowerKey: string): boolean {
  return GENERAL_EXEMPT.has(lowerKey);
}

/** The general application of `config` (memoized per compiled settings). */
const generalApplications = new WeakMap<CompiledScrubbing, CompiledApplication | null>();

function generalApplication(config: CompiledScrubbing): CompiledApplication | null {
  let application = generalApplications.get(config);
  if (application !== undefined) return application;
  application = null;
  if (config.general.length > 0) {
    const exclusions: Selector[] = config.exclusions.map((inner) => ({ kind: 'not', inner }));
    const selector: Selector =
      exclusions.length === 0 ? GENERAL_TYPES : { kind: 'and', parts: [GENERAL_TYPES, ...exclusions] };
    application = { selector, rules: config.general };
  }
  generalApplications.set(config, application);
  return application;
}

/** The configs of items without attributes any special application names, per settings and body. */
const plainConfigs = new WeakMap<
  CompiledScrubbing,
  { body?: CompiledPiiConfig; noBody?: CompiledPiiConfig }
>();

/**
 * The legacy part of `config` as a PII config for one trace item (see the module comment), for
 * an item with a body or not and attribute names `lowerKeys` (lower-cased). The built-in
 * applications name fixed paths; only those the item has are included, so the walk does not
 * test every value against every name (the result is the same). The general rules' exemption of
 * `gen_ai.*` names is left to the caller, who walks those values as pii `maybe`
 * ({@link exemptFromGeneralRules}): `maybe` values are out of the general selector's reach.
 */
export function traceItemLegacyConfig(
  config: CompiledScrubbing,
  hasBody: boolean,
  lowerKeys: Iterable<string>,
): CompiledPiiConfig {
  let clientAddress = false;
  const replaceOnly: Selector[] = [];
  const cookies: Selector[] = [];
  for (const key of lowerKeys) {
    if (key === CLIENT_ADDRESS) clientAddress = true;
    if (REPLACE_ONLY_KEYS.has(key)) replaceOnly.push(keySelector(key));
    if (SENSITIVE_COOKIE_KEYS.has(key)) cookies.push(keySelector(key));
  }
  const plain = !clientAddress && replaceOnly.length === 0 && cookies.length === 0;
  let cached = plain ? plainConfigs.get(config) : undefined;
  const hit = cached && (hasBody ? cached.body : cached.noBody);
  if (hit) return hit;

  const applications: CompiledApplication[] = [];
  const general = generalApplication(config);
  if (general) applications.push(general);
  if (config.removeKnownIps && clientAddress)
    applications.push({ selector: KNOWN_IP_FIELDS, rules: [ANYTHING_REMOVE] });
  if (config.replaceOnly) {
    if (hasBody) replaceOnly.unshift(LOG_BODY);
    if (replaceOnly.length > 0) {
      const selector: Selector =
        replaceOnly.length === 1 ? replaceOnly[0]! : { kind: 'or', parts: replaceOnly };
      applications.push({ selector, rules: REPLACE_ONLY });
    }
  }
  if (config.sensitiveCookies && cookies.length > 0) {
    const selector: Selector = cookies.length === 1 ? cookies[0]! : { kind: 'or', parts: cookies };
    applications.push({ selector, rules: [ANYTHING_FILTER] });
  }
  const result: CompiledPiiConfig = { applications };
  if (plain) {
    cached ??= {};
    if (hasBody) cached.body = result;
    else cached.noBody = result;
    plainConfigs.set(config, cached);
  }
  return result;
}
