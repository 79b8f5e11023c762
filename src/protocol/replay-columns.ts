/**
 * The fields of a replay segment and of a click that the replay pipelines produce
 * (src/processing/items/replays/) and the `replays` table stores and reads back
 * (src/storage/clickhouse/replays.ts): the one definition both share, after the columns of
 * Snuba's replays processor (reference/relay-protocol.md §11). Ids are 32 lowercase hex digits,
 * times Unix seconds, absent strings `''`.
 */

/** A name/version pair of a context or the SDK; `''` when absent. */
export interface NameVersion {
  name: string;
  version: string;
}

/** The fields of one replay segment's event as stored (see the module comment). */
export interface ReplaySegmentFields {
  projectId: number;
  /** 32 hex. */
  replayId: string;
  /** 32 hex; the replay id when the payload names none. */
  eventId: string;
  segmentId: number;
  /** `session`, `buffer` or `error`. */
  replayType: string;
  /** When the segment was created in the SDK, Unix seconds. */
  timestamp: number;
  /** When the replay started (first segment only), Unix seconds. */
  replayStartTimestamp: number | undefined;
  receivedAt: number;
  urls: string[];
  /** 32 hex each. */
  errorIds: string[];
  /** 32 hex each. */
  traceIds: string[];
  platform: string;
  release: string;
  environment: string;
  dist: string;
  user: { id: string; username: string; email: string; ipAddress: string };
  sdk: NameVersion;
  browser: NameVersion;
  os: NameVersion;
  device: { name: string; brand: string; family: string; model: string };
  tags: Array<[string, string]>;
  /** From `contexts.replay`; -1 when absent (Snuba's default). */
  errorSampleRate: number;
  sessionSampleRate: number;
}

/** The clicked element of a click, as stored and read back (Snuba's `click_*` columns). */
export interface ReplayClickElement {
  tag: string;
  id: string;
  classes: string[];
  text: string;
  role: string;
  alt: string;
  testid: string;
  ariaLabel: string;
  title: string;
  componentName: string;
}

/** One click, the `click_*` columns of a Snuba replays click row. */
export interface ReplayClick extends ReplayClickElement {
  /** rrweb node id. */
  nodeId: number;
  isDead: boolean;
  isRage: boolean;
  /** Unix seconds (the breadcrumb's, truncated). */
  timestamp: number;
}
