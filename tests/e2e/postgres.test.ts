/**
 * The built server with its metadata in Postgres (127.0.0.1:5432, database `test`, a
 * fresh schema per run via `?schema=`): bootstrap, ingestion from @sentry/node, issue
 * search and a restart that keeps everything.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { api, eventually, repoRoot, startVigil, type VigilProcess } from '../helpers/vigil-process.js';

const run = promisify(execFile);
const schema = `vigil_e2e_${randomBytes(4).toString('hex')}`;
const baseUrl = process.env.VIGIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const databaseUrl = `${baseUrl}?schema=${schema}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-pg-'));
let vigil: VigilProcess | undefined;

afterAll(async () => {
  await vigil?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

describe('Postgres metadata store', () => {
  it('bootstraps, ingests, searches and survives a restart', async () => {
    vigil = await startVigil({ dataDir, args: ['--database-url', databaseUrl] });
    expect(vigil.dsn).toMatch(/^http:\/\/[0-9a-f]{32}@127\.0\.0\.1:\d+\/1$/);
    await run(process.execPath, [path.join(repoRoot, 'tests/e2e/clients/node-errors.mjs'), 'twice'], {
      env: { ...process.env, SENTRY_DSN: vigil.dsn },
      timeout: 30_000,
    });
    const query = `/api/0/projects/vigil/default/issues/?query=${encodeURIComponent('scenario:twice')}`;
    const [issue] = await eventually(async () => {
      const body = (await api(vigil!, query)).body as Array<{ id: string; count: string }>;
      return body.length === 1 && body[0]!.count === '2' ? body : undefined;
    });
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    const groups = await client.query(`SELECT id, status, title FROM ${schema}.groups`);
    await client.end();
    expect(groups.rows).toEqual([
      {
        id: issue!.id,
        status: 'unresolved',
        title: "TypeError: Cannot read properties of null (reading 'prop')",
      },
    ]);

    const first = vigil;
    await first.stop();
    vigil = await startVigil({ dataDir, args: ['--database-url', databaseUrl] });
    expect(vigil.token).toBe(first.token);
    const again = (await api(vigil, query)).body as Array<{ id: string; count: string }>;
    expect(again).toMatchObject([{ id: issue!.id, count: '2' }]);
  });
});
