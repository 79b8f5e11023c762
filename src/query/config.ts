/**
 * Search configuration: which keys are typed (numeric, duration, date, …), which parser
 * validations are on, and how the semantic layer maps keys and `is:` values. It merges the
 * frontend parser config (`defaultConfig` in `static/app/components/searchSyntax/parser.tsx`)
 * and the backend `SearchConfig` (`src/sentry/api/event_search.py`), since both the token parse
 * and the filter conversion depend on key types. Reference: reference/sentry-semantics.md
 * §1.4–§1.5, §2.1.
 */
import type { InvalidReason } from './tokens.js';

/** A value an `is:` translation produces: a group attribute value (string) or a flag (boolean). */
export type IsTranslationValue = string | boolean;

/** The fully resolved configuration every parse and conversion runs with. */
export interface SearchConfig {
  /** Keys whose values parse as numbers (`key:>5`, `key:[1,2]`, `5k`). */
  numericKeys: ReadonlySet<string>;
  /** Keys whose values parse as durations (`1.5s` → 1500 ms). */
  durationKeys: ReadonlySet<string>;
  /** Keys whose values parse as sizes (`10kib` → bytes). */
  sizeKeys: ReadonlySet<string>;
  /** Keys (and aggregate functions such as `failure_rate`) whose values parse as percentages. */
  percentageKeys: ReadonlySet<string>;
  /** Keys whose values parse as dates (ISO 8601 or relative `-24h`). */
  dateKeys: ReadonlySet<string>;
  /** Keys whose values parse as booleans (`true|false|1|0`). */
  booleanKeys: ReadonlySet<string>;
  /** Text keys that accept comparison operators (`release.version:>1.2.3`). */
  textOperatorKeys: ReadonlySet<string>;
  /**
   * When true, `measurements.*` keys are numeric (durations for the known web-vital/app-start
   * measurements) and `spans.*` keys are durations, as in Discover (parser.tsx `keyValidation`).
   */
  typedMeasurements: boolean;

  /** Parse `key://pattern//` as a regex filter; otherwise the `//…//` text is a literal value. */
  allowRegex: boolean;
  /** Mark free text invalid. */
  disallowFreeText: boolean;
  /** Mark negated filters invalid. */
  disallowNegation: boolean;
  /** Mark stray parentheses invalid. */
  disallowParens: boolean;
  /** Mark `*` in free text and text values invalid. */
  disallowWildcard: boolean;
  /** Logical operators marked invalid. */
  disallowedLogicalOperators: ReadonlySet<'AND' | 'OR'>;
  /** With `supportedTags`, mark filters on keys outside `supportedTags` invalid. */
  validateKeys: boolean;
  /** Known keys (only the key set matters) for `validateKeys`. */
  supportedTags: Readonly<Record<string, unknown>> | null;
  /** Messages of the invalid reasons (defaults are Sentry's). */
  invalidMessages: Readonly<Record<InvalidReason, string>>;
  /** "Now" for relative dates and the example date in messages. Default: the real time of the parse. */
  now: Date | null;

  /** Key aliases: canonical key → the alias keys that mean it (backend `key_mappings`). */
  keyMappings: Readonly<Record<string, readonly string[]>>;
  /** `is:<value>` → `[key, value]` (backend `is_filter_translation`); empty disables `is:`. */
  isFilterTranslation: Readonly<Record<string, readonly [string, IsTranslationValue]>>;
  /** Allow `AND` / `OR` and parenthesised groups (issue search: false). */
  allowBoolean: boolean;
  /** Allow aggregate filters such as `count():>10` (issue search: false). */
  allowAggregates: boolean;
  /** When non-empty, only these keys may be filtered on. */
  allowedKeys: ReadonlySet<string>;
  /** Keys that may not be filtered on. */
  blockedKeys: ReadonlySet<string>;
  /** The key free text searches (`message`). */
  freeTextKey: string;
  /** Wrap free text as `*text*` (substring match) unless it already starts or ends with `*`. */
  wrapFreeText: boolean;
}

/**
 * What callers may override: any subset, with plain arrays/objects accepted for the sets;
 * `invalidMessages` is merged over the defaults (like the fixtures' `additionalConfig`).
 */
export interface SearchConfigInput {
  numericKeys?: Iterable<string>;
  durationKeys?: Iterable<string>;
  sizeKeys?: Iterable<string>;
  percentageKeys?: Iterable<string>;
  dateKeys?: Iterable<string>;
  booleanKeys?: Iterable<string>;
  textOperatorKeys?: Iterable<string>;
  typedMeasurements?: boolean;
  allowRegex?: boolean;
  disallowFreeText?: boolean;
  disallowNegation?: boolean;
  disallowParens?: boolean;
  disallowWildcard?: boolean;
  disallowedLogicalOperators?: Iterable<'AND' | 'OR'>;
  validateKeys?: boolean;
  supportedTags?: Readonly<Record<string, unknown>> | null;
  invalidMessages?: Partial<Record<InvalidReason, string>>;
  now?: Date | null;
  keyMappings?: Readonly<Record<string, readonly string[]>>;
  isFilterTranslation?: Readonly<Record<string, readonly [string, IsTranslationValue]>>;
  allowBoolean?: boolean;
  allowAggregates?: boolean;
  allowedKeys?: Iterable<string>;
  blockedKeys?: Iterable<string>;
  freeTextKey?: string;
  wrapFreeText?: boolean;
}

/**
 * Sentry's default invalid-reason messages (parser.tsx `defaultConfig.invalidMessages`).
 * `invalid-key` and `invalid-date-format` are built per filter (they name the key or an example
 * date), so their entries here are only fallbacks.
 */
export const DEFAULT_INVALID_MESSAGES: Readonly<Record<InvalidReason, string>> = {
  'free-text-not-allowed': 'Free text is not supported in this search',
  'wildcard-not-allowed': 'Wildcards not supported in search',
  'logic-or-not-allowed': 'The OR operator is not allowed in this search',
  'logic-and-not-allowed': 'The AND operator is not allowed in this search',
  'must-be-quoted': 'Quotes must enclose text or be escaped',
  'negation-not-allowed': 'Negation is not allowed in this search.',
  'filter-must-have-value': 'Filter must have a value',
  'invalid-boolean': 'Invalid boolean. Expected true, 1, false, or 0.',
  'invalid-file-size': 'Invalid file size. Expected number followed by file size unit suffix',
  'invalid-number': 'Invalid number. Expected number then optional k, m, or b suffix (e.g. 500k)',
  'empty-parameter-not-allowed': 'Function parameters should not have empty values',
  'empty-value-in-list-not-allowed': 'Lists should not have empty values',
  'parens-not-allowed': 'Parentheses are not supported in this search',
  'invalid-key': 'Invalid key',
  'invalid-duration': 'Invalid duration. Expected number followed by duration unit suffix',
  'invalid-date-format': 'Invalid date format',
  'regex-pattern-too-long':
    'Regex patterns are limited to 64 characters. To search for a literal value that starts with //, quote it: "//..."',
  'aggregate-filter-incomplete': 'Aggregate filter is incomplete.',
};

/**
 * The default configuration: Sentry's frontend default typed keys (which include the issue
 * aliases `firstSeen`, `lastSeen`, `event.timestamp`) joined with the backend `default_config`
 * (`error.received`, `error.main_thread`, `is_application`), booleans and aggregates allowed,
 * no `is:` translations, free text on `message`.
 */
export const DEFAULT_SEARCH_CONFIG: SearchConfig = {
  numericKeys: new Set([
    'project_id',
    'project.id',
    'issue.id',
    'stack.colno',
    'stack.lineno',
    'stack.stack_level',
    'transaction.duration',
  ]),
  durationKeys: new Set(['transaction.duration']),
  sizeKeys: new Set(),
  percentageKeys: new Set(['percentage', 'failure_rate']),
  dateKeys: new Set([
    'start',
    'end',
    'firstSeen',
    'lastSeen',
    'last_seen()',
    'time',
    'event.timestamp',
    'timestamp',
    'timestamp.to_hour',
    'timestamp.to_day',
    'error.received',
  ]),
  booleanKeys: new Set([
    'error.handled',
    'error.unhandled',
    'error.main_thread',
    'stack.in_app',
    'is_application',
    'team_key_transaction',
  ]),
  textOperatorKeys: new Set(['release.version', 'release.build', 'release.package', 'release.stage']),
  typedMeasurements: true,
  allowRegex: false,
  disallowFreeText: false,
  disallowNegation: false,
  disallowParens: false,
  disallowWildcard: false,
  disallowedLogicalOperators: new Set(),
  validateKeys: false,
  supportedTags: null,
  invalidMessages: DEFAULT_INVALID_MESSAGES,
  now: null,
  keyMappings: {},
  isFilterTranslation: {},
  allowBoolean: true,
  allowAggregates: true,
  allowedKeys: new Set(),
  blockedKeys: new Set(),
  freeTextKey: 'message',
  wrapFreeText: true,
};

const setOr = <T>(value: Iterable<T> | undefined, fallback: ReadonlySet<T>): ReadonlySet<T> =>
  value === undefined ? fallback : new Set(value);

/**
 * Returns `base` with `input` applied: given fields replace the base ones, except
 * `invalidMessages`, which is merged key by key. Never throws.
 */
export function resolveSearchConfig(
  input: SearchConfigInput = {},
  base: SearchConfig = DEFAULT_SEARCH_CONFIG,
): SearchConfig {
  return {
    numericKeys: setOr(input.numericKeys, base.numericKeys),
    durationKeys: setOr(input.durationKeys, base.durationKeys),
    sizeKeys: setOr(input.sizeKeys, base.sizeKeys),
    percentageKeys: setOr(input.percentageKeys, base.percentageKeys),
    dateKeys: setOr(input.dateKeys, base.dateKeys),
    booleanKeys: setOr(input.booleanKeys, base.booleanKeys),
    textOperatorKeys: setOr(input.textOperatorKeys, base.textOperatorKeys),
    typedMeasurements: input.typedMeasurements ?? base.typedMeasurements,
    allowRegex: input.allowRegex ?? base.allowRegex,
    disallowFreeText: input.disallowFreeText ?? base.disallowFreeText,
    disallowNegation: input.disallowNegation ?? base.disallowNegation,
    disallowParens: input.disallowParens ?? base.disallowParens,
    disallowWildcard: input.disallowWildcard ?? base.disallowWildcard,
    disallowedLogicalOperators: setOr(input.disallowedLogicalOperators, base.disallowedLogicalOperators),
    validateKeys: input.validateKeys ?? base.validateKeys,
    supportedTags: input.supportedTags === undefined ? base.supportedTags : input.supportedTags,
    invalidMessages: { ...base.invalidMessages, ...input.invalidMessages },
    now: input.now === undefined ? base.now : input.now,
    keyMappings: input.keyMappings ?? base.keyMappings,
    isFilterTranslation: input.isFilterTranslation ?? base.isFilterTranslation,
    allowBoolean: input.allowBoolean ?? base.allowBoolean,
    allowAggregates: input.allowAggregates ?? base.allowAggregates,
    allowedKeys: setOr(input.allowedKeys, base.allowedKeys),
    blockedKeys: setOr(input.blockedKeys, base.blockedKeys),
    freeTextKey: input.freeTextKey ?? base.freeTextKey,
    wrapFreeText: input.wrapFreeText ?? base.wrapFreeText,
  };
}

/** Returns the canonical key for `key` under the config's `keyMappings` (the key itself when unmapped). */
export function canonicalKey(config: SearchConfig, key: string): string {
  for (const [target, aliases] of Object.entries(config.keyMappings)) {
    if (aliases.includes(key)) return target;
  }
  return key;
}

// Measurements Sentry types as durations (static/app/utils/discover/fields.tsx MEASUREMENT_FIELDS);
// any other `measurements.*` is a plain number.
const DURATION_MEASUREMENTS = new Set([
  'fp',
  'fcp',
  'lcp',
  'fid',
  'inp',
  'ttfb',
  'ttfb.requesttime',
  'app_start_cold',
  'app_start_warm',
  'time_to_initial_display',
  'time_to_full_display',
  'stall_total_time',
  'stall_longest_time',
]);

const isMeasurement = (key: string): boolean => key.startsWith('measurements.');
const isSpanOpBreakdown = (key: string): boolean => key.startsWith('spans.');

const inSet = (config: SearchConfig, set: ReadonlySet<string>, key: string): boolean =>
  set.has(key) || set.has(canonicalKey(config, key));

/** Key typing predicates shared by the parser and the semantic layer (parser.tsx `keyValidation`). */
export const keyTypes = {
  /** Numeric keys, including typed measurements / span breakdowns when enabled. */
  isNumeric(config: SearchConfig, key: string): boolean {
    return (
      inSet(config, config.numericKeys, key) ||
      (config.typedMeasurements && (isMeasurement(key) || isSpanOpBreakdown(key)))
    );
  },
  /** Duration keys, including duration measurements / span breakdowns when enabled. */
  isDuration(config: SearchConfig, key: string): boolean {
    return (
      inSet(config, config.durationKeys, key) ||
      (config.typedMeasurements &&
        (isSpanOpBreakdown(key) ||
          (isMeasurement(key) && DURATION_MEASUREMENTS.has(key.slice('measurements.'.length).toLowerCase()))))
    );
  },
  /** Size keys. */
  isSize(config: SearchConfig, key: string): boolean {
    return inSet(config, config.sizeKeys, key);
  },
  /** Date keys. */
  isDate(config: SearchConfig, key: string): boolean {
    return inSet(config, config.dateKeys, key);
  },
  /** Boolean keys. */
  isBoolean(config: SearchConfig, key: string): boolean {
    return inSet(config, config.booleanKeys, key);
  },
  /** Percentage keys / functions. */
  isPercentage(config: SearchConfig, key: string): boolean {
    return inSet(config, config.percentageKeys, key);
  },
  /** Text keys that take comparison operators. */
  isTextOperator(config: SearchConfig, key: string): boolean {
    return inSet(config, config.textOperatorKeys, key);
  },
};
