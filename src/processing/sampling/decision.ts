/**
 * The dynamic sampling decision for a transaction or a batch of spans, following Relay's
 * `relay-server/src/processing/utils/dynamic_sampling.rs` (`compute_sampling_decision`) and the
 * DSC validation before it (`processing/utils/dsc.rs`):
 *
 * 1. transaction rules of the item's project against the event (`event.*`), drawn from the event id;
 * 2. project rules of the item's project against the DSC (`trace.*`);
 * 3. trace rules of the trace's root project (the project of the DSC's `public_key`) against the DSC.
 *
 * Steps 2 and 3 draw {@link traceRandom}, so every item of a trace gets the same decision.
 * When the envelope has no usable DSC, or its root project cannot be resolved (unknown key,
 * another organization, not cached yet), a transaction's DSC is computed from the event and its
 * own project acts as the root (Relay's `dsc_from_event`; the client's `sample_rate` and, for
 * Vigil, `sample_rand` are kept); spans then keep only the trace id of the DSC. Spans without a
 * DSC are not sampled. Errors are never sampled.
 */
import type { JsonObject } from '../../protocol/json.js';
import { eventGetter } from '../filters/event-getter.js';
import type { SamplingConfig, RuleType } from './config.js';
import { dscFromEvent, dscGetter, type DynamicSamplingContext } from './dsc.js';
import { SamplingEvaluator, type ReservoirCounters, type SamplingMatch } from './evaluation.js';
import { pseudoRandomFromId, traceRandom } from './random.js';

/** What a decision needs besides the item. */
export interface SamplingContext {
  /** The sampling config of the project the item belongs to. */
  config: SamplingConfig;
  /** The DSN public key the envelope came with (of the item's project). */
  publicKey: string;
  /** The envelope's DSC (`parseDynamicSamplingContext` of the `trace` header), if it parsed. */
  dsc?: DynamicSamplingContext;
  /**
   * The sampling config of the project of `dsc.publicKey`; `undefined` when it could not be
   * resolved. Pass `config` when the DSC's key is the envelope's.
   */
  rootConfig?: SamplingConfig;
  /** Unix milliseconds (time ranges, decaying rules). */
  now: number;
  /** Reservoir counters of the organization; without them reservoir rules never apply. */
  reservoir?: ReservoirCounters;
}

/** `match` when a rule decided (keep or drop, with the rule ids), else `noMatch` (keep). */
export type SamplingResult = { kind: 'noMatch' } | { kind: 'match'; match: SamplingMatch };

const NO_MATCH: SamplingResult = { kind: 'noMatch' };

function rulesOf(config: SamplingConfig | undefined, type: RuleType) {
  return (config?.rules ?? []).filter((rule) => rule.type === type);
}

function evaluate(
  evaluator: SamplingEvaluator,
  ctx: SamplingContext,
  dsc: DynamicSamplingContext | undefined,
  rootConfig: SamplingConfig | undefined,
  event?: JsonObject,
): SamplingResult {
  if (event !== undefined && typeof event.event_id === 'string') {
    const eventId = event.event_id;
    const match = evaluator.matchRules(
      () => pseudoRandomFromId(eventId),
      eventGetter(event),
      rulesOf(ctx.config, 'transaction'),
    );
    if (match) return { kind: 'match', match };
  }
  if (dsc === undefined) return NO_MATCH;
  let random: number | undefined;
  const draw = (): number => (random ??= traceRandom(dsc));
  const getter = dscGetter(dsc);
  const match =
    evaluator.matchRules(draw, getter, rulesOf(ctx.config, 'project')) ??
    evaluator.matchRules(draw, getter, rulesOf(rootConfig, 'trace'));
  return match ? { kind: 'match', match } : NO_MATCH;
}

/** Whether neither config has a rule, so no decision can be made (the common case, skipped fast). */
function noRules(ctx: SamplingContext): boolean {
  return ctx.config.rules.length === 0 && (ctx.rootConfig?.rules.length ?? 0) === 0;
}

/**
 * Decides for a normalized transaction event (its `event_id` seeds transaction rules). The DSC
 * is used when its root project resolved, else computed from the event with the item's project
 * as root.
 */
export function sampleTransaction(event: JsonObject, ctx: SamplingContext): SamplingResult {
  if (noRules(ctx)) return NO_MATCH;
  const evaluator = new SamplingEvaluator(ctx.now, ctx.reservoir);
  if (ctx.dsc !== undefined && ctx.rootConfig !== undefined) {
    return evaluate(evaluator, ctx, ctx.dsc, ctx.rootConfig, event);
  }
  const computed = dscFromEvent(ctx.publicKey, event);
  if (computed !== undefined && ctx.dsc !== undefined) {
    if (ctx.dsc.sampleRate !== undefined) computed.sampleRate = ctx.dsc.sampleRate;
    if (ctx.dsc.sampleRand !== undefined && ctx.dsc.traceId === computed.traceId)
      computed.sampleRand = ctx.dsc.sampleRand;
  }
  return evaluate(evaluator, ctx, computed, ctx.config, event);
}

/**
 * Decides for spans (span v2 containers, legacy standalone spans): project and trace rules
 * against the envelope's DSC, once for all spans of the envelope. Without a DSC nothing is
 * sampled; with an unresolved root project the DSC keeps only its trace id, client sample rate
 * and `sample_rand`, and the item's project acts as the root (Relay's
 * `validate_and_set_dsc_for_v2_spans`).
 */
export function sampleSpans(ctx: SamplingContext): SamplingResult {
  if (ctx.dsc === undefined || noRules(ctx)) return NO_MATCH;
  const evaluator = new SamplingEvaluator(ctx.now, ctx.reservoir);
  if (ctx.rootConfig !== undefined) return evaluate(evaluator, ctx, ctx.dsc, ctx.rootConfig);
  const { traceId, sampleRate, sampleRand } = ctx.dsc;
  const reduced: DynamicSamplingContext = { traceId, publicKey: ctx.publicKey, userId: '', userSegment: '' };
  if (sampleRate !== undefined) reduced.sampleRate = sampleRate;
  if (sampleRand !== undefined) reduced.sampleRand = sampleRand;
  return evaluate(evaluator, ctx, reduced, ctx.config);
}
