/**
 * Release health end to end: the official SDKs (@sentry/node 11 and Debian's
 * python3-sentry-sdk 1.9) report real sessions — healthy, errored, crashed by an uncaught
 * exception, and request-mode aggregates — to the built server, and the sessions API and
 * `vigil sessions` give the exact crash-free rates (reference/sentry-semantics.md §6.2).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  clientsDir,
  eventually,
  run,
  startVigil,
  vigilCli,
  type VigilProcess,
} from '../helpers/vigil-process.js';

const nodeClient = path.join(clientsDir, 'node-sessions.mjs');
const pythonClient = path.join(clientsDir, 'python_sessions.py');

type Group = { by: Record<string, string>; totals: Record<string, number | null> };
type Answer = { start: string; end: string; intervals: string[]; groups: Group[] };

let vigil: VigilProcess;

/** Runs a client; a crash scenario exits non-zero on purpose. */
async function client(command: string, args: string[], release?: string, expectCrash = false): Promise<void> {
  const env = { ...process.env, SENTRY_DSN: vigil.dsn, ...(release ? { SENTRY_RELEASE: release } : {}) };
  try {
    await run(command, args, { env, timeout: 30_000 });
    if (expectCrash) throw new Error(`${args.join(' ')} was expected to crash`);
  } catch (err) {
    if (!expectCrash || (err as { code?: unknown }).code !== 1) throw err;
  }
}

const FIELDS = ['sum(session)', 'crash_free_rate(session)', 'count_unique(user)', 'crash_free_rate(user)'];

async function sessions(extra: string): Promise<Answer> {
  const fields = FIELDS.map((f) => `field=${encodeURIComponent(f)}`).join('&');
  const res = await api(
    vigil,
    `/api/0/organizations/vigil/sessions/?${fields}&statsPeriod=24h&interval=1h&${extra}`,
  );
  expect(res.status).toBe(200);
  return res.body as Answer;
}

const EXPECTED_SESSIONS: Record<string, number> = {
  'node-sessions@1.0.0': 3,
  'node-requests@1.0.0': 5,
  'py-sessions@2.0.0': 2,
  'py-requests@2.0.0': 4,
};

beforeAll(async () => {
  vigil = await startVigil();
  const node = (scenario: string, user?: string, release?: string, crash = false) =>
    client(process.execPath, [nodeClient, scenario, ...(user ? [user] : [])], release, crash);
  const python = (scenario: string, user?: string, release?: string, crash = false) =>
    client('/usr/bin/python3', [pythonClient, scenario, ...(user ? [user] : [])], release, crash);
  // One process session per run (release node-sessions@1.0.0): healthy, errored, crashed.
  await node('healthy', 'node-user-1');
  await node('errored', 'node-user-2');
  await node('crashed', 'node-user-3', undefined, true);
  // Request mode: 3 exited, 1 errored, 1 crashed as one `sessions` aggregate.
  await node('requests', undefined, 'node-requests@1.0.0');
  await python('healthy', 'py-user-1');
  await python('crashed', 'py-user-2', undefined, true);
  await python('requests', undefined, 'py-requests@2.0.0');
  // Sessions are written asynchronously; wait until every release has all its sessions.
  await eventually(async () => {
    const answer = await sessions('groupBy=release');
    const sums = Object.fromEntries(answer.groups.map((g) => [g.by.release, g.totals['sum(session)']]));
    return Object.entries(EXPECTED_SESSIONS).every(([release, n]) => sums[release] === n);
  }, 30_000);
}, 180_000);

afterAll(async () => {
  await vigil?.dispose();
});

describe('release health from the official SDKs', () => {
  it('crash-free session and user rates per release are exact', async () => {
    const answer = await sessions('groupBy=release');
    const byRelease = Object.fromEntries(answer.groups.map((g) => [g.by.release, g.totals]));
    expect(byRelease).toEqual({
      // healthy, errored, crashed: one crash in three sessions of three users.
      'node-sessions@1.0.0': {
        'sum(session)': 3,
        'crash_free_rate(session)': 1 - 1 / 3,
        'count_unique(user)': 3,
        'crash_free_rate(user)': 1 - 1 / 3,
      },
      // Aggregates carry no users: the user rate is undefined.
      'node-requests@1.0.0': {
        'sum(session)': 5,
        'crash_free_rate(session)': 0.8,
        'count_unique(user)': 0,
        'crash_free_rate(user)': null,
      },
      'py-sessions@2.0.0': {
        'sum(session)': 2,
        'crash_free_rate(session)': 0.5,
        'count_unique(user)': 2,
        'crash_free_rate(user)': 0.5,
      },
      'py-requests@2.0.0': {
        'sum(session)': 4,
        'crash_free_rate(session)': 1,
        'count_unique(user)': 0,
        'crash_free_rate(user)': null,
      },
    });
    // 24 h at 1 h intervals: the start rounded down and the end rounded up to the hour.
    expect(answer.intervals).toHaveLength(25);
    expect(answer.start).toBe(answer.intervals[0]);
  });

  it('each session counts once with its worst status (session.status groups)', async () => {
    const res = await api(
      vigil,
      `/api/0/organizations/vigil/sessions/?field=sum(session)&field=count_unique(user)&groupBy=session.status` +
        `&statsPeriod=24h&query=${encodeURIComponent('release:node-sessions@1.0.0')}`,
    );
    expect(res.status).toBe(200);
    const byStatus = Object.fromEntries(
      (res.body as Answer).groups.map((g) => [g.by['session.status'], g.totals['sum(session)']]),
    );
    // The errored session sent two updates (errors 1, then exited): still one errored session.
    expect(byStatus).toEqual({ abnormal: 0, crashed: 1, errored: 1, healthy: 1, unhandled: 0 });
    const aggregates = await api(
      vigil,
      `/api/0/organizations/vigil/sessions/?field=sum(session)&groupBy=session.status&statsPeriod=24h` +
        `&query=${encodeURIComponent('release:node-requests@1.0.0')}`,
    );
    expect(
      Object.fromEntries(
        (aggregates.body as Answer).groups.map((g) => [g.by['session.status'], g.totals['sum(session)']]),
      ),
    ).toEqual({ abnormal: 0, crashed: 1, errored: 1, healthy: 3, unhandled: 0 });
    // Rates cannot be grouped by status (Sentry answers 400).
    const rates = await api(
      vigil,
      '/api/0/organizations/vigil/sessions/?field=crash_free_rate(session)&groupBy=session.status&statsPeriod=24h',
    );
    expect(rates).toMatchObject({
      status: 400,
      body: { detail: 'Cannot group field crash_free_rate(session) by session.status' },
    });
  });

  it('vigil sessions prints the per-release table', async () => {
    const stdout = await vigilCli(vigil, ['sessions', '--release', 'node-sessions@1.0.0']);
    expect(stdout.trim().split('\n')).toEqual([
      'release\tsessions\tcrash_free_sessions\tusers\tcrash_free_users',
      'node-sessions@1.0.0\t3\t66.667%\t3\t66.667%',
    ]);
  });
});
