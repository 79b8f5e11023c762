/**
 * Grouping variants and hashes of an event under Sentry's `newstyle:2023-01-11` config.
 *
 * Follows `sentry: src/sentry/grouping/api.py` (`get_grouping_variants_for_event`),
 * `src/sentry/grouping/variants.py` (checksum, hashed checksum, component, salted component,
 * custom / built-in fingerprint and fallback variants) and
 * `src/sentry/services/eventstore/models.py` (`get_hashes`: system variant last, de-duplicated);
 * reference/sentry-semantics.md §3.2.
 */
import type { SentryEvent } from '../../protocol/event.js';
import type { JsonObject } from '../../protocol/json.js';
import { hashFromValues, type Component, type GroupingComponent } from './component.js';
import { enhancementsForText } from './enhancements.js';
import { readWorkEvent, type WorkEvent } from './event-data.js';
import {
  applyServerFingerprinting,
  fingerprintType,
  isDefaultFingerprintVar,
  makeFingerprintRule,
  parseFingerprintingRules,
  resolveFingerprintValues,
  type FingerprintRule,
  type FingerprintRuleConfig,
} from './fingerprinting.js';
import { normalizeStacktracesForGrouping, type InAppFrameMix } from './normalize-stacktraces.js';
import type { StrategyContext } from './stacktrace-strategies.js';
import { variantsFromStrategies } from './strategies.js';

/** One grouping variant of an event. */
export interface GroupingVariant {
  /**
   * Variant name: `app`, `system`, `default` (component variants), `custom_fingerprint`,
   * `built_in_fingerprint`, `checksum`, `hashed_checksum` or `fallback`.
   */
  key: string;
  /** 32 hex digits (MD5, or the client's checksum), or `null` when the variant does not contribute. */
  hash: string | null;
  /** Whether the variant's hash is one of the event's grouping hashes. */
  contributes: boolean;
  /**
   * Sentry's variant type: `component`, `salted_component`, `custom_fingerprint`,
   * `built_in_fingerprint`, `checksum`, `hashed_checksum` or `fallback`.
   */
  type: string;
  /** For component variants: why the root does not contribute, e.g. "exception of system takes precedence". */
  hint?: string;
  /**
   * For component variants: the component tree (a `*`-starred node in Sentry's snapshots
   * contributes). Built when first read; an ordinary enumerable property otherwise.
   */
  component?: GroupingComponent;
  /** For fingerprint and salted variants: the resolved fingerprint values. */
  values?: string[];
  /** For fingerprint and salted variants: Sentry's `_fingerprint_info` (client fingerprint, matched rule). */
  info?: JsonObject;
}

/** The grouping outcome of an event. */
export interface GroupingResult {
  /** Contributing hashes, in Sentry's `get_hashes` order: variant order with `system` last, de-duplicated. */
  hashes: string[];
  /** All variants, in the order Sentry creates them. */
  variants: GroupingVariant[];
  /**
   * Set when exception-group handling picked the exception that should title the event
   * (`main_exception_id` in Sentry's event data); pass it on to {@link GroupingResult} consumers.
   */
  mainExceptionId?: number;
  /** Title from a matched server fingerprint rule's `title=` attribute (variables expanded). */
  title?: string;
  /** The event's mix of in-app and system frames after stack trace rules (absent without frames). */
  inAppFrameMix?: InAppFrameMix;
}

/** Options of {@link computeGrouping}. */
export interface GroupingOptions {
  /**
   * Project fingerprint rules, as rules text or as rule configs (`_fingerprinting_rules` JSON).
   * Lines or entries that do not parse are ignored. Built-in rules always apply after these.
   */
  fingerprintingRules?: string | readonly FingerprintRuleConfig[];
  /** Project stack trace rules text, applied after the built-in `all-platforms:2023-01-11` rules. */
  stackTraceRules?: string;
}

const CHECKSUM_RE = /^[0-9a-f]{32}$/u;

function projectFingerprintRules(rules: GroupingOptions['fingerprintingRules']): FingerprintRule[] {
  if (rules === undefined) return [];
  if (typeof rules === 'string') return parseFingerprintingRules(rules).rules;
  return rules.map(makeFingerprintRule).filter((rule): rule is FingerprintRule => typeof rule !== 'string');
}

function saltedHash(root: Component, values: readonly string[]): string | null {
  if (!root.contributes) return null;
  return hashFromValues(values.map((value) => (isDefaultFingerprintVar(value) ? root.leafText() : value)));
}

function orderHashes(variants: readonly GroupingVariant[]): string[] {
  const ordered = [
    ...variants.filter((v) => v.key !== 'system'),
    ...variants.filter((v) => v.key === 'system'),
  ];
  const hashes: string[] = [];
  for (const variant of ordered) {
    if (variant.hash !== null && !hashes.includes(variant.hash)) hashes.push(variant.hash);
  }
  return hashes;
}

/**
 * Computes every grouping variant of `event` (a normalised event; raw SDK shapes of `exception`
 * and `message` are accepted too) and the resulting grouping hashes, exactly as Sentry's
 * `newstyle:2023-01-11` config does: checksum, fingerprints (custom / built-in / hybrid with
 * `{{ default }}`), then the exception / threads / stacktrace / template / security / message
 * strategies with the built-in stack trace rules. Pure; never throws for any JSON input.
 */
export function computeGrouping(event: SentryEvent, options: GroupingOptions = {}): GroupingResult {
  const checksum = typeof event.checksum === 'string' ? event.checksum : undefined;
  if (checksum) {
    if (CHECKSUM_RE.test(checksum)) {
      const variant: GroupingVariant = {
        key: 'checksum',
        hash: checksum,
        contributes: true,
        type: 'checksum',
      };
      return { hashes: [checksum], variants: [variant] };
    }
    const hash = hashFromValues([checksum]);
    const variant: GroupingVariant = {
      key: 'hashed_checksum',
      hash,
      contributes: true,
      type: 'hashed_checksum',
    };
    return { hashes: [hash], variants: [variant] };
  }

  const enhancements = enhancementsForText(options.stackTraceRules);
  const work = readWorkEvent(event);
  const inAppFrameMix = normalizeStacktracesForGrouping(work, enhancements);

  // Relay keeps string and number entries (numbers as text) and drops the rest.
  const clientFingerprint = Array.isArray(event.fingerprint)
    ? (event.fingerprint as unknown[]).flatMap((f) =>
        typeof f === 'string' ? [f] : typeof f === 'number' && Number.isFinite(f) ? [String(f)] : [],
      )
    : [];
  const server = applyServerFingerprinting(
    event,
    work,
    clientFingerprint.length > 0 ? clientFingerprint : ['{{ default }}'],
    projectFingerprintRules(options.fingerprintingRules),
  );
  const rawFingerprint = server.fingerprint.length > 0 ? server.fingerprint : ['{{ default }}'];
  const type = fingerprintType(rawFingerprint);
  const resolved =
    type === 'default' ? rawFingerprint : resolveFingerprintValues(rawFingerprint, event, work);
  const info: JsonObject = server.info;

  const ctx: StrategyContext = { work, enhancements };
  const roots = variantsFromStrategies(ctx);

  const variants: GroupingVariant[] = [];
  for (const [key, root] of roots) {
    if (type === 'custom') root.update({ contributes: false, hint: 'custom fingerprint takes precedence' });
    let plain: GroupingComponent | undefined;
    const base: GroupingVariant = {
      key,
      hash: type === 'hybrid' ? saltedHash(root, resolved) : root.getHash(),
      contributes: root.contributes,
      type: type === 'hybrid' ? 'salted_component' : 'component',
      // Built on first read (then a plain data property): hashes and titles never need it.
      get component(): GroupingComponent {
        plain ??= root.toPlain();
        settleComponent(this, plain);
        return plain;
      },
      set component(value: GroupingComponent) {
        plain = value;
        settleComponent(this, value);
      },
      ...(root.hint === null ? {} : { hint: root.hint }),
      ...(type === 'hybrid' ? { values: resolved, info } : {}),
    };
    variants.push(base);
  }
  if (type === 'custom') {
    const builtIn = server.info.matched_rule?.['is_builtin'] === true;
    variants.push({
      key: builtIn ? 'built_in_fingerprint' : 'custom_fingerprint',
      hash: hashFromValues(resolved),
      contributes: true,
      type: builtIn ? 'built_in_fingerprint' : 'custom_fingerprint',
      values: resolved,
      info,
    });
  }
  if (!variants.some((v) => v.contributes)) {
    variants.push({ key: 'fallback', hash: hashFromValues([]), contributes: true, type: 'fallback' });
  }

  const result: GroupingResult = { hashes: orderHashes(variants), variants };
  if (ctx.mainExceptionId !== undefined) result.mainExceptionId = ctx.mainExceptionId;
  if (server.title !== undefined) result.title = server.title;
  if (inAppFrameMix !== undefined) result.inAppFrameMix = inAppFrameMix;
  normalizedEvents.set(result, { event, stackTraceRules: options.stackTraceRules, work });
  return result;
}

/**
 * Replaces a variant's lazy `component` accessor by a data property holding `value` (it keeps
 * its place among the keys). A sealed or frozen variant keeps the accessor, which then keeps
 * returning the same tree.
 */
function settleComponent(variant: GroupingVariant, value: GroupingComponent): void {
  if (Object.getOwnPropertyDescriptor(variant, 'component')?.configurable !== true) return;
  Object.defineProperty(variant, 'component', {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/** The normalised working copy behind each grouping result, for {@link normalizedWorkOf}. */
const normalizedEvents = new WeakMap<
  GroupingResult,
  { event: SentryEvent; stackTraceRules: string | undefined; work: WorkEvent }
>();

/**
 * The event as normalised for grouping (stack trace rules applied) when `grouping` was computed
 * by {@link computeGrouping} for this very `event` object with these `stackTraceRules`, else
 * `undefined`. Grouping never changes the working copy after normalising it, so the title code
 * can read it instead of normalising again; `event` must not have been modified since.
 */
export function normalizedWorkOf(
  grouping: GroupingResult,
  event: SentryEvent,
  stackTraceRules: string | undefined,
): WorkEvent | undefined {
  const entry = normalizedEvents.get(grouping);
  return entry !== undefined && entry.event === event && entry.stackTraceRules === stackTraceRules
    ? entry.work
    : undefined;
}
