/**
 * Search over one issue's events (`GET /api/0/issues/{id}/events/?query=`): Sentry's event
 * search syntax with `AND`/`OR` and parentheses (the events dataset's builder, as
 * `src/sentry/issues/endpoints/group_events.py` uses it), compiled to one parameterised
 * condition over the `events` table. Event keys are those of issue search (event-fields.ts);
 * issue attributes (`is:`, `assigned:`...) and aggregates are rejected.
 */
import { DEFAULT_SEARCH_CONFIG, resolveSearchConfig } from './config.js';
import { searchError, type SearchResult } from './errors.js';
import { compileEventCondition, eventFieldFor } from './event-fields.js';
import type { AggregateFilter, SearchFilter } from './filters.js';
import { compileSearchCondition } from './search-condition.js';
import type { SqlFragment, SqlParams } from './sql.js';

const EVENT_SEARCH_CONFIG = resolveSearchConfig(
  {
    numericKeys: ['issue.id', 'project.id', 'project_id'],
    durationKeys: [],
    percentageKeys: [],
    dateKeys: ['timestamp', 'date', 'timestamp.to_hour', 'timestamp.to_day'],
    booleanKeys: ['error.handled', 'error.unhandled'],
    typedMeasurements: false,
    keyMappings: { date: ['event.timestamp'], 'sentry:dist': ['dist'] },
    allowBoolean: true,
    allowAggregates: false,
  },
  DEFAULT_SEARCH_CONFIG,
);

// Keys Sentry resolves through its release tables (semver comparisons, adoption stages).
const UNSUPPORTED_KEYS = new Set(['release.version', 'release.build', 'release.package', 'release.stage']);

/**
 * Compiles an event query to a condition over `events` (null for an empty query). Free text
 * matches message, title and culprit; unknown keys are tags. Errors carry Sentry's messages and
 * the span. Never throws.
 */
export function compileGroupEventSearch(
  query: string,
  options: { now: Date },
): SearchResult<SqlFragment | null> {
  return compileSearchCondition(
    query,
    resolveSearchConfig({ now: options.now }, EVENT_SEARCH_CONFIG),
    compileFilter,
  );
}

function compileFilter(expression: SearchFilter | AggregateFilter, params: SqlParams): SearchResult<string> {
  const location = expression.location ?? null;
  if (expression.type === 'aggregate') {
    return {
      ok: false,
      error: searchError('unsupported', `Invalid key for this search: ${expression.key}`, location),
    };
  }
  const field = UNSUPPORTED_KEYS.has(expression.key) ? null : eventFieldFor(expression.key);
  if (field === null) {
    return {
      ok: false,
      error: searchError('unsupported', `Invalid key for this search: ${expression.key}`, location),
    };
  }
  return compileEventCondition(expression, field, params);
}
