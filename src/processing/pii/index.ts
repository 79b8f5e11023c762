/**
 * Server-side data scrubbing with a project's legacy settings and advanced PII config
 * (reference/relay-protocol.md §9).
 */
export { scrubEvent, scrubReplay, scrubStrings } from './scrub-event.js';
export { DEFAULT_DATA_SCRUBBING, compileScrubbing } from './settings.js';
export type { CompiledScrubbing, DataScrubbingSettings } from './settings.js';
export { PiiConfigError, compilePiiConfig, parsePiiConfig, parsePiiConfigStrict } from './pii-config.js';
export type { CompiledPiiConfig, PiiConfig, PiiConfigIssue, RedactionSpec, RuleSpec } from './pii-config.js';
export { BUILTIN_RULES } from './builtin.js';
export { scrubAttributeMap, scrubTraceItemFields } from './attributes.js';
export type {
  AttributeEntry,
  AttributeScrubOptions,
  ScrubbedAttributes,
  ScrubbedTraceItem,
  TraceItemFields,
} from './attributes.js';
export { attributePii, type AttributePii } from './attribute-pii.js';
export {
  SelectorError,
  parseSafeField,
  parseSelector,
  parseApplicationSelector,
  parseSelectorOrThrow,
  selectorMatches,
  selectorMatchesPath,
} from './selectors.js';
export type { PathSegment, PiiLevel, Selector, SelectorState } from './selectors.js';
