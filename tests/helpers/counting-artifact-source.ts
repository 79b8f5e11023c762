// An ArtifactSource that records every lookup reaching it, around another source: what tests of
// symbolication count lookups with.
import type {
  ArtifactFile,
  ArtifactFileType,
  ArtifactSource,
} from '../../src/processing/sourcemaps/artifact-source.js';

/** Records each lookup (`<debug id> <type>` or `<release> <url>`) before passing it on. */
export class CountingArtifactSource implements ArtifactSource {
  readonly calls: string[] = [];

  constructor(private readonly inner: ArtifactSource) {}

  byDebugId(projectId: number, debugId: string, type: ArtifactFileType): Promise<ArtifactFile | undefined> {
    this.calls.push(`${debugId} ${type}`);
    return this.inner.byDebugId(projectId, debugId, type);
  }

  byUrl(
    projectId: number,
    release: string,
    dist: string | undefined,
    url: string,
  ): Promise<ArtifactFile | undefined> {
    this.calls.push(`${release} ${url}`);
    return this.inner.byUrl(projectId, release, dist, url);
  }
}
