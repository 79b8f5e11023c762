// Ports the tests of relay-filter/src/transaction_name.rs: matching names, non-matching names,
// missing transaction, filtering when enabled, not when the pattern list is empty or the flag is
// off. Adds Sentry's HEALTH_CHECK_GLOBS and the type/segment-name rules of Filterable.
import { describe, expect, it } from 'vitest';
import { HEALTH_CHECK_GLOBS } from './config.js';
import { eventFilterable, spanFilterable } from './filterable.js';
import { GlobPatterns } from './glob.js';
import { transactionNameFilter } from './transaction-name.js';

const patterns = new GlobPatterns(['*healthcheck*', '*/health']);
const tx = (name: string) => eventFilterable({ type: 'transaction', transaction: name });

describe('ignore transactions filter', () => {
  it('matches health check names', () => {
    for (const name of ['a/b/healthcheck/c', 'a_HEALTHCHECK_b', 'healthcheck', '/health', 'a/HEALTH']) {
      expect(transactionNameFilter(tx(name), true, patterns), name).toEqual({
        filtered: true,
        statKey: 'filtered-transaction',
      });
    }
  });

  it('does not match other names', () => {
    for (const name of [
      'bad',
      '/bad',
      'a/b/c',
      'health',
      'healthz',
      '/health/',
      '/healthz/',
      '/healthx',
      '/healthzx',
    ]) {
      expect(transactionNameFilter(tx(name), true, patterns).filtered, name).toBe(false);
    }
  });

  it('ignores a missing transaction name', () => {
    expect(transactionNameFilter(eventFilterable({ type: 'transaction' }), true, patterns).filtered).toBe(
      false,
    );
  });

  it('does nothing with an empty pattern list or when disabled', () => {
    expect(transactionNameFilter(tx('/health'), true, new GlobPatterns([])).filtered).toBe(false);
    expect(transactionNameFilter(tx('/health'), false, patterns).filtered).toBe(false);
    expect(transactionNameFilter(tx('/a/b/c'), true, patterns).filtered).toBe(false);
  });

  it('only looks at transactions and span segment names', () => {
    for (const type of ['error', 'csp']) {
      const event = eventFilterable({ type, transaction: '/health' });
      expect(transactionNameFilter(event, true, patterns).filtered, type).toBe(false);
    }
    const span = spanFilterable({ data: { 'sentry.segment.name': 'GET /health' } });
    expect(transactionNameFilter(span, true, patterns).filtered).toBe(true);
  });

  it("applies Sentry's health-check globs", () => {
    const health = new GlobPatterns(HEALTH_CHECK_GLOBS);
    for (const name of ['GET /healthz', '/api/heartbeat', '/ping', 'GET /readyz', '/k8s/live']) {
      expect(transactionNameFilter(tx(name), true, health).filtered, name).toBe(true);
    }
    for (const name of ['/users', '/pingback', '/delivery']) {
      expect(transactionNameFilter(tx(name), true, health).filtered, name).toBe(false);
    }
  });
});
