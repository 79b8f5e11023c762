/**
 * Opens where quota counters live (reference/relay-protocol.md §6.4): Redis when a URL is
 * configured, so every Vigil node sharing it enforces one quota; otherwise this process's memory
 * (the embedded default, exact for a single node).
 */
import { Redis } from 'ioredis';
import { MemoryCounterBackend, RateLimiter, RedisCounterBackend } from '../../quotas/index.js';

/** A limiter over its counters, and how to release them. */
export interface QuotaCounters {
  limiter: RateLimiter;
  /** Closes the Redis connection, if any. Idempotent. */
  close(): Promise<void>;
}

/**
 * The quota limiter for `redisUrl` (`redis://[user:pass@]host:port[/db]`), or in memory when
 * unset. The Redis client connects lazily and retries on its own; a check while Redis is
 * unreachable fails (within the client's command timeout, 2 s) and the caller admits the items.
 */
export async function openQuotaCounters(redisUrl: string | undefined): Promise<QuotaCounters> {
  if (redisUrl === undefined) {
    return { limiter: new RateLimiter(new MemoryCounterBackend()), close: () => Promise.resolve() };
  }
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    commandTimeout: 2000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  // Connection errors surface on the checks that fail; the client keeps reconnecting.
  client.on('error', () => undefined);
  await client.connect().catch(() => undefined);
  let closed = false;
  return {
    limiter: new RateLimiter(new RedisCounterBackend(client)),
    close: () => {
      if (!closed) client.disconnect();
      closed = true;
      return Promise.resolve();
    },
  };
}
