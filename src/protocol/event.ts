/**
 * The Sentry event protocol: the subset of fields Vigil reads, normalizes, groups,
 * stores and serves. Field names keep the wire's snake_case spelling.
 *
 * Follows https://develop.sentry.dev/sdk/data-model/event-payloads/ and Relay's
 * `relay-event-schema/src/protocol/event.rs` (reference/relay-protocol.md §8).
 * Every field is optional because SDKs send partial events; normalization
 * (src/processing/normalize) fills the defaults. Unknown keys are kept as they are.
 */
import type { JsonObject, JsonValue } from './json.js';

/** Event levels after normalization (`warn` becomes `warning`). */
export type Level = 'debug' | 'info' | 'warning' | 'error' | 'fatal';

/** Event types Relay infers (reference/relay-protocol.md §8, "Event type"). */
export type EventType =
  'error' | 'default' | 'transaction' | 'csp' | 'hpkp' | 'expectct' | 'expectstaple' | 'feedback';

/** One stack frame (https://develop.sentry.dev/sdk/data-model/event-payloads/stacktrace/). */
export interface Frame extends JsonObject {
  filename?: string;
  abs_path?: string;
  function?: string;
  raw_function?: string;
  module?: string;
  package?: string;
  platform?: string;
  lineno?: number;
  colno?: number;
  context_line?: string;
  pre_context?: string[];
  post_context?: string[];
  in_app?: boolean;
  vars?: JsonObject;
  symbol?: string;
  instruction_addr?: string;
}

/** Frames are ordered oldest call first, the crashing frame last. */
export interface Stacktrace extends JsonObject {
  frames?: Frame[];
  registers?: JsonObject;
}

/** Exception mechanism (handled/unhandled, synthetic, exception-group tree ids). */
export interface Mechanism extends JsonObject {
  type?: string;
  handled?: boolean;
  synthetic?: boolean;
  description?: string;
  source?: string;
  exception_id?: number;
  parent_id?: number;
  is_exception_group?: boolean;
  meta?: JsonObject;
}

/** One exception of the chain; `values` are ordered oldest (cause) first. */
export interface ExceptionValue extends JsonObject {
  type?: string;
  value?: string;
  module?: string;
  thread_id?: number | string;
  stacktrace?: Stacktrace;
  raw_stacktrace?: Stacktrace;
  mechanism?: Mechanism;
}

export interface LogEntry extends JsonObject {
  message?: string;
  formatted?: string;
  params?: JsonValue[] | JsonObject;
}

export interface User extends JsonObject {
  id?: string;
  email?: string;
  username?: string;
  ip_address?: string;
  name?: string;
}

export interface Request extends JsonObject {
  url?: string;
  method?: string;
  query_string?: string | JsonValue[];
  fragment?: string;
  cookies?: JsonObject | string | JsonValue[];
  headers?: JsonObject | JsonValue[];
  env?: JsonObject;
  data?: JsonValue;
}

export interface Breadcrumb extends JsonObject {
  timestamp?: number | string;
  type?: string;
  category?: string;
  level?: string;
  message?: string;
  data?: JsonObject;
}

export interface ClientSdkInfo extends JsonObject {
  name?: string;
  version?: string;
  integrations?: string[];
  packages?: JsonObject[];
  settings?: JsonObject;
  client_ip?: string;
}

/** One entry of `errors[]`: a problem found while processing the event. */
export interface EventError extends JsonObject {
  type: string;
  name?: string;
  value?: JsonValue;
  sdk_time?: string;
  server_time?: string;
}

/**
 * A Sentry event as received and, after normalization, as stored.
 * Timestamps are unix seconds (floats) after normalization; on the wire they may
 * also be RFC 3339 strings.
 */
export interface SentryEvent extends JsonObject {
  event_id?: string;
  type?: string;
  timestamp?: number | string;
  start_timestamp?: number | string;
  received?: number;
  level?: string;
  platform?: string;
  logger?: string;
  transaction?: string;
  server_name?: string;
  release?: string;
  dist?: string;
  environment?: string;
  message?: string | LogEntry;
  logentry?: LogEntry;
  exception?: { values?: ExceptionValue[] } & JsonObject;
  stacktrace?: Stacktrace;
  threads?: { values?: JsonObject[] } & JsonObject;
  tags?: JsonObject | JsonValue[];
  extra?: JsonObject;
  contexts?: JsonObject;
  user?: User;
  request?: Request;
  breadcrumbs?: { values?: Breadcrumb[] } & JsonObject;
  sdk?: ClientSdkInfo;
  fingerprint?: string[];
  modules?: JsonObject;
  debug_meta?: JsonObject;
  errors?: EventError[];
  culprit?: string;
  title?: string;
  /** Issue metadata Sentry derives (type, value, filename, function...). */
  metadata?: JsonObject;
  checksum?: string;
  _meta?: JsonObject;
}
