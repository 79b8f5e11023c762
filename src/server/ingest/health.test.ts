import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { openMetadataStore, pingMetadata } from '../../storage/metadata/index.js';
import { healthRoutes } from './health.js';

describe('Relay health checks', () => {
  it("answers live always and ready as the stores allow, in Relay's shape", async () => {
    let ready = true;
    const app = Fastify();
    await app.register(healthRoutes, { ready: async () => ready });
    const get = async (url: string) => {
      const res = await app.inject({ url });
      return [res.statusCode, res.json()];
    };
    expect(await get('/api/relay/healthcheck/live/')).toEqual([200, { is_healthy: true }]);
    expect(await get('/api/relay/healthcheck/ready/')).toEqual([200, { is_healthy: true }]);
    ready = false;
    expect(await get('/api/relay/healthcheck/ready')).toEqual([503, { is_healthy: false }]);
    expect(await get('/api/relay/healthcheck/live')).toEqual([200, { is_healthy: true }]);
    await app.close();
  });

  it('pingMetadata is true for an open store and false once it is closed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-health-'));
    const store = await openMetadataStore({ dataDir: dir });
    expect(await pingMetadata(store)).toBe(true);
    await store.close();
    expect(await pingMetadata(store)).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });
});
