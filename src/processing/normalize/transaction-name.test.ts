import { describe, expect, it } from 'vitest';
import { normalizeEvent } from './normalize-event.js';
import { scrubUrlTransactionName } from './transaction-name.js';

describe('scrubUrlTransactionName', () => {
  it.each([
    ['/users/12345/', '/users/*/'],
    ['/v1/orders/9f3b2c1d-1111-2222-3333-444455556666/items', '/v1/orders/*/items'],
    ['/blobs/da39a3ee5e6b4b0d3255bfef95601890afd80709', '/blobs/*'],
    ['/hash/d41d8cd98f00b204e9800998ecf8427e', '/hash/*'],
    ['/reports/2024-01-31/summary', '/reports/*/summary'],
    ['/mem/0xdeadbeef', '/mem/*'],
    ['/page/a1b22c', '/page/*'],
    ['/v2/api/health', '/v2/api/health'],
    ['C:\\data\\42\\file', 'C:\\data\\*\\file'],
  ])('%s → %s', (name, scrubbed) => {
    expect(scrubUrlTransactionName(name)).toBe(scrubbed);
  });
});

describe('transaction names in normalizeEvent', () => {
  const transaction = (source: string) => ({
    type: 'transaction',
    transaction: '/users/42/profile',
    transaction_info: { source },
    start_timestamp: 1_700_000_000,
    timestamp: 1_700_000_001,
    contexts: { trace: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) } },
  });

  it('scrubs URL-sourced names and marks them sanitized', () => {
    const result = normalizeEvent(transaction('url'), { receivedAt: 1_700_000_002, itemType: 'transaction' });
    expect(result.ok && result.event).toMatchObject({
      transaction: '/users/*/profile',
      transaction_info: { source: 'sanitized' },
      _meta: { transaction: { '': { rem: [['int', 's']], len: 17 } } },
    });
  });

  it('keeps names from routes and custom sources', () => {
    for (const source of ['route', 'custom', 'component']) {
      const result = normalizeEvent(transaction(source), {
        receivedAt: 1_700_000_002,
        itemType: 'transaction',
      });
      expect(result.ok && result.event.transaction).toBe('/users/42/profile');
    }
  });
});
