/**
 * User feedback end to end against the built server: the official @sentry/node SDK reports an
 * error and `Sentry.captureFeedback` about it (a `feedback` item), Debian's python3-sentry-sdk 1.9
 * reports an error and a legacy `user_report` item about it, and a script submits a report
 * through Sentry's public `POST .../user-feedback/` API with DSN authentication. The test reads
 * them back through the feedback APIs (linked to the stored errors and their issues) and through
 * `vigil feedback list`.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  clientsDir,
  eventually,
  runClient,
  startVigil,
  vigilCli,
  type VigilProcess,
} from '../helpers/vigil-process.js';

const nodeClient = path.join(clientsDir, 'node-feedback.mjs');
const pythonClient = path.join(clientsDir, 'python_feedback.py');

type Json = Record<string, unknown>;

let vigil: VigilProcess;
let node: { errorId: string; feedbackId: string };
let python: { errorId: string };
let feedback: Json[];

const client = (command: string, script: string): Promise<Json> =>
  runClient(command, [script], { SENTRY_DSN: vigil.dsn });

/** The issue id of a stored event (waits until it is stored). */
async function issueOf(eventId: string): Promise<string> {
  return eventually(async () => {
    const res = await api(vigil, `/api/0/projects/vigil/default/events/${eventId}/`);
    return res.status === 200 ? String((res.body as Json).groupID) : undefined;
  });
}

beforeAll(async () => {
  vigil = await startVigil();
  node = (await client(process.execPath, nodeClient)) as typeof node;
  python = (await client('/usr/bin/python3', pythonClient)) as typeof python;
  // Sentry's public "submit user feedback" API, authenticated with the DSN as older SDKs do.
  const submitted = await fetch(`${vigil.url}/api/0/projects/vigil/default/user-feedback/`, {
    method: 'POST',
    headers: { authorization: `DSN ${vigil.dsn}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      event_id: node.errorId,
      name: 'Api User',
      email: 'api@example.org',
      comments: 'Submitted through the API',
    }),
  });
  expect(submitted.status).toBe(200);
  feedback = await eventually(async () => {
    const res = await api(vigil, '/api/0/organizations/vigil/feedback/');
    const list = res.body as Json[];
    return res.status === 200 && list.length === 3 ? list : undefined;
  }, 30_000);
}, 180_000);

afterAll(async () => {
  await vigil?.dispose();
});

describe('user feedback from the official SDKs', () => {
  it('stores @sentry/node captureFeedback linked to the captured error', async () => {
    const item = feedback.find((f) => f.id === node.feedbackId);
    expect(item).toMatchObject({
      message: 'The pay button does nothing',
      contact_email: 'jane@example.org',
      name: 'Jane Node',
      url: 'https://shop.example.org/pay',
      associated_event_id: node.errorId,
      environment: 'e2e',
      release: 'e2e-feedback@1.0.0',
      platform: 'node',
      sdk: { name: 'sentry.javascript.node', version: '11.11.0' },
      status: 'unresolved',
      user: { id: 'node-user', email: 'node-user@example.org' },
      tags: { associated_event_id: node.errorId, has_linked_error: 'true', release: 'e2e-feedback@1.0.0' },
    });
    const detail = await api(vigil, `/api/0/projects/vigil/default/feedback/${node.feedbackId}/`);
    expect(detail).toMatchObject({
      status: 200,
      body: { id: node.feedbackId, message: 'The pay button does nothing' },
    });
  });

  it('stores the python SDK user_report and the API report as feedback about their errors', () => {
    const byEvent = (eventId: string): Json[] => feedback.filter((f) => f.associated_event_id === eventId);
    expect(byEvent(python.errorId)).toEqual([
      expect.objectContaining({
        message: 'The report page stays blank.',
        name: 'Py Thon',
        contact_email: 'py@example.org',
      }),
    ]);
    expect(
      byEvent(node.errorId)
        .map((f) => f.message)
        .sort(),
    ).toEqual(['Submitted through the API', 'The pay button does nothing']);
  });

  it("lists them as Sentry's legacy user reports with the error's user and issue", async () => {
    const [nodeIssue, pythonIssue] = [await issueOf(node.errorId), await issueOf(python.errorId)];
    const res = await api(vigil, '/api/0/projects/vigil/default/user-feedback/');
    expect(res.status).toBe(200);
    const reports = res.body as Json[];
    expect(reports).toHaveLength(3);
    const py = reports.find((r) => r.eventID === python.errorId);
    expect(py).toMatchObject({
      name: 'Py Thon',
      email: 'py@example.org',
      comments: 'The report page stays blank.',
      user: { id: 'py-user', username: 'pyuser' },
      event: { id: python.errorId, eventID: python.errorId },
      issue: { id: pythonIssue, status: 'unresolved' },
    });
    for (const report of reports.filter((r) => r.eventID === node.errorId)) {
      expect(report).toMatchObject({ user: { id: 'node-user' }, issue: { id: nodeIssue } });
    }
  });

  it('vigil feedback list prints them newest first', async () => {
    const stdout = await vigilCli(vigil, ['feedback', 'list', '--project', 'default']);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('timestamp\tid\tfrom\tevent\tmessage');
    expect(lines.slice(1).map((l) => l.split('\t').slice(2))).toEqual(
      expect.arrayContaining([
        ['Jane Node', node.errorId, 'The pay button does nothing'],
        ['Py Thon', python.errorId, 'The report page stays blank.'],
        ['Api User', node.errorId, 'Submitted through the API'],
      ]),
    );
    expect(lines).toHaveLength(4);
  });
});
