/**
 * Click actions of a recording segment, as Sentry's recording consumer extracts them for the
 * replay `click.*` search fields and the dead/rage click counts (`get_user_actions` and
 * `create_click_event` in `src/sentry/replays/usecases/ingest/dom_index.py`): rrweb custom events
 * (type 5) that are `breadcrumb`s of category `ui.click` (a click) or `ui.slowClickDetected`
 * (a dead click when it timed out after ≥ 7 s on an `a`, `button` or `input`; a rage click when
 * it also counted ≥ 5 clicks). At most 20 per segment. Pure.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import type { ReplayClick } from '../../../protocol/replay-columns.js';

export type { ReplayClick };

/** Sentry reads at most this many clicks per segment (`EVENT_LIMIT`). */
export const MAX_CLICKS_PER_SEGMENT = 20;

/** Sentry's default dead-click timeout, ms. */
export const DEAD_CLICK_TIMEOUT_MS = 7000;

const DEAD_CLICK_TAGS: ReadonlySet<string> = new Set(['a', 'button', 'input']);

/** The clicks among `events` (rrweb events of one segment); malformed entries are skipped. */
export function extractClicks(events: readonly JsonValue[]): ReplayClick[] {
  const clicks: ReplayClick[] = [];
  for (const event of events) {
    if (clicks.length === MAX_CLICKS_PER_SEGMENT) break;
    if (!isJsonObject(event) || event.type !== 5 || !isJsonObject(event.data)) continue;
    if (event.data.tag !== 'breadcrumb' || !isJsonObject(event.data.payload)) continue;
    const payload = event.data.payload;
    const data = isJsonObject(payload.data) ? payload.data : {};
    let click: ReplayClick | undefined;
    if (payload.category === 'ui.click') {
      click = clickOf(payload, data, false, false);
    } else if (payload.category === 'ui.slowClickDetected') {
      const node = isJsonObject(data.node) ? data.node : {};
      const timeout = num(data.timeAfterClickMs) || num(data.timeafterclickms);
      if (
        data.endReason === 'timeout' &&
        typeof node.tagName === 'string' &&
        DEAD_CLICK_TAGS.has(node.tagName) &&
        timeout >= DEAD_CLICK_TIMEOUT_MS
      ) {
        const isRage = (num(data.clickCount) || num(data.clickcount)) >= 5;
        click = clickOf(payload, data, true, isRage);
      }
    }
    if (click) clicks.push(click);
  }
  return clicks;
}

function clickOf(
  payload: JsonObject,
  data: JsonObject,
  isDead: boolean,
  isRage: boolean,
): ReplayClick | undefined {
  const node = data.node;
  if (!isJsonObject(node) || typeof node.id !== 'number' || !Number.isInteger(node.id) || node.id < 0)
    return undefined;
  if (typeof payload.timestamp !== 'number' || !Number.isFinite(payload.timestamp)) return undefined;
  const attributes = isJsonObject(node.attributes) ? node.attributes : {};
  const attr = (key: string): string => str(attributes[key]);
  return {
    nodeId: node.id,
    tag: str(node.tagName).slice(0, 32),
    id: attr('id').slice(0, 64),
    classes: attr('class')
      .split(' ')
      .filter((c) => c !== '')
      .slice(0, 10),
    text: str(node.textContent).slice(0, 1024),
    role: attr('role').slice(0, 32),
    alt: attr('alt').slice(0, 64),
    testid: (attr('testId') || attr('data-testid') || attr('data-test-id')).slice(0, 64),
    ariaLabel: attr('aria-label').slice(0, 64),
    title: attr('title').slice(0, 64),
    componentName: attr('data-sentry-component').slice(0, 64),
    isDead,
    isRage,
    timestamp: Math.trunc(payload.timestamp),
  };
}

function str(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

function num(value: JsonValue | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
