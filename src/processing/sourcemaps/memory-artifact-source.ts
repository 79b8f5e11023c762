/**
 * An {@link ArtifactSource} over bundles held in memory: what tests and tools feed symbolication
 * with (the real one reads the artifact bundles sentry-cli uploaded, from the metadata store).
 * Lookups follow the contract of `artifact-source.ts`: debug ids in any bundle, URLs in the
 * bundles of the release and dist, the most recently added bundle first.
 */
import type { ArtifactFile, ArtifactFileType, ArtifactSource } from './artifact-source.js';
import { normalizeDebugId } from './references.js';
import { stripHostname } from './paths.js';

/** One file of a bundle as sentry-cli's manifest describes it. */
export interface MemoryArtifactFile {
  /** Manifest URL, e.g. `~/static/js/main.js`. */
  url: string;
  type: ArtifactFileType;
  /** Manifest headers (any case): `debug-id`, `sourcemap`, ... */
  headers?: Record<string, string>;
  content: Buffer | string;
}

/** A bundle: its files and, for URL lookups, the release and dist it was uploaded for. */
export interface MemoryArtifactBundle {
  projectId: number;
  release?: string;
  dist?: string;
  files: MemoryArtifactFile[];
}

interface StoredFile {
  url: string;
  type: ArtifactFileType;
  headers: Record<string, string>;
  content: Buffer;
}

interface StoredBundle {
  projectId: number;
  release: string | undefined;
  dist: string | undefined;
  files: StoredFile[];
}

/**
 * The URLs a frame URL may have been uploaded under, in order: as is, without its query, then
 * with scheme and host replaced by `~`, also without the query (fragments never count).
 * Symbolicator's `get_release_file_candidate_urls`.
 */
export function candidateUrls(url: string): string[] {
  const hash = url.indexOf('#');
  const absolute = hash === -1 ? url : url.slice(0, hash);
  const relative = stripHostname(absolute);
  const withoutQuery = (u: string): string | undefined => {
    const q = u.indexOf('?');
    return q === -1 ? undefined : u.slice(0, q);
  };
  const candidates = [absolute, withoutQuery(absolute), `~${relative}`, withoutQuery(`~${relative}`)];
  return [...new Set(candidates.filter((c): c is string => c !== undefined))];
}

/** Bundles in memory; {@link add} more at any time. */
export class MemoryArtifactSource implements ArtifactSource {
  private readonly bundles: StoredBundle[] = [];

  /** Adds a bundle (newer than every bundle added before). */
  add(bundle: MemoryArtifactBundle): void {
    this.bundles.unshift({
      projectId: bundle.projectId,
      release: bundle.release,
      dist: bundle.dist,
      files: bundle.files.map((file) => ({
        url: file.url,
        type: file.type,
        headers: Object.fromEntries(Object.entries(file.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
        content: typeof file.content === 'string' ? Buffer.from(file.content) : file.content,
      })),
    });
  }

  byDebugId(projectId: number, debugId: string, type: ArtifactFileType): Promise<ArtifactFile | undefined> {
    for (const bundle of this.bundles) {
      if (bundle.projectId !== projectId) continue;
      const file = bundle.files.find(
        (f) => f.type === type && normalizeDebugId(f.headers['debug-id']) === debugId,
      );
      if (file !== undefined) return Promise.resolve({ ...file, resolvedWith: 'debug-id' });
    }
    return Promise.resolve(undefined);
  }

  byUrl(
    projectId: number,
    release: string,
    dist: string | undefined,
    url: string,
  ): Promise<ArtifactFile | undefined> {
    const bundles = this.bundles.filter(
      (b) => b.projectId === projectId && b.release === release && (b.dist ?? '') === (dist ?? ''),
    );
    for (const candidate of candidateUrls(url)) {
      for (const bundle of bundles) {
        const file = bundle.files.find((f) => f.url === candidate);
        if (file !== undefined) return Promise.resolve({ ...file, resolvedWith: 'release' });
      }
    }
    return Promise.resolve(undefined);
  }
}
