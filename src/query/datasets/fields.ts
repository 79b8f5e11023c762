/**
 * Building blocks of the field catalogues (./errors.ts, ./transactions.ts, ./spans.ts,
 * ./logs.ts, ./trace-metrics.ts): a field from a trusted SQL expression, its filter and type;
 * a source from a table, its scoping columns, its named fields and a fallback for other keys;
 * and the search configuration (typed keys) a catalogue implies for the parser.
 */
import { DEFAULT_SEARCH_CONFIG, resolveSearchConfig, type SearchConfig } from '../config.js';
import type { EventField } from '../event-fields.js';
import { decodeProjectSlug } from './decode.js';
import type { ColumnDef, Decoder, FieldFilter, FieldType, Source } from './types.js';

/** Characters a field name may have (Sentry's `VALID_FIELD_PATTERN`, plus `:` of `sentry:` tags). */
export const VALID_FIELD_NAME = /^[a-zA-Z0-9_.:-]+$/;

/** A field reading `expr` (trusted SQL) of `type`, filtering as `filter`. */
export function field(
  expr: string,
  type: FieldType,
  filter: FieldFilter | null,
  options: { unit?: string; decode?: Decoder } = {},
): ColumnDef {
  return {
    select: () => expr,
    filter,
    type,
    unit: options.unit ?? null,
    ...(options.decode === undefined ? {} : { decode: options.decode }),
  };
}

/** A String expression filtered as text (`lowercase`: stored lower case; `hexId`: a hex id). */
export function textField(expr: string, options: { lowercase?: boolean; hexId?: boolean } = {}): ColumnDef {
  return field(expr, 'string', { kind: 'text', expr, ...options });
}

/** A column of `events` read as `type` and filtered by the issue-search compiler as `filter`. */
export function eventField(expr: string, type: FieldType, filter: EventField, unit?: string): ColumnDef {
  return field(expr, type, { kind: 'event', field: filter }, unit === undefined ? {} : { unit });
}

/** A numeric expression (`type` integer, number, duration in ms, size in bytes). */
export function numberField(expr: string, type: FieldType = 'number', unit?: string): ColumnDef {
  return field(expr, type, { kind: 'number', expr }, unit === undefined ? {} : { unit });
}

/** A DateTime64 expression. */
export function dateField(expr: string): ColumnDef {
  return field(expr, 'date', { kind: 'date', expr });
}

/** A 0/1 expression read as a boolean. */
export function booleanField(expr: string): ColumnDef {
  return field(expr, 'boolean', { kind: 'boolean', expr });
}

/** `project` / `project.name`: the project id column answered as the slug, filtered by slug. */
export function projectSlugField(projectColumn: string): ColumnDef {
  return field(
    projectColumn,
    'string',
    { kind: 'project', expr: projectColumn },
    { decode: decodeProjectSlug },
  );
}

/**
 * `issue`: the issue id column `ids` reads answered as the issue's short id (`decode`), filtered
 * by short id through the issue ids the caller looked up (./lookups.ts).
 */
export function issueField(idExpr: string, ids: FieldFilter, decode: Decoder): ColumnDef {
  return field(idExpr, 'string', { kind: 'issue', ids }, { decode });
}

/**
 * The release keys Sentry resolves through its release table: `release.version`,
 * `release.package`, `release.build` (filtered as the versions they select on `release`) and
 * `release.stage`. Selected as fields they read what `tag(name)` reads, since Sentry treats
 * them as tags there.
 */
export function releaseLookupFields(
  release: ColumnDef,
  tag: (name: string) => ColumnDef | null,
): Record<string, ColumnDef> {
  const out: Record<string, ColumnDef> = {};
  for (const name of ['release.version', 'release.package', 'release.build', 'release.stage']) {
    const read = tag(name);
    if (read === null || release.filter === null) continue;
    out[name] = {
      ...read,
      filter:
        name === 'release.stage'
          ? { kind: 'releaseStage' }
          : { kind: 'releaseLookup', release: release.filter },
    };
  }
  return out;
}

/** The parts of a {@link Source} besides its field lookup. */
export interface SourceShape {
  table: string;
  where: string | null;
  timeColumn: string;
  projectColumn: string;
  environmentColumn: string;
}

/**
 * A source whose fields are `named`, and whose other keys (with valid characters, or the
 * explicit `tags[…]` / `flags[…]` forms) are resolved by `fallback`.
 */
export function sourceOf(
  shape: SourceShape,
  named: Readonly<Record<string, ColumnDef>>,
  fallback: (name: string) => ColumnDef | null,
): Source & { named: Readonly<Record<string, ColumnDef>> } {
  return {
    ...shape,
    named,
    column: (name) => (Object.hasOwn(named, name) ? (named[name] ?? null) : fallback(name)),
  };
}

/**
 * The search configuration of a catalogue: its numeric, duration, size, date and boolean fields
 * typed for the parser (`transaction.duration:>1s`, `timestamp:-24h`, `is_transaction:true`),
 * its release lookup keys taking comparison operators (`release.version:>1.2.3`), `extra`
 * merged in (percentage functions, `last_seen()`), booleans and aggregates allowed, free text on
 * `message`.
 */
export function searchConfigFor(
  named: Readonly<Record<string, ColumnDef>>,
  extra: { dateKeys?: string[]; percentageKeys?: string[]; numericKeys?: string[] } = {},
): SearchConfig {
  const of = (...types: FieldType[]): string[] =>
    Object.entries(named)
      .filter(([, def]) => types.includes(def.type) && def.filter !== null && def.filter.kind !== 'attribute')
      .map(([name]) => name);
  return resolveSearchConfig(
    {
      numericKeys: [...of('integer', 'number', 'duration', 'size'), ...(extra.numericKeys ?? [])],
      durationKeys: of('duration'),
      sizeKeys: of('size'),
      percentageKeys: [...of('percentage'), ...(extra.percentageKeys ?? [])],
      dateKeys: [...of('date'), ...(extra.dateKeys ?? [])],
      booleanKeys: of('boolean'),
      textOperatorKeys: Object.entries(named)
        .filter(([, def]) => def.filter?.kind === 'releaseLookup' || def.filter?.kind === 'releaseStage')
        .map(([name]) => name),
      allowBoolean: true,
      allowAggregates: true,
      freeTextKey: 'message',
    },
    DEFAULT_SEARCH_CONFIG,
  );
}
