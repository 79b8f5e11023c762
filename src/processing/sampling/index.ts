/**
 * Dynamic sampling (Relay's `relay-sampling` and the decision of `relay-server`): per-project
 * rules by transaction, release, environment, trace…, evaluated against transactions and the
 * envelope's dynamic sampling context, trace-consistently. Dropped items record `filtered`
 * outcomes with reason `Sampled:<rule ids>`. Pure: no I/O.
 */
export {
  EMPTY_SAMPLING_CONFIG,
  SAMPLING_CONFIG_VERSION,
  decayedValue,
  parseSamplingConfig,
  timeRangeContains,
} from './config.js';
export type {
  DecayingFunction,
  RuleType,
  SamplingConfig,
  SamplingConfigResult,
  SamplingRule,
  SamplingValue,
  TimeRange,
} from './config.js';
export { dscFromEvent, dscGetter, parseDynamicSamplingContext } from './dsc.js';
export type { DynamicSamplingContext } from './dsc.js';
export { pseudoRandomFromId, traceRandom } from './random.js';
export {
  ReservoirCounters,
  SamplingEvaluator,
  formatMatchedRuleIds,
  parseMatchedRuleIds,
  samplingOutcomeReason,
} from './evaluation.js';
export type { SamplingMatch } from './evaluation.js';
export { sampleSpans, sampleTransaction } from './decision.js';
export type { SamplingContext, SamplingResult } from './decision.js';
