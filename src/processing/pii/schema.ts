/**
 * Which parts of an event the PII scrubber may touch: the `pii = "true"` attributes of
 * `relay-event-schema` (fields without them are never scrubbed by the legacy settings) and the
 * value types selectors see (`$http`, `$frame`, …).
 *
 * Follows `relay-event-schema/src/protocol/{event,user,request,logentry,breadcrumb,stacktrace,
 * exception,span,clientsdk}.rs` and `contexts/*.rs` (known contexts keep their unknown keys
 * unscrubbed; unknown contexts and response/trace data are scrubbed, as the
 * `relay-pii` `convert` tests pin). `pii = "maybe"` fields (frame paths and module, tags,
 * culprit, debug image paths) are bags with `pii: 'maybe'`: the legacy rules never walk them,
 * the advanced PII config reaches them with specific selectors only (`selector.rs`).
 */
import { isJsonObject, type JsonValue } from '../../protocol/json.js';
import { EVENT_FIELDS } from '../normalize/index.js';

/** How to walk a part of the event. */
export type Schema =
  /**
   * A data bag: every value inside is pii (`pii: 'maybe'`: only for specific selectors); `pairs`
   * marks `[key, value]` pair lists, `path` native paths whose basename is never scrubbed
   * (Relay's `NativeImagePath`), `types` extra value types of the bag itself (`message`).
   */
  | { kind: 'bag'; pairs?: boolean; pii?: 'maybe'; path?: boolean; types?: readonly string[] }
  /** A struct: known `fields`; unknown keys follow `other` (not walked when absent). */
  | { kind: 'struct'; types: readonly string[]; fields: Readonly<Record<string, Schema>>; other?: Schema }
  /** A `{values: [...]}` interface. */
  | { kind: 'values'; item: Schema }
  /** An array of items. */
  | { kind: 'list'; item: Schema }
  /** `contexts`: the schema depends on the context's key and type. */
  | { kind: 'contexts' };

const BAG: Schema = { kind: 'bag' };
const PAIRS: Schema = { kind: 'bag', pairs: true };
const MAYBE: Schema = { kind: 'bag', pii: 'maybe' };
const MAYBE_PATH: Schema = { kind: 'bag', pii: 'maybe', path: true };
const MESSAGE: Schema = { kind: 'bag', types: ['message'] };

const STACKTRACE: Schema = {
  kind: 'struct',
  types: ['stacktrace'],
  fields: {
    frames: {
      kind: 'list',
      item: {
        kind: 'struct',
        types: ['frame'],
        fields: { vars: BAG, module: MAYBE, filename: MAYBE_PATH, abs_path: MAYBE_PATH },
      },
    },
  },
};

const EXCEPTION: Schema = {
  kind: 'struct',
  types: ['error'],
  fields: { value: BAG, stacktrace: STACKTRACE, raw_stacktrace: STACKTRACE },
};

const USER: Schema = {
  kind: 'struct',
  types: ['user'],
  fields: {
    id: BAG,
    email: BAG,
    ip_address: BAG,
    username: BAG,
    name: BAG,
    data: BAG,
    geo: {
      kind: 'struct',
      types: [],
      fields: { country_code: BAG, city: BAG, subdivision: BAG, region: BAG },
    },
  },
  other: BAG,
};

const REQUEST_NON_PII = ['url', 'method', 'protocol', 'body_size', 'inferred_content_type', 'api_target'];

const REQUEST: Schema = {
  kind: 'struct',
  types: ['http'],
  fields: {
    data: BAG,
    query_string: PAIRS,
    fragment: BAG,
    cookies: PAIRS,
    headers: PAIRS,
    env: BAG,
    ...Object.fromEntries(
      REQUEST_NON_PII.map((key) => [key, { kind: 'struct', types: [], fields: {} } as Schema]),
    ),
  },
  other: BAG,
};

/** Context types Relay models as structs; their fields (but see {@link CONTEXT_SCHEMAS}) are not pii. */
export const KNOWN_CONTEXT_TYPES: ReadonlySet<string> = new Set([
  'device',
  'os',
  'runtime',
  'app',
  'browser',
  'gpu',
  'trace',
  'profile',
  'replay',
  'monitor',
  'response',
  'otel',
  'cloud_resource',
  'nel',
  'performance_score',
  'spring',
  'ota_updates',
  'flags',
  // Relay's user_report_v2 context: a known context with no personal-data fields.
  'feedback',
]);

/** Known contexts with pii fields. */
export const CONTEXT_SCHEMAS: Readonly<Record<string, Schema>> = {
  response: { kind: 'struct', types: [], fields: { cookies: PAIRS, headers: PAIRS, data: BAG } },
  trace: { kind: 'struct', types: [], fields: { data: BAG } },
};

const NOT_WALKED: Schema = { kind: 'struct', types: [], fields: {} };

/**
 * The schema of the context under `key` (its type is its `type` field, else the key): unknown
 * contexts are data bags, known ones have their pii fields or `undefined` (nothing to walk).
 */
export function contextSchema(key: string, context: JsonValue): Schema | undefined {
  const type = isJsonObject(context) && typeof context.type === 'string' ? context.type : key;
  if (!KNOWN_CONTEXT_TYPES.has(type)) return BAG;
  return Object.hasOwn(CONTEXT_SCHEMAS, type) ? CONTEXT_SCHEMAS[type] : undefined;
}

/** The event schema. */
export const EVENT_SCHEMA: Schema = {
  kind: 'struct',
  types: ['event'],
  fields: {
    ...Object.fromEntries([...EVENT_FIELDS].map((key) => [key, NOT_WALKED])),
    extra: BAG,
    server_name: BAG,
    user: USER,
    request: REQUEST,
    logentry: {
      kind: 'struct',
      types: ['logentry'],
      fields: { message: MESSAGE, formatted: MESSAGE, params: BAG },
    },
    culprit: MAYBE,
    tags: { kind: 'bag', pairs: true, pii: 'maybe' },
    debug_meta: {
      kind: 'struct',
      types: [],
      fields: {
        images: {
          kind: 'list',
          item: { kind: 'struct', types: [], fields: { code_file: MAYBE_PATH, debug_file: MAYBE_PATH } },
        },
      },
    },
    exception: { kind: 'values', item: EXCEPTION },
    stacktrace: STACKTRACE,
    threads: {
      kind: 'values',
      item: {
        kind: 'struct',
        types: ['thread'],
        fields: { stacktrace: STACKTRACE, raw_stacktrace: STACKTRACE },
      },
    },
    breadcrumbs: {
      kind: 'values',
      item: { kind: 'struct', types: ['breadcrumb'], fields: { message: BAG, data: BAG } },
    },
    contexts: { kind: 'contexts' },
    sdk: { kind: 'struct', types: ['sdk'], fields: { client_ip: BAG } },
    spans: {
      kind: 'list',
      item: { kind: 'struct', types: ['span'], fields: { data: BAG, sentry_tags: BAG } },
    },
    hpkp: BAG,
    expectct: BAG,
    expectstaple: BAG,
  },
  other: BAG,
};

/**
 * The replay event schema (`relay-event-schema/src/protocol/replay.rs`, `Replay`): the event
 * interfaces it shares with events (`user`, `request`, `contexts`, `sdk`) plus its own pii
 * fields, `urls` and `tags` (both `pii = "true"`). The ids, timestamps and other replay fields
 * are never scrubbed, and unknown keys are not walked (Relay's `Replay` keeps none).
 */
export const REPLAY_SCHEMA: Schema = {
  kind: 'struct',
  types: ['event'],
  fields: {
    user: USER,
    request: REQUEST,
    contexts: { kind: 'contexts' },
    sdk: { kind: 'struct', types: ['sdk'], fields: { client_ip: BAG } },
    urls: BAG,
    tags: PAIRS,
  },
};
