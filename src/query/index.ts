/**
 * Public API of the search module: Sentry's search syntax parsed into the frontend token tree,
 * converted to backend filters and boolean expressions, re-serialised, and compiled to
 * parameterised ClickHouse SQL for issue search. Reference: reference/sentry-semantics.md §1–§2.
 */
export type {
  AnyToken,
  ComparisonOperator,
  ExplicitKeyType,
  FilterKind,
  FilterOperator,
  FilterToken,
  FreeTextToken,
  InvalidInfo,
  InvalidReason,
  KeyAggregateArgsToken,
  KeyAggregateParamToken,
  KeyAggregateToken,
  KeyArrayIncludesToken,
  KeyExplicitToken,
  KeySimpleToken,
  KeyToken,
  ListItem,
  LogicBooleanToken,
  LogicGroupToken,
  LParenToken,
  RParenToken,
  SpacesToken,
  TermOrSpaces,
  TermToken,
  TokenBase,
  TokenLocation,
  ValueBooleanToken,
  ValueDurationToken,
  ValueIso8601DateToken,
  ValueNumberListToken,
  ValueNumberToken,
  ValuePercentageToken,
  ValueRelativeDateToken,
  ValueSizeToken,
  ValueTextListToken,
  ValueTextToken,
  ValueToken,
  WildcardPosition,
} from './tokens.js';
export { REGEX_OPERATOR, WILDCARD_OPERATOR_MARK } from './tokens.js';
export {
  canonicalKey,
  DEFAULT_INVALID_MESSAGES,
  DEFAULT_SEARCH_CONFIG,
  keyTypes,
  resolveSearchConfig,
  type IsTranslationValue,
  type SearchConfig,
  type SearchConfigInput,
} from './config.js';
export { parseErrorAt, searchError, type SearchError, type SearchResult } from './errors.js';
export { keyName, MAX_NESTING, MAX_REGEX_LENGTH, parseSearch, type ParseResult } from './parser.js';
export {
  OPERATOR_NEGATION,
  parseSearchQuery,
  toSearchTerms,
  type AggregateFilter,
  type BooleanOperatorTerm,
  type ParenExpression,
  type SearchFilter,
  type SearchOperator,
  type SearchTerm,
  type SearchValue,
} from './filters.js';
export { resolveBooleanConditions, type SearchExpression } from './boolean.js';
export { toQueryString } from './query-string.js';
export {
  classifyWildcard,
  isWildcard,
  literalValue,
  wildcardToLike,
  wildcardToRegex,
  type WildcardClass,
} from './values.js';
export {
  dateTimeParam,
  ident,
  SqlParams,
  sqlAnd,
  sqlNot,
  sqlOr,
  type ParamType,
  type SqlFragment,
} from './sql.js';
export {
  compileEventCondition,
  escapeHashKey,
  EVENT_FIELDS,
  eventFieldFor,
  type EventField,
} from './event-fields.js';
export {
  compileIssueSearch,
  ISSUE_SEARCH_CONFIG,
  type ActorValue,
  type CompileIssueSearchOptions,
  type GroupFilter,
  type GroupStatus,
  type GroupSubstatus,
  type IssueSearchCompilation,
} from './issue-search.js';
