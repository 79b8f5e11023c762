/**
 * Which items of an envelope rate limits remove, and with which outcomes
 * (reference/relay-protocol.md §3.4, §6.5; Relay's `EnvelopeLimiter` in
 * `relay-server/src/utils/rate_limits.rs`). Pure: the caller supplies `check`, backed by the
 * cached limits at the edge or by the quota limiter during processing.
 *
 * Rules: an envelope's event is checked in its category; a limited event takes the items that
 * require it (attachments, user reports) with it. Otherwise plain attachments are checked in
 * bytes and count; crash attachments (minidump, Apple crash report, ...) survive an attachment
 * limit but are flagged so their bytes are not stored. A limited transaction takes its profiles.
 * Sessions are dropped without outcomes. Every other item type is checked in its own categories.
 */
import type { DataCategory } from '../protocol/data-category.js';
import type { EnvelopeItem } from '../protocol/envelope.js';
import type { RateLimits } from './rate-limits.js';

/** Attachment types that create an event (`creates_event` in Relay's item.rs). */
export const CRASH_ATTACHMENT_TYPES: ReadonlySet<string> = new Set([
  'event.minidump',
  'event.applecrashreport',
  'event.payload',
  'playstation.prosperodump',
  'event.breadcrumbs',
]);

/** The event category an item type implies (Relay's `infer_event_category`), if it creates an event. */
export function eventCategory(item: EnvelopeItem): DataCategory | undefined {
  switch (item.headers.type) {
    case 'event':
    case 'unreal_report':
      return 'error';
    case 'transaction':
      return 'transaction';
    case 'security':
    case 'raw_security':
      return 'security';
    case 'feedback':
      return 'feedback';
    case 'attachment':
      return CRASH_ATTACHMENT_TYPES.has(item.headers.attachment_type ?? '') ? 'error' : undefined;
    default:
      return undefined;
  }
}

/**
 * The categories and quantities an item is counted in, outside of its event (§3.4): attachments
 * in bytes (at least 1) and items, logs in items and bytes, containers by `item_count`, and so on.
 * Event-creating items other than attachments are counted through {@link eventCategory}.
 */
export function itemQuantities(item: EnvelopeItem): Array<[DataCategory, number]> {
  const count = Math.max(1, item.headers.item_count ?? 1);
  switch (item.headers.type) {
    case 'attachment':
      return [
        ['attachment', Math.max(1, item.payload.length)],
        ['attachment_item', 1],
      ];
    case 'session':
    case 'sessions':
      return [['session', 1]];
    case 'user_report':
      return [['feedback', 1]];
    case 'profile':
      return [['profile', 1]];
    case 'profile_chunk':
      return [
        [
          item.headers.platform === 'javascript' || item.headers.platform === 'cocoa'
            ? 'profile_chunk_ui'
            : 'profile_chunk',
          1,
        ],
      ];
    case 'replay_event':
    case 'replay_recording':
    case 'replay_video':
      return [['replay', 1]];
    case 'check_in':
      return [['monitor', 1]];
    case 'span':
      return [['span', count]];
    case 'log':
      return [
        ['log_item', count],
        ['log_byte', Math.max(1, item.payload.length)],
      ];
    case 'trace_metric':
      return [['trace_metric', count]];
    default:
      return [];
  }
}

/**
 * Every category and quantity an item is counted in when it is dropped as a whole (Relay's
 * `EnvelopeSummary`): an event-creating item in its event category (a transaction also in
 * `transaction_indexed`), every other item through {@link itemQuantities}. Sessions count in
 * `session` here, for envelope-level rejections.
 */
export function itemOutcomeQuantities(item: EnvelopeItem): Array<[DataCategory, number]> {
  const category = item.headers.type === 'attachment' ? undefined : eventCategory(item);
  if (category === undefined) return itemQuantities(item);
  return category === 'transaction'
    ? [
        ['transaction', 1],
        ['transaction_indexed', 1],
      ]
    : [[category, 1]];
}

/** One item dropped by a rate limit. Sessions are dropped with `outcomes: []` (Relay emits none). */
export interface LimitedItem {
  index: number;
  /** The `rate_limited` outcomes to record: category, quantity and the limit's reason code. */
  outcomes: Array<{ category: DataCategory; quantity: number; reason: string | null }>;
}

/** What the limiter decided for an envelope. */
export interface EnvelopeLimits {
  /** Items to remove, by index into `items`. */
  dropped: LimitedItem[];
  /** Crash attachments kept for the event but whose bytes must not be stored, with the limit's reason. */
  flagged: Array<{ index: number; reason: string | null }>;
  /** Every limit that applied, for the response headers and the cache. */
  limits: RateLimits[];
}

/**
 * What processing left of some items to count, by item: the categories and quantities that
 * replace {@link itemQuantities} for them (Relay enforces quotas on what its processing kept, e.g.
 * the logs of a container that survived the inbound filters). A quantity of 0 counts nothing and
 * records no outcome when the item is dropped. For the envelope's event they replace only the
 * outcomes of a drop (a sampled-out transaction is no longer indexed: `transaction` alone).
 */
export type CountedQuantities = ReadonlyMap<EnvelopeItem, Array<[DataCategory, number]>>;

/** Looks up (and, in processing, consumes) limits for `quantity` units of `category`. */
export type LimitCheck = (category: DataCategory, quantity: number) => Promise<RateLimits> | RateLimits;

function reasonOf(limits: RateLimits, now: number): string | null {
  return limits.active(now).find((l) => l.reasonCode !== undefined)?.reasonCode ?? null;
}

/** One check the limiter asks for: `quantity` units of `category`. */
type CheckRequest = readonly [category: DataCategory, quantity: number];

/**
 * The limiter's decisions as a coroutine: yields each check it needs and receives the limits
 * that apply, so one algorithm serves the synchronous edge (cached limits) and the asynchronous
 * processing step (counters in memory or Redis).
 */
function* limitSteps(
  items: readonly EnvelopeItem[],
  now: number,
  counted?: CountedQuantities,
): Generator<CheckRequest, EnvelopeLimits, RateLimits> {
  const quantitiesOf = (item: EnvelopeItem): Array<[DataCategory, number]> =>
    counted?.get(item) ?? itemQuantities(item);
  const result: EnvelopeLimits = { dropped: [], flagged: [], limits: [] };
  function* limited(
    category: DataCategory,
    quantity: number,
  ): Generator<CheckRequest, string | null | undefined, RateLimits> {
    const limits = yield [category, quantity];
    if (!limits.isLimited(now)) return undefined;
    result.limits.push(limits);
    return reasonOf(limits, now);
  }
  const drop = (index: number, reason: string | null, categories: Array<[DataCategory, number]>): void => {
    result.dropped.push({
      index,
      outcomes: categories
        .filter(([, quantity]) => quantity > 0)
        .map(([category, quantity]) => ({ category, quantity, reason })),
    });
  };

  const eventIndex = items.findIndex(
    (item) => eventCategory(item) !== undefined && item.headers.type !== 'attachment',
  );
  const crashIndex = items.findIndex(
    (item) => item.headers.type === 'attachment' && eventCategory(item) !== undefined,
  );
  const eventItem = eventIndex >= 0 ? items[eventIndex] : crashIndex >= 0 ? items[crashIndex] : undefined;
  const category = eventItem ? eventCategory(eventItem)! : undefined;
  const eventReason = category === undefined ? undefined : yield* limited(category, 1);
  const eventLimited = eventReason !== undefined;
  if (eventLimited && eventIndex >= 0) {
    const extra: Array<[DataCategory, number]> =
      category === 'transaction' ? [['transaction_indexed', 1]] : [];
    drop(eventIndex, eventReason, counted?.get(items[eventIndex]!) ?? [[category!, 1], ...extra]);
  }

  const attachments = items
    .map((item, index) => ({ item, index }))
    .filter(({ item }) => item.headers.type === 'attachment');
  if (eventLimited) {
    for (const { item, index } of attachments) drop(index, eventReason, itemQuantities(item));
  } else if (attachments.length > 0) {
    const bytes = attachments.reduce((n, { item }) => n + Math.max(1, item.payload.length), 0);
    const reason =
      (yield* limited('attachment', bytes)) ?? (yield* limited('attachment_item', attachments.length));
    if (reason !== undefined) {
      for (const { item, index } of attachments) {
        if (CRASH_ATTACHMENT_TYPES.has(item.headers.attachment_type ?? ''))
          result.flagged.push({ index, reason });
        else drop(index, reason, itemQuantities(item));
      }
    }
  }

  // The remaining items are summed per category and each category is checked once, as Relay's
  // envelope summary does, so a consuming check counts the envelope's whole quantity.
  const rest: Array<{ index: number; item: EnvelopeItem }> = [];
  for (const [index, item] of items.entries()) {
    const type = item.headers.type;
    if (index === eventIndex || type === 'attachment') continue;
    if (type === 'user_report' && eventLimited) drop(index, eventReason, itemQuantities(item));
    else if (type === 'profile' && eventLimited && category === 'transaction') {
      drop(index, eventReason, [
        ['profile', 1],
        ['profile_indexed', 1],
      ]);
    } else rest.push({ index, item });
  }
  const totals = new Map<DataCategory, number>();
  for (const { item } of rest) {
    for (const [cat, quantity] of quantitiesOf(item)) totals.set(cat, (totals.get(cat) ?? 0) + quantity);
  }
  const reasons = new Map<DataCategory, string | null>();
  for (const [cat, quantity] of totals) {
    if (quantity <= 0) continue;
    const reason = yield* limited(cat, quantity);
    if (reason !== undefined) reasons.set(cat, reason);
  }
  for (const { index, item } of rest) {
    const quantities = quantitiesOf(item);
    const hit = quantities.find(([cat]) => reasons.has(cat));
    if (!hit) continue;
    const silent = item.headers.type === 'session' || item.headers.type === 'sessions';
    drop(index, reasons.get(hit[0])!, silent ? [] : quantities);
  }
  result.dropped.sort((a, b) => a.index - b.index);
  return result;
}

/**
 * Applies rate limits to `items` (see the module comment) with a check that may wait (the
 * consuming quota limiter). `now` (ms since the epoch) decides which limits are active;
 * `counted` replaces the quantities of items processing already cut down.
 */
export async function limitEnvelope(
  items: readonly EnvelopeItem[],
  check: LimitCheck,
  now: number,
  counted?: CountedQuantities,
): Promise<EnvelopeLimits> {
  const steps = limitSteps(items, now, counted);
  let step = steps.next();
  while (!step.done) step = steps.next(await check(...step.value));
  return step.value;
}

/** {@link limitEnvelope} with a synchronous check (the edge's cached limits): no waiting. */
export function limitEnvelopeSync(
  items: readonly EnvelopeItem[],
  check: (category: DataCategory, quantity: number) => RateLimits,
  now: number,
): EnvelopeLimits {
  const steps = limitSteps(items, now);
  let step = steps.next();
  while (!step.done) step = steps.next(check(...step.value));
  return step.value;
}
