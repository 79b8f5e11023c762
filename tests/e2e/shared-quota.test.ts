/**
 * Two built Vigil processes sharing one metadata store (Postgres, a fresh schema) and one Redis
 * (127.0.0.1:6379) for quota counters, as two nodes behind a load balancer would: an error quota
 * of 3 per hour, configured in the config file both read, admits three events in total across
 * the nodes; the events over it are answered 200 and dropped where they crossed it, and each
 * node then answers 429 once it has seen the limit (reference/relay-protocol.md §6.4, §6.6).
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { api, eventually, startVigil, type VigilProcess } from '../helpers/vigil-process.js';

const schema = `vigil_e2e_${randomBytes(4).toString('hex')}`;
const baseUrl = process.env.VIGIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.VIGIL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const quotaId = `e2e-${randomBytes(4).toString('hex')}`;
const dirs: string[] = [];
const nodes: VigilProcess[] = [];

afterAll(async () => {
  for (const node of nodes) await node.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

/** The error outcomes a node recorded, by outcome (stats_v2 over the last hour). */
async function errorOutcomes(node: VigilProcess): Promise<Record<string, number>> {
  const res = await api(
    node,
    '/api/0/organizations/vigil/stats_v2/?field=sum(quantity)&groupBy=outcome&category=error&statsPeriod=1h',
  );
  const groups = (res.body as { groups: Array<{ by: { outcome: string }; totals: Record<string, number> }> })
    .groups;
  return Object.fromEntries(groups.map((g) => [g.by.outcome, g.totals['sum(quantity)']!]));
}

function total(outcomes: Record<string, number>): number {
  return Object.values(outcomes).reduce((a, b) => a + b, 0);
}

/** Posts one error event to `node` and waits until the node has recorded its outcome. */
async function sendError(node: VigilProcess, i: number): Promise<Response> {
  const before = total(await errorOutcomes(node));
  const url = new URL(node.dsn);
  const eventId = randomBytes(16).toString('hex');
  const body = [
    JSON.stringify({ event_id: eventId }),
    JSON.stringify({ type: 'event' }),
    JSON.stringify({ message: `shared quota ${i}`, level: 'error' }),
  ].join('\n');
  const res = await fetch(`${node.url}/api/1/envelope/?sentry_key=${url.username}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-sentry-envelope' },
    body,
  });
  // Outcomes reach the node's stats within about a second of processing.
  if (res.status === 200) await eventually(async () => total(await errorOutcomes(node)) > before);
  return res;
}

describe('two nodes on one Redis', () => {
  it('share one quota', async () => {
    const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-quota-cfg-')), 'vigil.yaml');
    dirs.push(path.dirname(configFile));
    writeFileSync(
      configFile,
      [
        `databaseUrl: "${baseUrl}?schema=${schema}"`,
        `redisUrl: "${redisUrl}"`,
        'projects:',
        '  vigil/default:',
        '    quotas:',
        `      - { id: ${quotaId}, categories: [error], scope: project, limit: 3, window: 3600, reasonCode: shared }`,
      ].join('\n'),
    );
    const first = await startVigil({ args: ['--config', configFile] });
    nodes.push(first);
    dirs.push(first.dataDir);
    // The second node finds the organization, project and token the first one created.
    const secondDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-e2e-'));
    dirs.push(secondDir);
    copyFileSync(path.join(first.dataDir, 'admin-token'), path.join(secondDir, 'admin-token'));
    const second = await startVigil({ dataDir: secondDir, args: ['--config', configFile] });
    nodes.push(second);
    expect(second.dsn.replace(/:\d+\//, '/')).toBe(first.dsn.replace(/:\d+\//, '/'));

    const statuses: number[] = [];
    for (const [i, node] of [first, second, first, second, first].entries()) {
      statuses.push((await sendError(node, i)).status);
    }
    // Three admitted across both nodes; the 4th (on the second) and the 5th (on the first, which
    // had not seen the limit yet) crossed the shared counters in processing and were dropped.
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const [a, b] = [await errorOutcomes(first), await errorOutcomes(second)];
    expect((a.accepted ?? 0) + (b.accepted ?? 0)).toBe(3);
    expect(a.rate_limited).toBe(1);
    expect(b.rate_limited).toBe(1);

    // Both nodes now know the limit and refuse at the edge.
    for (const node of [first, second]) {
      const refused = await sendError(node, 9);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-sentry-rate-limits')).toMatch(/^\d+:error:project:shared$/);
    }
  }, 120_000);
});
