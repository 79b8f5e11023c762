/**
 * The edge's in-memory project-key cache (DESIGN.md: the ingest edge does no database
 * I/O on the request path beyond this cache). A miss loads the key once from the
 * metadata store; results, including "unknown key", are kept for a short TTL so keys
 * created or disabled by `vigil` CLI commands in another process take effect within
 * that time.
 */
import type { ProjectKeyInfo } from '../ingest/index.js';
import { DEFAULT_PROJECT_CONFIG } from '../../processing/project-config/index.js';
import { getProjectKeyByPublicKey, type MetadataStore } from '../../storage/metadata/index.js';

interface Entry {
  info: ProjectKeyInfo | undefined;
  expires: number;
}

/** Looks up DSN public keys through a TTL cache; concurrent misses share one query. */
export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<ProjectKeyInfo | undefined>>();

  /**
   * @param ttlMs how long a found key is trusted (default 60 s)
   * @param missTtlMs how long an unknown key is remembered (default 5 s)
   */
  constructor(
    private readonly metadata: MetadataStore,
    private readonly ttlMs = 60_000,
    private readonly missTtlMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves a 32-hex public key to its project, or `undefined` if no such key exists. */
  lookup(publicKey: string): Promise<ProjectKeyInfo | undefined> {
    const hit = this.entries.get(publicKey);
    if (hit && hit.expires > this.now()) return Promise.resolve(hit.info);
    let pending = this.inflight.get(publicKey);
    if (!pending) {
      pending = this.load(publicKey).finally(() => this.inflight.delete(publicKey));
      this.inflight.set(publicKey, pending);
    }
    return pending;
  }

  /**
   * The cached info of `publicKey` without waiting, for code that cannot wait (dynamic sampling
   * reading a trace root's project): `undefined` when the key was never looked up. An expired
   * or missing entry is refreshed in the background (the stale info is answered meanwhile).
   */
  peek(publicKey: string): ProjectKeyInfo | undefined {
    const hit = this.entries.get(publicKey);
    if (!hit || hit.expires <= this.now()) this.lookup(publicKey).catch(() => undefined);
    return hit?.info;
  }

  private async load(publicKey: string): Promise<ProjectKeyInfo | undefined> {
    const found = await getProjectKeyByPublicKey(this.metadata, publicKey);
    const info: ProjectKeyInfo | undefined = found && {
      keyId: found.key.id,
      publicKey: found.key.public_key,
      projectId: found.project.id,
      organizationId: found.organization.id,
      isActive: Boolean(found.key.is_active),
      config: DEFAULT_PROJECT_CONFIG,
    };
    if (this.entries.size > 100_000) this.entries.clear();
    this.entries.set(publicKey, { info, expires: this.now() + (info ? this.ttlMs : this.missTtlMs) });
    return info;
  }
}
