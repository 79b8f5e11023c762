/**
 * The edge's in-memory project-key cache (DESIGN.md: the ingest edge does no database
 * I/O on the request path beyond this cache). A miss loads the key once from the
 * metadata store, together with its project's config (quotas, filters, scrubbing;
 * `services/project-configs.ts`); results, including "unknown key", are kept for a short TTL so
 * keys and configs changed by `vigil` CLI commands in another process take effect within that
 * time. Changes made through this process's web API call {@link KeyCache.invalidateProject} and
 * take effect at once.
 */
import type { Logger } from 'pino';
import type { ProjectKeyInfo } from '../ingest/index.js';
import type { ProjectConfig } from '../../processing/project-config/index.js';
import { getProjectKeyByPublicKey, type MetadataStore } from '../../storage/metadata/index.js';
import { loadProjectConfig } from './project-configs.js';

interface Entry<T> {
  value: T;
  expires: number;
}

/** Options of {@link KeyCache}. */
export interface KeyCacheOptions {
  /** How long a found key and a project's config are trusted, ms; default 60 s. */
  ttlMs?: number;
  /** How long an unknown key is remembered, ms; default 5 s. */
  missTtlMs?: number;
  /** Clock, ms; default `Date.now`. */
  now?: () => number;
  /** Where a stored config that no longer parses is reported (`warn`). */
  logger?: Pick<Logger, 'warn'>;
  /** Reads a project's config; default `loadProjectConfig` on the cache's store. */
  loadConfig?: (projectId: number) => Promise<ProjectConfig>;
}

/** Entries kept before the cache starts over (a bound on memory, not an LRU). */
const MAX_ENTRIES = 100_000;

/**
 * Looks up DSN public keys and project configs through a TTL cache; concurrent misses share one
 * query.
 */
export class KeyCache {
  private readonly keys = new Map<string, Entry<ProjectKeyInfo | undefined>>();
  private readonly configs = new Map<number, Entry<ProjectConfig>>();
  private readonly inflightKeys = new Map<string, Promise<ProjectKeyInfo | undefined>>();
  private readonly inflightConfigs = new Map<number, Promise<ProjectConfig>>();
  /** Bumped by every invalidation: loads that started before it do not fill the cache. */
  private epoch = 0;
  private readonly ttlMs: number;
  private readonly missTtlMs: number;
  private readonly now: () => number;
  private readonly readConfig: (projectId: number) => Promise<ProjectConfig>;

  constructor(
    private readonly metadata: MetadataStore,
    options: KeyCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.missTtlMs = options.missTtlMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.readConfig =
      options.loadConfig ?? ((projectId) => loadProjectConfig(metadata, projectId, options.logger));
  }

  /**
   * Resolves a 32-hex public key to its project (with the project's config), or `undefined` if no
   * such key exists.
   */
  lookup(publicKey: string): Promise<ProjectKeyInfo | undefined> {
    const hit = this.keys.get(publicKey);
    if (hit && hit.expires > this.now()) return Promise.resolve(hit.value);
    return this.shared(this.inflightKeys, publicKey, () => this.loadKey(publicKey));
  }

  /** The config of project `projectId` (the defaults when none is stored), cached like keys. */
  projectConfig(projectId: number): Promise<ProjectConfig> {
    const hit = this.configs.get(projectId);
    if (hit && hit.expires > this.now()) return Promise.resolve(hit.value);
    return this.shared(this.inflightConfigs, projectId, () => this.loadConfig(projectId));
  }

  /**
   * Forgets the project's config and its keys, so the next lookup reads both again (call after
   * changing the project's config or keys). Loads already under way are not cached.
   */
  invalidateProject(projectId: number): void {
    this.epoch++;
    this.configs.delete(projectId);
    for (const [publicKey, entry] of this.keys) {
      if (entry.value?.projectId === projectId) this.keys.delete(publicKey);
    }
    // Later lookups must not join loads that may have read the old state.
    this.inflightKeys.clear();
    this.inflightConfigs.clear();
  }

  private shared<K, V>(inflight: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    let pending = inflight.get(key);
    if (!pending) {
      const started = load().finally(() => {
        if (inflight.get(key) === started) inflight.delete(key);
      });
      pending = started;
      inflight.set(key, pending);
    }
    return pending;
  }

  /**
   * The cached info of `publicKey` without waiting, for code that cannot wait (dynamic sampling
   * reading a trace root's project): `undefined` when the key was never looked up. An expired
   * or missing entry is refreshed in the background (the stale info is answered meanwhile).
   */
  peek(publicKey: string): ProjectKeyInfo | undefined {
    const hit = this.keys.get(publicKey);
    if (!hit || hit.expires <= this.now()) this.lookup(publicKey).catch(() => undefined);
    return hit?.value;
  }

  private async loadKey(publicKey: string): Promise<ProjectKeyInfo | undefined> {
    const epoch = this.epoch;
    const found = await getProjectKeyByPublicKey(this.metadata, publicKey);
    const info: ProjectKeyInfo | undefined = found && {
      keyId: found.key.id,
      publicKey: found.key.public_key,
      projectId: found.project.id,
      organizationId: found.organization.id,
      isActive: Boolean(found.key.is_active),
      config: await this.projectConfig(found.project.id),
    };
    if (epoch === this.epoch) {
      this.remember(this.keys, publicKey, info, info ? this.ttlMs : this.missTtlMs);
    }
    return info;
  }

  private async loadConfig(projectId: number): Promise<ProjectConfig> {
    const epoch = this.epoch;
    const config = await this.readConfig(projectId);
    if (epoch === this.epoch) this.remember(this.configs, projectId, config, this.ttlMs);
    return config;
  }

  private remember<K, V>(entries: Map<K, Entry<V>>, key: K, value: V, ttlMs: number): void {
    if (entries.size > MAX_ENTRIES) entries.clear();
    entries.set(key, { value, expires: this.now() + ttlMs });
  }
}
