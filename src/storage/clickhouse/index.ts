/**
 * The telemetry store (DESIGN.md "Storage"): opening embedded
 * chDB or a ClickHouse server, schema migrations, batched inserts, and the `events` readers.
 */
export {
  ClickHouseOpenError,
  DEFAULT_EMBEDDED_MEMORY_LIMIT_BYTES,
  embeddedEngineArgs,
  openClickHouse,
} from './client.js';
export type {
  ClickHouseOpenFailure,
  ClickHousePing,
  ClickHouseStore,
  OpenClickHouseOptions,
} from './client.js';
export { CLICKHOUSE_MIGRATIONS, appliedVersions, migrate } from './migrations.js';
export type { ClickHouseMigration, MigrationReport } from './migrations.js';
export { BatchSink, SinkClosedError, approximateJsonBytes, jsonLinesWriter, pushWhenRoom } from './sink.js';
export type { BatchSinkOptions } from './sink.js';
export {
  CLICKHOUSE_FAULT_FILE_ENV,
  clickHouseFaultsFromEnv,
  readClickHouseFault,
  withInjectedFaults,
} from './fault-injection.js';
export type { ClickHouseFault } from './fault-injection.js';
export { parseDateTime, toDateTime64 } from './datetime.js';
export {
  EVENTS_TABLE,
  countEvents,
  escapeHashMapKey,
  getEvent,
  getLatestEvent,
  getOldestEvent,
  groupStats,
  hashMapEntry,
  listGroupEvents,
  queryIssueAggregates,
  encodeEventRow,
  findEventLocations,
  withGroupId,
} from './events.js';
export {
  moveGroupEvents,
  deleteGroupEvents,
  groupsWithEvents,
  lastGroupRelease,
  groupUserCounts,
  groupHourlyCounts,
  type HourlyCount,
} from './group-events.js';
export { excludeGroups } from './group-exclusions.js';
export type {
  ErrorEventRow,
  EventRowInput,
  EventFilter,
  EventLocation,
  EventScope,
  GroupStatsBucket,
  GroupStatsOptions,
  IssueAggregate,
  IssueAggregateScope,
  ListGroupEventsOptions,
  StoredErrorEvent,
} from './events.js';
