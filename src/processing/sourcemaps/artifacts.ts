/**
 * Reading artifacts for symbolication: lookups through the {@link ArtifactSource}, remembered
 * for one batch of events (a batch full of one release asks for each file once), and the parsed
 * forms of the files (decoded text, split lines, {@link SourceMapView}s) in a byte-bounded LRU
 * kept across batches, keyed by how the file was found and checked against its bytes, so a hot
 * bundle is parsed once and a re-uploaded one is parsed again.
 */
import type { ArtifactFile, ArtifactFileType, ArtifactSource } from './artifact-source.js';
import { ByteLru, type Sized } from './byte-lru.js';
import { discoverDebugId, discoverSourceMappingUrl } from './references.js';
import { BoundedCache } from '../grouping/bounded-cache.js';
import { getContextLines, splitLines, type ContextLines } from './source-context.js';
import { MalformedSourceMapError, SourceMapView } from './source-map-view.js';

/** An artifact found for an event, with the key of the lookup that found it. */
export interface FoundFile {
  file: ArtifactFile;
  /** Identifies the artifact across batches: project, lookup kind and what was looked up. */
  key: string;
}

/** Logs a failed lookup (the file then counts as missing, as Symbolicator treats a failed API lookup). */
export type LookupErrorHandler = (err: unknown, lookup: string) => void;

/** The key of a lookup by debug id: identifies it across batches and threads. */
export function debugIdLookupKey(projectId: number, debugId: string, type: ArtifactFileType): string {
  return `${projectId}\u0000debug-id\u0000${debugId}\u0000${type}`;
}

/** The key of a lookup by release, dist and URL: identifies it across batches and threads. */
export function urlLookupKey(
  projectId: number,
  release: string,
  dist: string | undefined,
  url: string,
): string {
  return `${projectId}\u0000url\u0000${release}\u0000${dist ?? ''}\u0000${url}`;
}

/**
 * The lookups of one batch: each distinct lookup goes to the source once. A lookup that throws
 * is logged and answers "not found" (Symbolicator's `query_sentry_for_files` ignores API errors).
 */
export class BatchLookups {
  private readonly memo = new Map<string, Promise<FoundFile | undefined>>();

  constructor(
    private readonly source: ArtifactSource,
    private readonly onError: LookupErrorHandler,
  ) {}

  /** The file of `type` with `debugId` (canonical form) in the project's bundles. */
  byDebugId(projectId: number, debugId: string, type: ArtifactFileType): Promise<FoundFile | undefined> {
    return this.once(debugIdLookupKey(projectId, debugId, type), () =>
      this.source.byDebugId(projectId, debugId, type),
    );
  }

  /** The file at `url` in the bundles of `release` / `dist` (`undefined`: none). */
  byUrl(
    projectId: number,
    release: string,
    dist: string | undefined,
    url: string,
  ): Promise<FoundFile | undefined> {
    return this.once(urlLookupKey(projectId, release, dist, url), () =>
      this.source.byUrl(projectId, release, dist, url),
    );
  }

  private once(key: string, lookup: () => Promise<ArtifactFile | undefined>): Promise<FoundFile | undefined> {
    let pending = this.memo.get(key);
    if (pending === undefined) {
      pending = lookup().then(
        (file) => (file === undefined ? undefined : { file, key }),
        (err: unknown) => {
          this.onError(err, key.replaceAll('\u0000', ' '));
          return undefined;
        },
      );
      this.memo.set(key, pending);
    }
    return pending;
  }
}

/** Contexts remembered per text artifact (frames of a hot bundle repeat the same positions). */
const CONTEXT_MEMO_ENTRIES = 1024;

/** A text artifact decoded once: its text, lines and trailing comments, computed when first asked. */
export class TextArtifact implements Sized {
  readonly text: string;
  readonly bytes: number;
  private lineCache: string[] | undefined;
  private readonly contexts = new BoundedCache<string, ContextLines | null>(CONTEXT_MEMO_ENTRIES);
  private mappingComment: string | null | undefined;
  private debugIdComment: string | null | undefined;

  constructor(readonly content: Buffer) {
    this.text = content.toString('utf8');
    // The text, and its lines once split.
    this.bytes = this.text.length * 4 + 64;
  }

  /** The file's lines (Rust `str::lines` semantics). */
  lines(): readonly string[] {
    return (this.lineCache ??= splitLines(this.text));
  }

  /**
   * The source context at the 1-based `lineno`, trimmed around byte `column` (see
   * `getContextLines`); remembered, since cutting a long minified line is the costly part.
   */
  contextAt(lineno: number, column: number): ContextLines | undefined {
    const key = `${lineno}:${column}`;
    let context = this.contexts.get(key);
    if (context === undefined)
      context = this.contexts.set(key, getContextLines(this.lines(), lineno, column) ?? null);
    return context ?? undefined;
  }

  /** The value of its `//# sourceMappingURL=` comment. */
  sourceMappingUrl(): string | undefined {
    if (this.mappingComment === undefined) this.mappingComment = discoverSourceMappingUrl(this.text) ?? null;
    return this.mappingComment ?? undefined;
  }

  /** The debug id of its `//# debugId=` comment. */
  debugId(): string | undefined {
    if (this.debugIdComment === undefined) this.debugIdComment = discoverDebugId(this.text) ?? null;
    return this.debugIdComment ?? undefined;
  }
}

/** A source map parsed for one minified file, or why it could not be. */
export type ParsedSourceMap = SourceMapView | MalformedSourceMapError;

interface ViewEntry extends Sized {
  minified: Buffer;
  sourceMap: Buffer | string;
  result: ParsedSourceMap;
}

const sameBytes = (a: Buffer, b: Buffer): boolean => a === b || a.equals(b);

/** Default memory for parsed artifacts: 256 MiB. */
export const DEFAULT_ARTIFACT_CACHE_BYTES = 256 * 1024 * 1024;

/** Parsed artifacts across batches, bounded by bytes (see the module comment). */
export class ArtifactCache {
  private readonly lru: ByteLru<TextArtifact | ViewEntry>;

  constructor(maxBytes = DEFAULT_ARTIFACT_CACHE_BYTES) {
    this.lru = new ByteLru(maxBytes);
  }

  /** Bytes currently held. */
  get bytes(): number {
    return this.lru.bytes;
  }

  /** The decoded text of a found file. */
  text(found: FoundFile): TextArtifact {
    const key = `text\u0000${found.key}`;
    const cached = this.lru.get(key);
    if (cached instanceof TextArtifact && sameBytes(cached.content, found.file.content)) return cached;
    const text = new TextArtifact(found.file.content);
    this.lru.set(key, text);
    return text;
  }

  /**
   * The source map `sourceMap` (a found map file, or the text embedded in the minified file)
   * parsed for `minified`; a malformed map is remembered as such too.
   */
  view(
    minified: { found: FoundFile; text: TextArtifact },
    sourceMap: { found: FoundFile } | { embedded: string },
  ): ParsedSourceMap {
    const mapKey = 'found' in sourceMap ? sourceMap.found.key : 'embedded';
    const mapContent = 'found' in sourceMap ? sourceMap.found.file.content : sourceMap.embedded;
    const key = `map\u0000${minified.found.key}\u0000${mapKey}`;
    const cached = this.lru.get(key);
    if (
      cached !== undefined &&
      !(cached instanceof TextArtifact) &&
      sameBytes(cached.minified, minified.found.file.content) &&
      (typeof mapContent === 'string'
        ? cached.sourceMap === mapContent
        : Buffer.isBuffer(cached.sourceMap) && sameBytes(cached.sourceMap, mapContent))
    ) {
      return cached.result;
    }
    let result: ParsedSourceMap;
    try {
      result = new SourceMapView(
        minified.text.text,
        typeof mapContent === 'string' ? mapContent : mapContent.toString('utf8'),
      );
    } catch (err) {
      if (!(err instanceof MalformedSourceMapError)) throw err;
      result = err;
    }
    const bytes = result instanceof SourceMapView ? result.bytes : mapContent.length;
    this.lru.set(key, { minified: minified.found.file.content, sourceMap: mapContent, result, bytes });
    return result;
  }
}
