/**
 * The built-in rules the legacy data-scrubbing settings use, with Relay's rule ids (which end up
 * in `_meta` remarks) and redactions.
 *
 * Follows `relay-pii/src/builtin.rs` (`@common:filter` and the `:filter` / `:replace` / `:legacy`
 * variants), `relay-pii/src/regexes.rs` (`get_regex_for_rule_type`: which patterns match keys,
 * values or both) and `relay-pii/src/convert.rs` (`strip-fields`). reference/relay-protocol.md §9.2.
 */
import {
  ANYTHING,
  BEARER,
  CREDITCARD,
  EMAIL,
  IBAN,
  IPV4,
  IPV6,
  PASSWORD_KEY,
  PEM_KEY,
  TOKEN_KEY,
  URL_AUTH_LEGACY,
  US_SSN,
  USER_PATH,
  type Pattern,
  type ReplaceBehavior,
} from './patterns.js';

/**
 * What a rule does with what it matched (Relay's `Redaction`, with `default` resolved to
 * `remove`): `replace` puts `text` in its place (remark `s`), `remove` drops it (`x`), `mask`
 * overwrites every character with `*` (`m`), `hash` puts the uppercase hex HMAC-SHA1 of the
 * matched text with an empty key in its place (`p`).
 */
export type Redaction =
  { kind: 'replace'; text: string } | { kind: 'remove' } | { kind: 'mask' } | { kind: 'hash' };

/**
 * One way a rule matches:
 * - `value`: the regex runs on the string, matches are redacted per `behavior`;
 * - `key`: the key is tested; a match redacts the whole value (containers are removed);
 * - `keyValue`: like `key`, and when the key does not match the value is tested too and
 *   replaced whole on a match (Relay's `PatternType::KeyValue`).
 */
export type RuleMatcher =
  | { kind: 'value'; pattern: Pattern; behavior: ReplaceBehavior }
  | { kind: 'key'; regex: RegExp }
  | { kind: 'keyValue'; regex: RegExp };

/** A compiled rule: its id as shown in remarks, how it matches and how it redacts. */
export interface Rule {
  id: string;
  /** `anything` rules redact every value they are applied to (containers: removed). */
  anything: boolean;
  matchers: readonly RuleMatcher[];
  redaction: Redaction;
}

const FILTERED = '[Filtered]';
const replace = (text: string): Redaction => ({ kind: 'replace', text });
const match: ReplaceBehavior = { kind: 'groups', groups: [0] };
const group = (n: number): ReplaceBehavior => ({ kind: 'groups', groups: [n] });

function valueRule(id: string, pattern: Pattern, behavior: ReplaceBehavior, redaction: Redaction): Rule {
  return { id, anything: false, matchers: [{ kind: 'value', pattern, behavior }], redaction };
}

/**
 * `@password:filter`: `Bearer` tokens in values, `token` keys, and password-like keys (or
 * values that contain a password-like word, which are replaced whole).
 */
export const PASSWORD_FILTER: Rule = {
  id: '@password:filter',
  anything: false,
  matchers: [
    { kind: 'value', pattern: BEARER, behavior: match },
    { kind: 'key', regex: TOKEN_KEY },
    { kind: 'keyValue', regex: PASSWORD_KEY },
  ],
  redaction: replace(FILTERED),
};

/** The members of `@common:filter`, in Relay's order. */
export const COMMON_FILTER: readonly Rule[] = [
  valueRule('@creditcard:filter', CREDITCARD, match, replace(FILTERED)),
  valueRule('@iban:filter', IBAN, match, replace(FILTERED)),
  valueRule('@pemkey:filter', PEM_KEY, group(1), replace(FILTERED)),
  valueRule('@urlauth:legacy', URL_AUTH_LEGACY, group(2), replace(FILTERED)),
  valueRule('@userpath:filter', USER_PATH, group(1), replace(FILTERED)),
  PASSWORD_FILTER,
  valueRule('@usssn:filter', US_SSN, match, replace(FILTERED)),
];

/** `@ip:replace`: IPv4 and IPv6 addresses → `[ip]`. */
export const IP_REPLACE: Rule = {
  id: '@ip:replace',
  anything: false,
  matchers: [
    { kind: 'value', pattern: IPV4, behavior: match },
    { kind: 'value', pattern: IPV6, behavior: group(1) },
  ],
  redaction: replace('[ip]'),
};

/** Replace-only rules for fields the filters must not destroy (`$logentry.formatted`, …). */
export const REPLACE_ONLY: readonly Rule[] = [
  valueRule('@email:replace', EMAIL, match, replace('[email]')),
  valueRule('@creditcard:replace', CREDITCARD, match, replace('[creditcard]')),
  valueRule('@iban:replace', IBAN, match, replace('[iban]')),
  valueRule('@usssn:replace', US_SSN, match, replace('[us-ssn]')),
  valueRule('@bearer:replace', BEARER, match, replace('Bearer [token]')),
];

/** `@anything:remove`: removes the value. */
export const ANYTHING_REMOVE: Rule = {
  id: '@anything:remove',
  anything: true,
  matchers: [],
  redaction: { kind: 'remove' },
};

/** `@anything:filter`: replaces the whole value with `[Filtered]`. */
export const ANYTHING_FILTER: Rule = {
  id: '@anything:filter',
  anything: true,
  matchers: [{ kind: 'value', pattern: ANYTHING, behavior: match }],
  redaction: replace(FILTERED),
};

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/**
 * The `strip-fields` rule for `sensitiveFields`: Relay's `redact_pair` with a case-insensitive,
 * unanchored alternation of the escaped, trimmed, non-empty names. Like every `redact_pair`
 * rule it matches keys and values: a value containing a name is filtered whole (current Relay,
 * `relay-pii/src/regexes.rs`; getsentry/relay#6264, which proposed keys only, was closed in
 * favour of documenting this in #6267). Returns `undefined` when no name remains.
 */
export function sensitiveFieldsRule(fields: readonly string[]): Rule | undefined {
  const names = fields.map((f) => f.trim()).filter((f) => f !== '');
  if (names.length === 0) return undefined;
  const regex = new RegExp(names.map(escapeRegex).join('|'), 'i');
  return {
    id: 'strip-fields',
    anything: false,
    matchers: [{ kind: 'keyValue', regex }],
    redaction: replace(FILTERED),
  };
}
