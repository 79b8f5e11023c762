/** Quotas, rate limits and the limiters that enforce them (reference/relay-protocol.md §6). */
export * from './quota.js';
export * from './rate-limits.js';
export * from './limiter.js';
export * from './memory-backend.js';
export * from './redis-backend.js';
export * from './envelope-limiter.js';
