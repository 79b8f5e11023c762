/**
 * Debian's python3-sentry-sdk (run with /usr/bin/python3; it posts gzip JSON to the
 * legacy store endpoint) against the built server: an exception with frame locals
 * becomes an issue, and the password local is scrubbed by Vigil's default rules.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, repoRoot, startVigil, type VigilProcess } from '../helpers/vigil-process.js';

const run = promisify(execFile);
let vigil: VigilProcess;

beforeAll(async () => {
  vigil = await startVigil();
});

afterAll(async () => {
  await vigil?.dispose();
});

describe('python3-sentry-sdk', () => {
  it('an exception with locals lands as an issue with frames, vars and scrubbed secrets', async () => {
    await run('/usr/bin/python3', [path.join(repoRoot, 'tests/e2e/clients/python_errors.py')], {
      env: { ...process.env, SENTRY_DSN: vigil.dsn },
      timeout: 30_000,
    });
    const issues = await eventually(async () => {
      const res = await api(
        vigil,
        `/api/0/projects/vigil/default/issues/?query=${encodeURIComponent('scenario:python')}`,
      );
      const body = res.body as Array<Record<string, string>>;
      return body.length === 1 ? body : undefined;
    });
    const issue = issues[0]!;
    expect(issue.title).toBe("KeyError: 'bob'");
    expect(issue.culprit).toBe('__main__ in load_user');
    expect(issue.level).toBe('error');
    const event = (await api(vigil, `/api/0/issues/${issue.id}/events/latest/`)).body as {
      platform: string;
      sdk: { name: string };
      entries: Array<{
        type: string;
        data: { values: Array<{ stacktrace: { frames: Array<Record<string, unknown>> } }> };
      }>;
    };
    expect(event.platform).toBe('python');
    expect(event.sdk.name).toBe('sentry.python');
    const frames = event.entries.find((e) => e.type === 'exception')!.data.values[0]!.stacktrace.frames;
    const loadUser = frames.find((f) => f.function === 'load_user')!;
    expect(loadUser.module).toBe('__main__');
    const vars = loadUser.vars as Record<string, unknown>;
    expect(vars.user_id).toBe("'bob'");
    expect(vars.password).toBe('[Filtered]');
    const handle = frames.find((f) => f.function === 'handle_request')!;
    expect((handle.vars as Record<string, unknown>).request_id).toBe("'req-123'");
  });
});
