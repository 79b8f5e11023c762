/**
 * @sentry/node (the official SDK, pinned in package.json) against the built server:
 * every scenario of clients/node-errors.mjs runs as a real app would, and the test
 * asserts what Vigil stored through the web API.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, repoRoot, startVigil, type VigilProcess } from '../helpers/vigil-process.js';

const run = promisify(execFile);
const client = path.join(repoRoot, 'tests/e2e/clients/node-errors.mjs');

type Issue = Record<string, unknown> & { id: string; title: string; count: string };
type Event = Record<string, unknown> & { entries: Array<{ type: string; data: Record<string, unknown> }> };

let vigil: VigilProcess;

async function scenario(name: string): Promise<void> {
  await run(process.execPath, [client, name], {
    env: { ...process.env, SENTRY_DSN: vigil.dsn },
    timeout: 30_000,
  });
}

async function issuesMatching(query: string): Promise<Issue[]> {
  const res = await api(vigil, `/api/0/projects/vigil/default/issues/?query=${encodeURIComponent(query)}`);
  expect(res.status).toBe(200);
  return res.body as Issue[];
}

/** Waits until exactly `n` issues match and (optionally) their counts add up to `events`. */
async function waitForIssues(query: string, n: number, events = n): Promise<Issue[]> {
  return eventually(async () => {
    const found = await issuesMatching(query);
    const total = found.reduce((sum, i) => sum + Number(i.count), 0);
    return found.length === n && total === events ? found : undefined;
  });
}

async function latestEvent(issue: Issue): Promise<Event> {
  const res = await api(vigil, `/api/0/issues/${issue.id}/events/latest/`);
  expect(res.status).toBe(200);
  return res.body as Event;
}

beforeAll(async () => {
  vigil = await startVigil();
});

afterAll(async () => {
  await vigil?.dispose();
});

describe('@sentry/node errors become issues', () => {
  it('a thrown Error with a cause chain: title, culprit, level, both exceptions with frames, tags', async () => {
    await scenario('cause-chain');
    const [issue] = await waitForIssues('scenario:cause-chain', 1);
    expect(issue!.title).toBe('Error: payment declined');
    expect(issue!.culprit).toBe('chargeCard(node-errors)');
    expect(issue!.level).toBe('error');
    expect(issue!.status).toBe('unresolved');
    expect(issue!.shortId).toMatch(/^DEFAULT-\d+$/);
    const event = await latestEvent(issue!);
    const exception = event.entries.find((e) => e.type === 'exception')!;
    const values = exception.data.values as Array<{
      type: string;
      value: string;
      stacktrace: { frames: Array<Record<string, unknown>> };
    }>;
    expect(values.map((v) => `${v.type}: ${v.value}`)).toEqual([
      'TypeError: card.limit is undefined',
      'Error: payment declined',
    ]);
    const top = values[1]!.stacktrace.frames.at(-1)!;
    expect(top.function).toBe('chargeCard');
    expect(top.inApp).toBe(true);
    expect(String(top.filename)).toContain('node-errors.mjs');
    expect(typeof top.lineNo).toBe('number');
    const tags = Object.fromEntries(
      (event.tags as Array<{ key: string; value: string }>).map((t) => [t.key, t.value]),
    );
    expect(tags).toMatchObject({
      scenario: 'cause-chain',
      environment: 'e2e',
      release: 'e2e-app@1.0.0',
      level: 'error',
    });
    expect((event.user as Record<string, unknown>).email).toBe('jane@example.com');
    expect((event.sdk as Record<string, unknown>).name).toBe('sentry.javascript.node');
  });

  it('captureMessage: a warning issue carrying the message', async () => {
    await scenario('message');
    const [issue] = await waitForIssues('scenario:message', 1);
    expect(issue!.level).toBe('warning');
    const event = await latestEvent(issue!);
    expect(event.message).toBe('Cache miss ratio too high for shard 7');
    expect(event.entries.find((e) => e.type === 'message')?.data.formatted).toBe(
      'Cache miss ratio too high for shard 7',
    );
    expect((await issuesMatching('"ratio too high"')).map((i) => i.id)).toContain(issue!.id);
  });

  it('the same error twice is one issue with count 2; two different errors are two issues', async () => {
    await scenario('twice');
    const [same] = await waitForIssues('scenario:twice', 1, 2);
    expect(same!.count).toBe('2');
    expect(same!.title).toBe("TypeError: Cannot read properties of null (reading 'prop')");
    await scenario('different');
    const different = await waitForIssues('scenario:different', 2);
    expect(different.map((i) => i.title).sort()).toEqual([
      'Error: payment declined',
      expect.stringMatching(/^SyntaxError: /),
    ]);
    // Node frames group by context line (reference/sentry-semantics.md §3.3): the payment error
    // called from another line is another issue than the cause-chain one.
    const payment = different.find((i) => i.title === 'Error: payment declined')!;
    const causeChain = (await issuesMatching('scenario:cause-chain'))[0]!;
    expect(payment.id).not.toBe(causeChain.id);
  });

  it('feature flags are stored and searchable with flags[...]', async () => {
    await scenario('flags');
    const [issue] = await waitForIssues('flags[checkout-v2]:true', 1);
    expect(issue!.title).toBe('RangeError: flagged failure');
    expect(await issuesMatching('flags[checkout-v2]:false')).toHaveLength(0);
    expect((await issuesMatching('flags[dark-mode]:false')).map((i) => i.id)).toEqual([issue!.id]);
    const event = await latestEvent(issue!);
    const flags = (event.contexts as Record<string, { values: unknown }>).flags!.values;
    expect(flags).toEqual([
      { flag: 'checkout-v2', result: true },
      { flag: 'dark-mode', result: false },
    ]);
  });

  it('an unhandled rejection in a child process is an unhandled error', async () => {
    await scenario('unhandled');
    const [issue] = await waitForIssues('scenario:unhandled', 1);
    expect(issue!.title).toBe('Error: unhandled rejection in worker');
    expect(issue!.isUnhandled).toBe(true);
    const event = await latestEvent(issue!);
    const values = event.entries.find((e) => e.type === 'exception')!.data.values as Array<{
      mechanism: Record<string, unknown>;
    }>;
    expect(values.at(-1)!.mechanism).toMatchObject({
      type: 'auto.node.onunhandledrejection',
      handled: false,
    });
    expect((await issuesMatching('error.unhandled:true scenario:unhandled')).map((i) => i.id)).toEqual([
      issue!.id,
    ]);
  });

  it('search by level, release, environment, user and free text; bad queries get 400', async () => {
    expect((await issuesMatching('level:warning')).every((i) => i.level === 'warning')).toBe(true);
    expect((await issuesMatching('release:e2e-app@1.0.0')).length).toBeGreaterThanOrEqual(5);
    expect(await issuesMatching('environment:production')).toHaveLength(0);
    expect((await issuesMatching('user.email:jane@example.com')).length).toBeGreaterThanOrEqual(5);
    expect((await issuesMatching('user.id:user-42 payment')).map((i) => i.title)).toEqual([
      'Error: payment declined',
      'Error: payment declined',
    ]);
    expect(await issuesMatching('user.id:someone-else payment')).toHaveLength(0);
    const bad = await api(
      vigil,
      `/api/0/projects/vigil/default/issues/?query=${encodeURIComponent('level:')}`,
    );
    expect(bad.status).toBe(400);
    expect((bad.body as { detail: string }).detail).toMatch(/Empty string after 'level:'/);
  });
});

describe('issue status', () => {
  it('resolve, then a new event reopens the issue as regressed', async () => {
    const [issue] = await waitForIssues('scenario:twice', 1, 2);
    const resolved = await api(vigil, `/api/0/issues/${issue!.id}/`, {
      method: 'PUT',
      body: { status: 'resolved' },
    });
    expect(resolved.status).toBe(200);
    expect((resolved.body as Issue).status).toBe('resolved');
    expect((await issuesMatching('is:resolved')).map((i) => i.id)).toContain(issue!.id);
    expect((await issuesMatching('is:unresolved')).map((i) => i.id)).not.toContain(issue!.id);
    // Sentry only regresses on events more than 5 s after the issue was last active.
    await new Promise((r) => setTimeout(r, 5_500));
    await scenario('twice');
    const regressed = await eventually(async () => {
      const res = await api(vigil, `/api/0/issues/${issue!.id}/`);
      const body = res.body as Issue;
      return body.status === 'unresolved' && Number(body.count) === 4 ? body : undefined;
    });
    expect(regressed.substatus).toBe('regressed');
    const activity = regressed.activity as Array<{ type: string; data: Record<string, unknown> }>;
    expect(activity.map((a) => a.type)).toEqual(['set_regression', 'set_resolved', 'first_seen']);
    expect(activity[0]!.data).toMatchObject({ version: 'e2e-app@1.0.0' });
    expect(regressed.firstRelease).toEqual({ version: 'e2e-app@1.0.0' });
    expect((await issuesMatching('is:regressed')).map((i) => i.id)).toEqual([issue!.id]);
  });
});
