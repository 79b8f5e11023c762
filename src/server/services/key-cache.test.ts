import { describe, expect, it, vi } from 'vitest';
import type { MetadataStore } from '../../storage/metadata/index.js';

const found = {
  key: { id: 9, public_key: 'b'.repeat(32), is_active: 1 },
  project: { id: 4 },
  organization: { id: 2 },
};
const queries: string[] = [];
vi.mock('../../storage/metadata/index.js', () => ({
  getProjectKeyByPublicKey: (_store: unknown, publicKey: string) => {
    queries.push(publicKey);
    return Promise.resolve(publicKey === found.key.public_key ? found : undefined);
  },
}));
const { KeyCache } = await import('./key-cache.js');

describe('KeyCache.peek', () => {
  it('answers only cached keys, loading the others in the background, and refreshes expired ones', async () => {
    let now = 0;
    const cache = new KeyCache({} as MetadataStore, 1000, 500, () => now);
    const key = found.key.public_key;
    expect(cache.peek(key)).toBeUndefined();
    expect(queries).toEqual([key]);
    await vi.waitFor(() =>
      expect(cache.peek(key)).toMatchObject({ projectId: 4, organizationId: 2, isActive: true }),
    );
    expect(queries).toEqual([key]);
    now = 2000;
    // Expired: the stale info is answered while it is loaded again.
    expect(cache.peek(key)).toMatchObject({ projectId: 4 });
    expect(queries).toEqual([key, key]);
    expect(cache.peek('c'.repeat(32))).toBeUndefined();
  });
});
