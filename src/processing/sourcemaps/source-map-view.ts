/**
 * A parsed source map joined with its minified file, ready for frame lookups: what
 * Symbolicator's `SourceMapCache` holds (`symbolic-sourcemapcache`). Mappings are decoded with
 * `@jridgewell/trace-mapping` (regular and indexed maps) and packed into typed arrays; a lookup
 * takes the greatest mapping at or before the position, across lines (as the cache does), and
 * reports the original file, line, column, the mapping's name and the enclosing function scope
 * of the minified file, named in original names (see `scopes.ts`).
 */
import { AnyMap, decodedMappings, TraceMap } from '@jridgewell/trace-mapping';
import type { ScopeLookup } from './function-names.js';
import { ANONYMOUS_SCOPE, extractScopes, GLOBAL_SCOPE, ScopeIndex, type NameComponent } from './scopes.js';
import { splitLines } from './source-context.js';

/** A source map that cannot be parsed or references sources/names it does not have. */
export class MalformedSourceMapError extends Error {
  override name = 'MalformedSourceMapError';
}

/** Where a minified position came from (0-based line and column, as in the map). */
export interface OriginalLocation {
  /** Index of the original file (see {@link SourceMapView.sourceName}). */
  source: number;
  line: number;
  column: number;
  /** The mapping's entry in `names`: the original identifier at that position. */
  name: string | undefined;
  /** The function scope around the mapping's minified position. */
  scope: ScopeLookup;
}

/** Fields per packed segment: generated column, source, original line, original column, name (-1: none). */
const SEGMENT = 5;

/**
 * `sources[i]` prefixed with `sourceRoot` as rust-sourcemap does: absolute paths and http(s)
 * URLs stay as they are.
 */
function withSourceRoot(sourceRoot: string | undefined, source: string): string {
  if (!sourceRoot) return source;
  if (source !== '' && (source.startsWith('/') || source.startsWith('http:') || source.startsWith('https:')))
    return source;
  return `${sourceRoot.replace(/\/$/, '')}/${source}`;
}

/** Offsets of each line start in `text` (UTF-16 units; lines end at `\n`). */
function lineStarts(text: string): Uint32Array {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return Uint32Array.from(starts);
}

/** A source map of one minified file, queried by minified position. Immutable once built. */
export class SourceMapView {
  /** Estimated memory held, in bytes (for the artifact cache). */
  readonly bytes: number;
  private readonly sources: string[];
  private readonly contents: Array<string | undefined>;
  private readonly contentLines: Array<string[] | undefined>;
  private readonly names: string[];
  /** Segment index of each generated line's first segment; `lineFirst[lines]` = segment count. */
  private readonly lineFirst: Uint32Array;
  private readonly segments: Int32Array;
  private readonly minifiedLineStarts: Uint32Array;
  private scopeState:
    | {
        index: ScopeIndex;
        names: Array<NameComponent[] | undefined>;
        resolved: Array<string | null | undefined>;
      }
    | undefined;

  /**
   * Parses `sourceMap` (JSON text) for `minified` (the file it maps). Throws
   * {@link MalformedSourceMapError} when it is not a valid version-3 map (regular or indexed).
   */
  constructor(
    private readonly minified: string,
    sourceMap: string,
  ) {
    let map: TraceMap;
    let decoded: ReturnType<typeof decodedMappings>;
    let indexed = false;
    try {
      const json = JSON.parse(sourceMap) as unknown;
      if (typeof json !== 'object' || json === null) throw new Error('not an object');
      const raw = json as { sections?: unknown; mappings?: unknown; sources?: unknown };
      indexed = Array.isArray(raw.sections);
      if (indexed) {
        map = new AnyMap(json as ConstructorParameters<typeof AnyMap>[0]);
      } else {
        if (typeof raw.mappings !== 'string' || !Array.isArray(raw.sources)) throw new Error('no mappings');
        map = new TraceMap(json as ConstructorParameters<typeof TraceMap>[0]);
      }
      decoded = decodedMappings(map);
    } catch (err) {
      throw new MalformedSourceMapError(err instanceof Error ? err.message : String(err));
    }
    // Flattened sections carry their sources resolved against their own `sourceRoot` already.
    const rawSources = indexed ? map.resolvedSources : map.sources;
    this.sources = rawSources.map((s) => (indexed ? (s ?? '') : withSourceRoot(map.sourceRoot, s ?? '')));
    this.contents = this.sources.map((_, i) => {
      const content = map.sourcesContent?.[i];
      return typeof content === 'string' ? content : undefined;
    });
    this.contentLines = this.sources.map(() => undefined);
    this.names = map.names.map(String);

    let count = 0;
    for (const line of decoded) count += line.length;
    this.lineFirst = new Uint32Array(decoded.length + 1);
    this.segments = new Int32Array(count * SEGMENT);
    let at = 0;
    for (let line = 0; line < decoded.length; line++) {
      this.lineFirst[line] = at / SEGMENT;
      for (const segment of decoded[line]!) {
        const [column, source = -1, origLine = 0, origColumn = 0, name = -1] = segment as readonly number[];
        const valid =
          Number.isInteger(column) &&
          column! >= 0 &&
          source < this.sources.length &&
          name < this.names.length &&
          origLine >= 0 &&
          origColumn >= 0;
        if (!valid) throw new MalformedSourceMapError(`invalid mapping on generated line ${line + 1}`);
        this.segments[at++] = column!;
        this.segments[at++] = segment.length >= 4 ? source : -1;
        this.segments[at++] = origLine;
        this.segments[at++] = origColumn;
        this.segments[at++] = segment.length === 5 ? name : -1;
      }
    }
    this.lineFirst[decoded.length] = at / SEGMENT;
    this.minifiedLineStarts = lineStarts(minified);
    const contentChars = this.contents.reduce((n, c) => n + (c?.length ?? 0), 0);
    // Strings count twice (the text and, once used, its lines); scopes about a tenth of the file.
    this.bytes =
      minified.length * 2.2 +
      contentChars * 4 +
      this.segments.byteLength +
      this.lineFirst.byteLength +
      this.minifiedLineStarts.byteLength +
      sourceMap.length / 10;
  }

  /** The original file name of `source` as the map writes it (`sourceRoot` applied). */
  sourceName(source: number): string {
    return this.sources[source] ?? '';
  }

  /** The lines of `source` from the map's `sourcesContent`, or `undefined` when it has none. */
  sourceLines(source: number): readonly string[] | undefined {
    const cached = this.contentLines[source];
    if (cached !== undefined) return cached;
    const content = this.contents[source];
    if (content === undefined) return undefined;
    const lines = splitLines(content);
    this.contentLines[source] = lines;
    return lines;
  }

  /**
   * The original location of the 0-based minified `line`/`column`: the greatest mapping at or
   * before it (from an earlier line if its line has none; the first mapping if none precedes
   * it). `undefined` when the map has no mappings or that mapping has no source.
   */
  lookup(line: number, column: number): OriginalLocation | undefined {
    const index = this.segmentAtOrBefore(line, column);
    if (index === -1) return undefined;
    const at = index * SEGMENT;
    const source = this.segments[at + 1]!;
    if (source < 0) return undefined;
    const nameIndex = this.segments[at + 4]!;
    const generatedLine = this.lineOf(index);
    return {
      source,
      line: this.segments[at + 2]!,
      column: this.segments[at + 3]!,
      name: nameIndex >= 0 ? this.names[nameIndex] : undefined,
      scope: this.scopeAt(generatedLine, this.segments[at]!),
    };
  }

  private segmentAtOrBefore(line: number, column: number): number {
    const lines = this.lineFirst.length - 1;
    const total = this.lineFirst[lines]!;
    if (total === 0) return -1;
    for (let l = Math.min(line, lines - 1); l >= 0; l--) {
      const first = this.lineFirst[l]!;
      const end = this.lineFirst[l + 1]!;
      if (first === end) continue;
      if (l < line) return end - 1;
      let lo = first;
      let hi = end - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (this.segments[mid * SEGMENT]! <= column) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      if (found !== -1) return found;
    }
    return 0;
  }

  /** The generated line of segment `index`. */
  private lineOf(index: number): number {
    let lo = 0;
    let hi = this.lineFirst.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.lineFirst[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The original name of the mapping exactly at (or one column before) a minified position. */
  private nameAt(line: number, column: number): string | undefined {
    const first = this.lineFirst[line];
    const end = this.lineFirst[line + 1];
    if (first === undefined || end === undefined) return undefined;
    let found = -1;
    let lo = first;
    let hi = end - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid * SEGMENT]! <= column) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found === -1 || this.segments[found * SEGMENT]! < column - 1) return undefined;
    const nameIndex = this.segments[found * SEGMENT + 4]!;
    return nameIndex >= 0 ? this.names[nameIndex] : undefined;
  }

  /** The scope around a minified position; scopes are extracted on first use. */
  private scopeAt(line: number, column: number): ScopeLookup {
    const state = (this.scopeState ??= this.buildScopes());
    const start = this.minifiedLineStarts[line];
    if (start === undefined) return { kind: 'unknown' };
    const id = state.index.lookup(start + column);
    if (id === GLOBAL_SCOPE) return { kind: 'unknown' };
    if (id === ANONYMOUS_SCOPE) return { kind: 'anonymous' };
    let name = state.resolved[id];
    if (name === undefined) {
      name = this.resolveName(state.names[id]);
      state.resolved[id] = name;
    }
    return name === null ? { kind: 'anonymous' } : { kind: 'named', name };
  }

  private buildScopes(): NonNullable<SourceMapView['scopeState']> {
    const scopes = extractScopes(this.minified);
    return {
      index: new ScopeIndex(scopes),
      names: scopes.map((s) => s.name),
      resolved: scopes.map(() => undefined),
    };
  }

  /** A scope name in original names: each identifier through the map, else as minified; `null` if empty. */
  private resolveName(components: NameComponent[] | undefined): string | null {
    if (components === undefined) return null;
    let name = '';
    for (const component of components) {
      if (component.offset === undefined) {
        name += component.text;
        continue;
      }
      const { line, column } = this.position(component.offset);
      name += this.nameAt(line, column) ?? component.text;
    }
    return name === '' ? null : name;
  }

  /** Line and column of a UTF-16 offset in the minified file. */
  private position(offset: number): { line: number; column: number } {
    const starts = this.minifiedLineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: offset - starts[lo]! };
  }
}
