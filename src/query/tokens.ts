/**
 * The token tree of a parsed search query, in the exact shape of Sentry's frontend parser
 * (`static/app/components/searchSyntax/parser.tsx`), so the shared fixtures
 * (`fixtures/search-syntax/*.json`) compare against it directly once `location` and `text`
 * are stripped. Reference: reference/sentry-semantics.md §1.5–§1.6.
 *
 * Tokens are *raw*: values keep their escapes (`\"`, `\*`) exactly as typed; the semantic layer
 * (filters.ts) unescapes them.
 */

/** Where a token sits in the query: UTF-16 offsets, `start` inclusive, `end` exclusive. */
export interface TokenLocation {
  start: number;
  end: number;
}

/** Fields every token carries: its raw source text and location (the fixtures strip both). */
export interface TokenBase {
  text: string;
  location: TokenLocation;
}

/** Comparison operators a filter may carry (`''` = none typed), Sentry's `TermOperator`. */
export type ComparisonOperator = '' | '>=' | '<=' | '>' | '<' | '=' | '!=';

/**
 * Any filter operator: a comparison, a hidden wildcard operator the UI inserts
 * (`\uF00DContains\uF00D`, `\uF00DStartsWith\uF00D`, … — any `\uF00D<name>\uF00D`), or `//`
 * for a regex value (`key://pattern//`).
 */
export type FilterOperator = string;

/** The regex operator of the newer grammar (`key://pattern//`). */
export const REGEX_OPERATOR = '//';

/** Marker character around the hidden wildcard operators (`WildcardOperators` in parser.tsx). */
export const WILDCARD_OPERATOR_MARK = '\uF00D';

/** Filter kinds (`FilterType` in parser.tsx, plus the newer `aggregateGeneric`, `arrayIncludes`). */
export type FilterKind =
  | 'text'
  | 'textIn'
  | 'date'
  | 'specificDate'
  | 'relativeDate'
  | 'duration'
  | 'size'
  | 'numeric'
  | 'numericIn'
  | 'boolean'
  | 'aggregateDuration'
  | 'aggregateSize'
  | 'aggregatePercentage'
  | 'aggregateNumeric'
  | 'aggregateDate'
  | 'aggregateRelativeDate'
  | 'aggregateGeneric'
  | 'has'
  | 'is'
  | 'arrayIncludes';

/**
 * Why a token is invalid (`InvalidReason` in parser.tsx). `regex-pattern-too-long` comes from the
 * newer grammar; `aggregate-filter-incomplete` is Vigil's name for the reason-only
 * "Aggregate filter is incomplete." marker of `aggregateGeneric` filters.
 */
export type InvalidReason =
  | 'free-text-not-allowed'
  | 'wildcard-not-allowed'
  | 'logic-or-not-allowed'
  | 'logic-and-not-allowed'
  | 'negation-not-allowed'
  | 'must-be-quoted'
  | 'filter-must-have-value'
  | 'invalid-boolean'
  | 'invalid-file-size'
  | 'invalid-number'
  | 'empty-value-in-list-not-allowed'
  | 'empty-parameter-not-allowed'
  | 'invalid-key'
  | 'invalid-duration'
  | 'invalid-date-format'
  | 'parens-not-allowed'
  | 'regex-pattern-too-long'
  | 'aggregate-filter-incomplete';

/** Why a token is invalid, with a user-facing message and, for typed keys, the expected filter kinds. */
export interface InvalidInfo {
  type: InvalidReason;
  reason: string;
  expectedType?: FilterKind[];
}

/** Run of spaces between terms (only `' '` counts as a space in this grammar). */
export interface SpacesToken extends TokenBase {
  type: 'spaces';
  value: string;
}

/** Free text: unquoted (raw text including its trailing spaces) or quoted (inner text, escapes kept). */
export interface FreeTextToken extends TokenBase {
  type: 'freeText';
  value: string;
  quoted: boolean;
  invalid: InvalidInfo | null;
}

/** `AND` / `OR` (case-insensitive in the query, upper-case here). */
export interface LogicBooleanToken extends TokenBase {
  type: 'logicBoolean';
  value: 'AND' | 'OR';
  invalid: InvalidInfo | null;
}

/** A parenthesised group; `inner` alternates spaces and terms like the top level. */
export interface LogicGroupToken extends TokenBase {
  type: 'logicGroup';
  inner: TermOrSpaces[];
}

/** An unmatched `(` (the newer frontend grammar tokenises stray parens instead of failing). */
export interface LParenToken extends TokenBase {
  type: 'lParen';
  value: '(';
  invalid: InvalidInfo | null;
}

/** An unmatched `)`. */
export interface RParenToken extends TokenBase {
  type: 'rParen';
  value: ')';
  invalid: InvalidInfo | null;
}

/** A plain key (`user.email`) or a quoted one (`"hi:there"`, value without the quotes). */
export interface KeySimpleToken extends TokenBase {
  type: 'keySimple';
  value: string;
  quoted: boolean;
}

/** Token types of explicit tag/flag keys: `tags[k]`, `tags[k,string]`, `flags[k,number]`, … */
export type ExplicitKeyType =
  | 'keyExplicitTag'
  | 'keyExplicitStringTag'
  | 'keyExplicitNumberTag'
  | 'keyExplicitBooleanTag'
  | 'keyExplicitArrayTag'
  | 'keyExplicitFlag'
  | 'keyExplicitStringFlag'
  | 'keyExplicitNumberFlag';

/** An explicit tag or flag key; `prefix` is `tags` or `flags`. */
export interface KeyExplicitToken extends TokenBase {
  type: ExplicitKeyType;
  prefix: 'tags' | 'flags';
  key: KeySimpleToken;
}

/** `key[*]` / `tags[k,array][*]` / `tags[k[*],array]`: "any element of the array". */
export interface KeyArrayIncludesToken extends TokenBase {
  type: 'keyArrayIncludes';
  key: KeySimpleToken | KeyExplicitToken;
  index: '*';
}

/** One aggregate function parameter; quoted parameters keep their quotes in `value`. */
export interface KeyAggregateParamToken extends TokenBase {
  type: 'keyAggregateParam';
  value: string;
  quoted: boolean;
}

/** One list entry: the separator text before it (`''` for the first, `', '`…) and the item (null = empty). */
export interface ListItem<T> {
  separator: string;
  value: T | null;
}

/** The parameter list of an aggregate key. */
export interface KeyAggregateArgsToken extends TokenBase {
  type: 'keyAggregateArgs';
  args: ListItem<KeyAggregateParamToken>[];
}

/** An aggregate key such as `count()` or `p95(transaction.duration)`. */
export interface KeyAggregateToken extends TokenBase {
  type: 'keyAggregate';
  name: KeySimpleToken;
  args: KeyAggregateArgsToken | null;
  argsSpaceBefore: SpacesToken;
  argsSpaceAfter: SpacesToken;
}

/** Any filter key token. */
export type KeyToken = KeySimpleToken | KeyExplicitToken | KeyArrayIncludesToken | KeyAggregateToken;

/** Wildcard position of a text value: `*x` leading, `x*` trailing, `*x*` surrounded, else false. */
export type WildcardPosition = false | 'leading' | 'trailing' | 'surrounded';

/** A text value (raw: escapes kept; for quoted values, the text between the quotes). */
export interface ValueTextToken extends TokenBase {
  type: 'valueText';
  value: string;
  quoted: boolean;
  wildcard: WildcardPosition;
}

/** A list of text values `[a, "b c"]`. */
export interface ValueTextListToken extends TokenBase {
  type: 'valueTextList';
  items: ListItem<ValueTextToken>[];
}

/** A number with optional multiplier unit `k`/`m`/`b`; `parsed.value` applies the unit. */
export interface ValueNumberToken extends TokenBase {
  type: 'valueNumber';
  value: string;
  unit: string | null;
  parsed: { value: number };
}

/** A list of numbers `[1, 2k]`. */
export interface ValueNumberListToken extends TokenBase {
  type: 'valueNumberList';
  items: ListItem<ValueNumberToken>[];
}

/** `true`/`false`/`1`/`0` (any case); `parsed.value` is the boolean. */
export interface ValueBooleanToken extends TokenBase {
  type: 'valueBoolean';
  value: string;
  parsed: { value: boolean };
}

/** An ISO-8601-like date; `parsed.value` is the instant as an ISO string (UTC), absent if no such date. */
export interface ValueIso8601DateToken extends TokenBase {
  type: 'valueIso8601Date';
  value: string;
  parsed?: { value: string };
}

/** `+7d` / `-24h`; `value` is the count, `parsed.value` the instant now±offset as an ISO string. */
export interface ValueRelativeDateToken extends TokenBase {
  type: 'valueRelativeDate';
  value: string;
  sign: '+' | '-';
  unit: 'w' | 'd' | 'h' | 'm';
  parsed?: { value: string };
}

/** A duration such as `1.5s`; `parsed.value` is in milliseconds. */
export interface ValueDurationToken extends TokenBase {
  type: 'valueDuration';
  value: string;
  unit: string;
  parsed: { value: number };
}

/** A size such as `10kib`; `parsed.value` is in bytes. */
export interface ValueSizeToken extends TokenBase {
  type: 'valueSize';
  value: string;
  unit: string;
  parsed: { value: number };
}

/** A percentage such as `50%`; `parsed.value` is the number before `%` (50, not 0.5, like the frontend). */
export interface ValuePercentageToken extends TokenBase {
  type: 'valuePercentage';
  value: string;
  parsed: { value: number };
}

/** Any filter value token. */
export type ValueToken =
  | ValueTextToken
  | ValueTextListToken
  | ValueNumberToken
  | ValueNumberListToken
  | ValueBooleanToken
  | ValueIso8601DateToken
  | ValueRelativeDateToken
  | ValueDurationToken
  | ValueSizeToken
  | ValuePercentageToken;

/** A `key:value` filter of any kind; `invalid` is null when the frontend would accept it. */
export interface FilterToken extends TokenBase {
  type: 'filter';
  filter: FilterKind;
  negated: boolean;
  key: KeyToken;
  operator: FilterOperator;
  value: ValueToken;
  invalid: InvalidInfo | null;
}

/** A term of the query (anything but spaces). */
export type TermToken =
  FilterToken | FreeTextToken | LogicBooleanToken | LogicGroupToken | LParenToken | RParenToken;

/** A top-level or group-level token. */
export type TermOrSpaces = TermToken | SpacesToken;

/** Any token, nested ones included. */
export type AnyToken = TermOrSpaces | KeyToken | ValueToken | KeyAggregateArgsToken | KeyAggregateParamToken;
