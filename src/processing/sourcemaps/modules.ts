/**
 * Finding the minified file and source map behind a frame's URL (a "module"), as Symbolicator's
 * `fetch_minified_and_sourcemap` does (`symbolicator: crates/symbolicator-js/src/lookup.rs`;
 * reference/sentry-semantics.md §9.2): the minified file by the debug id of its
 * `debug_meta.images` entry, else by URL under the event's release and dist; its source map by
 * the `Sourcemap` header or `sourceMappingURL` comment (resolved against the frame URL; `data:`
 * URLs embed it), looked up by debug id first, then by URL under the release; without a
 * reference, by debug id alone. Vigil never fetches files from the web (Symbolicator's
 * "scraping"): a file that was not uploaded is missing.
 */
import type { ArtifactFile } from './artifact-source.js';
import type { ArtifactCache, BatchLookups, FoundFile, TextArtifact } from './artifacts.js';
import { normalizeDebugId, resolveSourceMapReference } from './references.js';
import { SourceMapView } from './source-map-view.js';

/** Which lookup found a file (Symbolicator's `resolved_with`). */
export type ResolvedWith = ArtifactFile['resolvedWith'];

/** The event's side of the lookups: project, release and dist, and where to look. */
export interface ModuleContext {
  projectId: number;
  /** The event's release; without one only debug ids can find files. */
  release: string | undefined;
  dist: string | undefined;
  lookups: BatchLookups;
  cache: ArtifactCache;
}

/** The state of a module's source map. */
export type ModuleSourceMap =
  | { kind: 'ok'; view: SourceMapView; resolvedWith: ResolvedWith }
  | { kind: 'malformed'; resolvedWith: ResolvedWith }
  | { kind: 'missing' };

/** What symbolication knows about one frame URL. */
export interface JsModule {
  /** The minified file; `undefined` when it was not found (or its map reference is a broken `data:` URL). */
  minified: { found: FoundFile; text: TextArtifact } | undefined;
  /** `undefined` when the minified file neither references a map nor has a debug id (nothing to map). */
  sourceMap: ModuleSourceMap | undefined;
  /**
   * What frames name as their source map (`data.sourcemap`, error `url`s): the map's URL, or
   * the frame URL for embedded maps and maps found by debug id alone.
   */
  sourceMapLabel: string;
  /** The URL original `sources` are relative to: the map's URL, else the frame URL. */
  sourceFileBase: string;
}

/**
 * Resolves the module at `absPath` (already without an `async ` prefix), with the debug id of
 * its `sourcemap` image if the event has one.
 */
export async function resolveModule(
  ctx: ModuleContext,
  absPath: string,
  imageDebugId: string | undefined,
): Promise<JsModule> {
  const missing: JsModule = {
    minified: undefined,
    sourceMap: undefined,
    sourceMapLabel: absPath,
    sourceFileBase: absPath,
  };
  const { projectId, release, dist, lookups, cache } = ctx;
  let found =
    imageDebugId === undefined
      ? undefined
      : await lookups.byDebugId(projectId, imageDebugId, 'minified_source');
  if (found === undefined && release !== undefined)
    found = await lookups.byUrl(projectId, release, dist, absPath);
  if (found === undefined) return missing;
  const text = cache.text(found);
  const { headers } = found.file;
  const reference = resolveSourceMapReference(absPath, headers, () => text.sourceMappingUrl());
  if (reference === 'malformed') return missing;
  const minified = { found, text };
  const debugId = imageDebugId ?? normalizeDebugId(headers['debug-id']) ?? text.debugId();
  const remoteUrl = reference?.kind === 'url' ? reference.url : undefined;
  const module: JsModule = {
    minified,
    sourceMap: undefined,
    sourceMapLabel: remoteUrl ?? absPath,
    sourceFileBase: remoteUrl ?? absPath,
  };
  if (reference === undefined && debugId === undefined) return module;

  if (reference?.kind === 'embedded') {
    module.sourceMap = parsed(cache.view(minified, { embedded: reference.text }), found.file.resolvedWith);
    return module;
  }
  let map = debugId === undefined ? undefined : await lookups.byDebugId(projectId, debugId, 'source_map');
  if (map === undefined && remoteUrl !== undefined && release !== undefined)
    map = await lookups.byUrl(projectId, release, dist, remoteUrl);
  module.sourceMap =
    map === undefined
      ? { kind: 'missing' }
      : parsed(cache.view(minified, { found: map }), map.file.resolvedWith);
  return module;
}

function parsed(result: SourceMapView | Error, resolvedWith: ResolvedWith): ModuleSourceMap {
  return result instanceof SourceMapView
    ? { kind: 'ok', view: result, resolvedWith }
    : { kind: 'malformed', resolvedWith };
}
