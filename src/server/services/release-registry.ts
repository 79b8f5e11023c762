/**
 * Creates the releases that ingested events name, as Sentry's event manager does for every event
 * with a release (`_get_or_create_release_many` in `src/sentry/event_manager.py`:
 * `Release.get_or_create` dated by the event, then `add_project`). So a release sent only by an
 * SDK (`Sentry.init({release})`) shows in the releases API, is what `release:latest` and the
 * semver filters can select, and — through `createRelease` — becomes the "next release" of
 * issues resolved in the next release. Release names were already validated by normalization
 * (Relay's rules: `src/processing/normalize/release.ts`).
 *
 * Each (organization, project, version) costs one metadata round trip per process while it stays
 * in a bounded memo; a release that is already linked only costs that memo lookup.
 */
import type { Logger } from 'pino';
import { BoundedCache } from '../../processing/grouping/bounded-cache.js';
import { createRelease, type MetadataStore } from '../../storage/metadata/index.js';

/** A release seen on an event of a project. */
export interface SeenRelease {
  organizationId: number;
  projectId: number;
  version: string;
  /** The event's time (a new release is dated by its first event). */
  timestamp: Date;
}

/** How many (project, version) pairs are remembered as known; the memo empties when full. */
export const KNOWN_RELEASES = 20_000;

/** Creates releases first seen on events, once per (project, version) while remembered. */
export class ReleaseRegistry {
  private readonly known = new BoundedCache<string, true>(KNOWN_RELEASES);

  constructor(
    private readonly metadata: MetadataStore,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  /**
   * Creates or links the releases of `seen` not known yet. Never rejects: a store failure is
   * logged and the pair is tried again with its next event (the events themselves are stored
   * either way, as their release is a column of theirs).
   */
  async observe(seen: readonly SeenRelease[]): Promise<void> {
    const pending = new Map<
      string,
      { organizationId: number; version: string; projectIds: Set<number>; first: Date }
    >();
    for (const release of seen) {
      if (release.version === '') continue;
      const key = `${release.projectId}\u0000${release.version}`;
      if (this.known.get(key) !== undefined) continue;
      const releaseKey = `${release.organizationId}\u0000${release.version}`;
      const entry = pending.get(releaseKey);
      if (entry === undefined) {
        pending.set(releaseKey, {
          organizationId: release.organizationId,
          version: release.version,
          projectIds: new Set([release.projectId]),
          first: release.timestamp,
        });
      } else {
        entry.projectIds.add(release.projectId);
        if (release.timestamp < entry.first) entry.first = release.timestamp;
      }
    }
    for (const entry of pending.values()) {
      try {
        await createRelease(this.metadata, {
          organizationId: entry.organizationId,
          version: entry.version,
          projectIds: [...entry.projectIds],
          dateAdded: entry.first.toISOString(),
        });
        for (const projectId of entry.projectIds) this.known.set(`${projectId}\u0000${entry.version}`, true);
      } catch (err) {
        this.logger.warn(
          { err, organizationId: entry.organizationId },
          'release of ingested events not recorded',
        );
      }
    }
  }
}
