/**
 * Relay's built-in PII rules by id (`@ip`, `@email:mask`, `@common`, …), as rule specs in the
 * shape of a project's own `piiConfig.rules`, so they resolve exactly like custom rules.
 *
 * Follows `relay-pii/src/builtin.rs` (`BUILTIN_RULES_MAP`), quirks included: `@imei:mask` hashes,
 * `@mac`, `@uuid` and `@usssn` mask by default, `@password` removes, the bare `@<type>` ids are
 * aliases with `hideInner` so remarks name the alias, and `@urlauth:legacy` is Sentry's old
 * `URL_PASSWORD_RE` pattern. reference/relay-protocol.md §9.2.
 */
import type { RedactionSpec, RuleSpec, SimpleRuleType } from './pii-config.js';

const FILTERED = '[Filtered]';

const remove: RedactionSpec = { method: 'remove' };
const mask: RedactionSpec = { method: 'mask' };
const hash: RedactionSpec = { method: 'hash' };
const replace = (text: string): RedactionSpec => ({ method: 'replace', text });
const rule = (type: SimpleRuleType, redaction: RedactionSpec): RuleSpec => ({ type, redaction });
const alias = (target: string): RuleSpec => ({
  type: 'alias',
  rule: target,
  hideInner: true,
  redaction: { method: 'default' },
});

/** `@<name>` → the variant it aliases, `@<name>:<variant>` → the rule (built below). */
const FAMILIES: readonly {
  name: string;
  type: SimpleRuleType;
  byDefault: string;
  variants: Readonly<Record<string, RedactionSpec>>;
}[] = [
  {
    name: 'anything',
    type: 'anything',
    byDefault: 'replace',
    variants: { remove, replace: replace(FILTERED), hash, mask, filter: replace(FILTERED) },
  },
  {
    name: 'ip',
    type: 'ip',
    byDefault: 'replace',
    variants: { replace: replace('[ip]'), hash, mask, remove },
  },
  {
    name: 'imei',
    type: 'imei',
    byDefault: 'replace',
    // Relay's `@imei:mask` is declared with the hash redaction.
    variants: { replace: replace('[imei]'), hash, mask: hash, remove },
  },
  {
    name: 'mac',
    type: 'mac',
    byDefault: 'mask',
    variants: { replace: replace('[mac]'), hash, mask, remove },
  },
  {
    name: 'uuid',
    type: 'uuid',
    byDefault: 'mask',
    variants: { replace: replace('[uuid]'), hash, mask, remove },
  },
  {
    name: 'email',
    type: 'email',
    byDefault: 'replace',
    variants: { replace: replace('[email]'), hash, mask, remove },
  },
  {
    name: 'iban',
    type: 'iban',
    byDefault: 'replace',
    variants: { hash, replace: replace('[iban]'), mask, filter: replace(FILTERED), remove },
  },
  {
    name: 'creditcard',
    type: 'creditcard',
    byDefault: 'replace',
    variants: { hash, replace: replace('[creditcard]'), mask, filter: replace(FILTERED), remove },
  },
  {
    name: 'pemkey',
    type: 'pemkey',
    byDefault: 'replace',
    variants: { replace: replace('[pemkey]'), filter: replace(FILTERED), hash, mask, remove },
  },
  {
    name: 'urlauth',
    type: 'url_auth',
    byDefault: 'replace',
    variants: { replace: replace('[auth]'), hash, mask, remove },
  },
  {
    name: 'usssn',
    type: 'us_ssn',
    byDefault: 'mask',
    variants: { replace: replace('[us-ssn]'), filter: replace(FILTERED), mask, hash, remove },
  },
  {
    name: 'userpath',
    type: 'userpath',
    byDefault: 'replace',
    variants: { replace: replace('[user]'), mask, hash, remove },
  },
  {
    // Relay's bearer-token rules (`RuleType::Bearer`, split out of `@password`).
    name: 'bearer',
    type: 'bearer',
    byDefault: 'replace',
    variants: { replace: replace('Bearer [token]'), remove, mask },
  },
  {
    name: 'password',
    type: 'password',
    byDefault: 'remove',
    variants: { filter: replace(FILTERED), hash, replace: replace('[password]'), mask, remove },
  },
];

function build(): ReadonlyMap<string, RuleSpec> {
  const map = new Map<string, RuleSpec>();
  map.set('@common', {
    type: 'multiple',
    rules: [
      '@iban',
      '@ip',
      '@email',
      '@creditcard',
      '@pemkey',
      '@urlauth',
      '@userpath',
      '@password',
      '@usssn',
    ],
    hideInner: false,
    redaction: { method: 'default' },
  });
  // The legacy data scrubbing equivalent (IP addresses and emails are not filtered).
  map.set('@common:filter', {
    type: 'multiple',
    rules: [
      '@creditcard:filter',
      '@iban:filter',
      '@pemkey:filter',
      '@urlauth:legacy',
      '@userpath:filter',
      '@password:filter',
      '@usssn:filter',
    ],
    hideInner: false,
    redaction: { method: 'default' },
  });
  for (const family of FAMILIES) {
    map.set(`@${family.name}`, alias(`@${family.name}:${family.byDefault}`));
    for (const [variant, redaction] of Object.entries(family.variants)) {
      map.set(`@${family.name}:${variant}`, rule(family.type, redaction));
    }
  }
  map.set('@urlauth:legacy', {
    type: 'pattern',
    pattern: '\\b((?:[a-z0-9]+:)?//[a-zA-Z0-9%_.-]+:)([a-zA-Z0-9%_.-]+)@',
    replaceGroups: [2],
    redaction: replace(FILTERED),
  });
  return map;
}

/** Relay's built-in rules by id. */
export const BUILTIN_RULES: ReadonlyMap<string, RuleSpec> = build();
