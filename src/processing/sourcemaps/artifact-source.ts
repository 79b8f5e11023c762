/**
 * Where JavaScript symbolication finds the files sentry-cli uploaded (artifact bundles), as
 * Symbolicator asks Sentry's artifact-lookup endpoint (reference/sentry-semantics.md §9.2, §9.3):
 * first by the debug id of a `debug_meta.images` entry of type `sourcemap`, then by the frame's
 * URL under the event's release and dist. The storage side implements it (bundles indexed in the
 * metadata store); the symbolication side only reads through it, so both can be tested alone.
 */

/** What a file of an artifact bundle is (Sentry's `SourceFileType`, the manifest's `type`). */
export type ArtifactFileType = 'source' | 'minified_source' | 'source_map' | 'indexed_ram_bundle';

/** One file of an artifact bundle, as its manifest describes it. */
export interface ArtifactFile {
  /** The file's URL in the bundle manifest, e.g. `~/static/js/main.js`. */
  url: string;
  type: ArtifactFileType;
  /**
   * The manifest's headers of the file, keys lowercased: `debug-id`, `sourcemap` (the minified
   * file's link to its map, relative to `url`), `content-type`, ...
   */
  headers: Readonly<Record<string, string>>;
  /** The file's bytes (UTF-8 text for sources and maps). */
  content: Buffer;
  /** Which lookup found it: Symbolicator's `resolved_with` (`debug-id`, `release`, ...). */
  resolvedWith: 'debug-id' | 'release';
}

/** Read access to a project's uploaded artifacts. Implementations cache; callers may call often. */
export interface ArtifactSource {
  /**
   * The file of `type` registered under `debugId` (a UUID, lowercase, with dashes) in any bundle
   * uploaded for the project (the most recently uploaded bundle wins), or `undefined`.
   */
  byDebugId(projectId: number, debugId: string, type: ArtifactFileType): Promise<ArtifactFile | undefined>;
  /**
   * The file whose bundle URL matches `url` (an absolute frame URL such as
   * `http://localhost:3000/static/js/main.js` or `app:///main.js`) in the bundles uploaded for
   * `release` and `dist` (`undefined`: no dist) of the project, or `undefined`. Matching follows
   * Symbolicator's `get_release_file_candidate_urls` (after Sentry's `ReleaseFile.normalize`),
   * tried in this order: the URL without its fragment, then also without its query string, then
   * `~` plus what follows the host (`~/static/js/main.js?v=1`), then that without the query
   * (`~/static/js/main.js`). Path segments are never dropped: `~/static/js/main.js` does not
   * match `http://host/main.js`.
   */
  byUrl(
    projectId: number,
    release: string,
    dist: string | undefined,
    url: string,
  ): Promise<ArtifactFile | undefined>;
}
