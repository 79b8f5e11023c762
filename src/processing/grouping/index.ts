/**
 * Sentry-compatible event grouping (`newstyle:2023-01-11`): grouping hashes and variants,
 * message parameterisation, and issue title / culprit / metadata.
 * See reference/sentry-semantics.md §3 and each module's upstream notes.
 */
export { computeGrouping } from './variants.js';
export type { GroupingOptions, GroupingResult, GroupingVariant } from './variants.js';
export type { ComponentLeaf, GroupingComponent } from './component.js';
export { deriveTitleInfo } from './title.js';
export type { EventTitleInfo, TitleOptions, TitledEventType } from './title.js';
export { parameterize } from './parameterization.js';
export type { ParameterizeOptions } from './parameterization.js';
export { normalizeMessageForGrouping } from './message.js';
export { parseFingerprintingRules } from './fingerprinting.js';
export type { FingerprintParseError, FingerprintRule, FingerprintRuleConfig } from './fingerprinting.js';
export { parseEnhancements } from './enhancements.js';
export type { EnhancementParseError, EnhancementRule } from './enhancements.js';
export type { InAppFrameMix } from './normalize-stacktraces.js';
