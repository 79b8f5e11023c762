/**
 * Legacy metric items (`statsd`, `metric_buckets`; reference/relay-protocol.md §14.5): counted
 * and discarded with Relay's outcome. Pure: no I/O.
 */
export { metricBucketNamespaces, metricItemOutcome, statsdBucketNamespaces } from './process.js';
