/**
 * The {@link ArtifactSource} over the artifact bundles in the metadata store
 * (reference/sentry-semantics.md §9.2, §9.3): lookups by debug id and by release/dist + URL go
 * through the store's indexes, and the bundles found are opened from their chunks and kept in a
 * byte-bounded LRU cache (keyed by bundle and zip checksum, so a re-uploaded bundle is reopened).
 */
import type {
  ArtifactFile,
  ArtifactFileType,
  ArtifactSource,
} from '../../processing/sourcemaps/artifact-source.js';
import {
  SOURCE_FILE_TYPES,
  findBundlesByDebugId,
  findBundlesByUrl,
  projectHasArtifactBundles,
  readArtifactBundleZip,
  type ArtifactBundle,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { SourceBundle, normalizeDebugId, type SourceBundleFile } from './source-bundle.js';

/** Default byte budget of the opened-bundle cache: 64 MiB. */
export const DEFAULT_ARTIFACT_CACHE_BYTES = 64 * 1024 * 1024;

/** Options of {@link ArtifactStore}. */
export interface ArtifactStoreOptions {
  /** Bytes of opened bundles (zips plus files read) kept in memory; default 64 MiB. */
  cacheBytes?: number;
}

/**
 * The URLs a frame's `url` may have been uploaded under, in the order Symbolicator tries them
 * (`get_release_file_candidate_urls` in symbolicator `crates/symbolicator-js/src/utils.rs`,
 * after Sentry's `ReleaseFile.normalize`): without the fragment; without the query; `~` plus the
 * path (and query) after the host; `~` plus the path without the query. A URL without a
 * `scheme://` keeps its path as is (`~/x.js` stays `~/x.js`).
 */
export function candidateUrls(url: string): string[] {
  const absolute = url.split('#')[0] ?? url;
  const relative = stripHostname(absolute);
  const candidates = [
    absolute,
    withoutQuery(absolute),
    `~${relative}`,
    relative.includes('?') ? `~${withoutQuery(relative)}` : undefined,
  ];
  return [...new Set(candidates.filter((c): c is string => c !== undefined))];
}

/** The part of `url` after the host (from its first `/`), or after a leading `~` (Symbolicator's `strip_hostname`). */
function stripHostname(url: string): string {
  if (url.startsWith('~')) return url.slice(1);
  const scheme = url.indexOf('://');
  if (scheme === -1) return url;
  const rest = url.slice(scheme + 3);
  const slash = rest.indexOf('/');
  return slash === -1 ? rest : rest.slice(slash);
}

function withoutQuery(url: string): string | undefined {
  const q = url.indexOf('?');
  return q === -1 ? undefined : url.slice(0, q);
}

const FILE_TYPES = Object.keys(SOURCE_FILE_TYPES) as ArtifactFileType[];

/**
 * How long "this project has no artifact bundles" is believed. Symbolication looks up every
 * JavaScript frame URL of every event with a release; for the many projects that never uploaded
 * anything that is one query per project and second instead of several per frame, while a bundle
 * uploaded just now is still found within a second (also when another node assembled it).
 */
const NO_BUNDLES_TTL_MS = 1000;

/** Artifact lookups over the metadata store, with a byte-bounded LRU cache of opened bundles. */
export class ArtifactStore implements ArtifactSource {
  private readonly cacheBytes: number;
  private readonly cache = new Map<string, SourceBundle>();
  private cachedBytes = 0;
  /** Projects found without bundles, with the time (ms) until which that is believed. */
  private readonly withoutBundles = new Map<number, number>();

  constructor(
    private readonly metadata: MetadataStore,
    options: ArtifactStoreOptions = {},
  ) {
    this.cacheBytes = options.cacheBytes ?? DEFAULT_ARTIFACT_CACHE_BYTES;
  }

  /** Bytes held by the cache now (tests, metrics). */
  get cacheSize(): number {
    return this.cachedBytes;
  }

  async byDebugId(
    projectId: number,
    debugId: string,
    type: ArtifactFileType,
  ): Promise<ArtifactFile | undefined> {
    const normalized = normalizeDebugId(debugId);
    const code = SOURCE_FILE_TYPES[type];
    if (normalized === undefined || code === undefined || !(await this.hasBundles(projectId)))
      return undefined;
    for (const bundle of await findBundlesByDebugId(this.metadata, projectId, normalized, code)) {
      const opened = await this.open(bundle);
      const file = opened?.files.find((f) => f.debugId === normalized && f.type === type);
      if (opened !== undefined && file !== undefined) {
        const found = this.read(opened, file, 'debug-id');
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }

  async byUrl(
    projectId: number,
    release: string,
    dist: string | undefined,
    url: string,
  ): Promise<ArtifactFile | undefined> {
    if (!(await this.hasBundles(projectId))) return undefined;
    const candidates = candidateUrls(url);
    const matches = await findBundlesByUrl(this.metadata, projectId, release, dist ?? '', candidates);
    for (const candidate of candidates) {
      for (const { bundle, url: matched } of matches) {
        if (matched !== candidate) continue;
        const opened = await this.open(bundle);
        const file = opened?.files.find((f) => f.url === candidate);
        if (opened !== undefined && file !== undefined) {
          const found = this.read(opened, file, 'release');
          if (found !== undefined) return found;
        }
      }
    }
    return undefined;
  }

  /** False when the project has no artifact bundles (negative answers cached, see NO_BUNDLES_TTL_MS). */
  private async hasBundles(projectId: number): Promise<boolean> {
    const now = Date.now();
    if ((this.withoutBundles.get(projectId) ?? 0) > now) return false;
    if (await projectHasArtifactBundles(this.metadata, projectId)) {
      this.withoutBundles.delete(projectId);
      return true;
    }
    this.withoutBundles.set(projectId, now + NO_BUNDLES_TTL_MS);
    return false;
  }

  /**
   * The opened bundle (from the cache, else read from its chunks), or `undefined` when its
   * chunks are gone (replaced or deleted meanwhile). Throws InvalidSourceBundle for a zip that
   * cannot be read (assembly validated it, so only after storage corruption).
   */
  async open(
    bundle: Pick<ArtifactBundle, 'id' | 'organization_id' | 'checksum'>,
  ): Promise<SourceBundle | undefined> {
    const key = `${bundle.id}:${bundle.checksum}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const zip = await readArtifactBundleZip(this.metadata, bundle);
    if (zip === undefined) return undefined;
    const opened = SourceBundle.open(zip);
    this.remember(key, opened);
    return opened;
  }

  /** Re-counts the cache after files were read from cached bundles, evicting the least recently used. */
  private account(): void {
    let total = 0;
    for (const bundle of this.cache.values()) total += bundle.memoryBytes;
    this.cachedBytes = total;
    for (const [key, bundle] of this.cache) {
      if (this.cachedBytes <= this.cacheBytes) break;
      this.cache.delete(key);
      this.cachedBytes -= bundle.memoryBytes;
    }
  }

  private remember(key: string, bundle: SourceBundle): void {
    if (bundle.memoryBytes > this.cacheBytes) return;
    this.cache.set(key, bundle);
    this.account();
  }

  /** {@link artifactFile}, then re-counting the cache for the file just read. */
  private read(
    bundle: SourceBundle,
    file: SourceBundleFile,
    resolvedWith: ArtifactFile['resolvedWith'],
  ): ArtifactFile | undefined {
    const found = artifactFile(bundle, file, resolvedWith);
    this.account();
    return found;
  }
}

/**
 * An {@link ArtifactFile} of `file` in `bundle`, or `undefined` when the zip lacks the entry. A
 * manifest type outside Sentry's `SourceFileType` names is reported as `source`.
 */
function artifactFile(
  bundle: SourceBundle,
  file: SourceBundleFile,
  resolvedWith: ArtifactFile['resolvedWith'],
): ArtifactFile | undefined {
  const content = bundle.content(file.path);
  if (content === undefined) return undefined;
  return {
    url: file.url ?? file.path,
    type: FILE_TYPES.includes(file.type as ArtifactFileType) ? (file.type as ArtifactFileType) : 'source',
    headers: file.headers,
    content,
    resolvedWith,
  };
}
