/**
 * Server lifecycle against the built server: SIGTERM drains the queue and flushes the
 * stores so nothing answered with 200 is lost; a restart keeps the DSN, the token and
 * every stored event; bad input gets Relay's status and body while the server keeps
 * serving real SDK traffic.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { api, eventually, repoRoot, startVigil, type VigilProcess } from '../helpers/vigil-process.js';

const run = promisify(execFile);
const client = path.join(repoRoot, 'tests/e2e/clients/node-errors.mjs');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-lifecycle-'));
let vigil: VigilProcess | undefined;

afterAll(async () => {
  await vigil?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function scenario(dsn: string, name: string): Promise<void> {
  await run(process.execPath, [client, name], { env: { ...process.env, SENTRY_DSN: dsn }, timeout: 30_000 });
}

async function burstCount(v: VigilProcess): Promise<number> {
  const res = await api(
    v,
    `/api/0/projects/vigil/default/issues/?query=${encodeURIComponent('scenario:burst')}`,
  );
  return (res.body as Array<{ count: string }>).reduce((n, i) => n + Number(i.count), 0);
}

function envelopeUrl(v: VigilProcess): string {
  const key = new URL(v.dsn).username;
  return `${v.url}/api/1/envelope/?sentry_key=${key}&sentry_version=7`;
}

describe('lifecycle', () => {
  it('SIGTERM right after a burst loses nothing; a restart keeps DSN, token and data', async () => {
    vigil = await startVigil({ dataDir });
    const first = vigil;
    await scenario(first.dsn, 'burst');
    expect(await first.stop()).toBe(0);
    // The process must exit through the drain, not because its event loop ran dry.
    expect(first.output()).toContain('Vigil stopped: queue drained, stores flushed');
    expect(first.output()).not.toMatch(/error/i);

    vigil = await startVigil({ dataDir });
    expect(vigil.dsn).toBe(first.dsn.replace(`:${first.port}`, `:${vigil.port}`));
    expect(vigil.token).toBe(first.token);
    expect(await burstCount(vigil)).toBe(40);
  });

  it('bad input gets Relay status codes and bodies, and the server keeps serving', async () => {
    const v = vigil!;
    const post = (body: Buffer | string, headers: Record<string, string> = {}) =>
      fetch(envelopeUrl(v), { method: 'POST', body, headers });

    const malformed = await post(
      '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event","length":50}\n{}\n',
    );
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ detail: expect.stringMatching(/envelope/) });

    const badHeader = await post('{not json}\n');
    expect(badHeader.status).toBe(400);

    const empty = await post('{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n');
    expect(empty.status).toBe(400);

    const bomb = await post(gzipSync(Buffer.alloc(300 * 1024 * 1024)), { 'content-encoding': 'gzip' });
    expect(bomb.status).toBe(413);

    const huge = JSON.stringify({ message: 'x'.repeat(2 * 1024 * 1024) });
    const oversized = await post(`{}\n{"type":"event","length":${Buffer.byteLength(huge)}}\n${huge}\n`);
    expect(oversized.status).toBe(413);
    expect(await oversized.json()).toEqual({
      detail:
        "envelope exceeded size limits for type 'event' (https://develop.sentry.dev/sdk/envelopes/#size-limits)",
    });

    const noAuth = await fetch(`${v.url}/api/1/envelope/`, {
      method: 'POST',
      body: '{}\n{"type":"event"}\n{}\n',
    });
    expect(noAuth.status).toBe(401);

    const wrongProject = await fetch(envelopeUrl(v).replace('/api/1/', '/api/999/'), {
      method: 'POST',
      body: '{}\n{"type":"event"}\n{}\n',
    });
    expect(wrongProject.status).toBe(403);

    // Item payloads are only parsed during processing: bad JSON is accepted at the edge
    // (as Relay does) and dropped later with an `invalid_json` outcome.
    const badJson = await post('{}\n{"type":"event"}\n{"message": oops}\n');
    expect(badJson.status).toBe(200);

    await scenario(v.dsn, 'message');
    await eventually(async () => {
      const res = await api(
        v,
        `/api/0/projects/vigil/default/issues/?query=${encodeURIComponent('scenario:message')}`,
      );
      return (res.body as unknown[]).length === 1;
    });
  });
});
