// Port of Relay's tests/integration/test_client_report.py (getsentry/relay): client reports
// become `client_discard` outcomes (outcome id 5) summed per hour, organization, project, key,
// reason and category; a report dated too far in the future yields none. Relay reads the outcomes
// its fake upstream received; here they are read from Vigil's `outcomes` table.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  envelopeBytes,
  queryRows,
  sendEnvelope,
  startRelayTestServer,
  type Json,
  type RelayTestServer,
} from './harness.js';

let server: RelayTestServer;

beforeAll(async () => {
  server = await startRelayTestServer('client-report');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** Relay's `send_client_report`: one `client_report` item. */
async function sendClientReport(payload: Json): Promise<void> {
  const res = await sendEnvelope(
    server,
    envelopeBytes({}, [{ headers: { type: 'client_report' }, payload }]),
  );
  expect(res.status).toBe(200);
}

interface OutcomeRow {
  project_id: number;
  outcome: number;
  reason: string;
  category: number;
  quantity: number;
  timestamp: string;
}

async function clientDiscards(): Promise<OutcomeRow[]> {
  await server.vigil.flush();
  return queryRows<OutcomeRow>(
    server,
    `SELECT project_id, outcome, reason, category, sum(quantity) AS quantity, timestamp FROM outcomes
      WHERE outcome = 5 GROUP BY project_id, outcome, reason, category, timestamp ORDER BY category`,
  );
}

it('test_client_reports_bad_timestamps: a report 300 days in the future records no outcome', async () => {
  await sendClientReport({
    timestamp: new Date(Date.now() + 300 * 24 * 3600 * 1000).toISOString(),
    discarded_events: [
      { reason: 'queue_overflow', category: 'error', quantity: 42 },
      { reason: 'queue_overflow', category: 'transaction', quantity: 1231 },
    ],
  });
  expect(await clientDiscards()).toEqual([]);
  expect(server.vigil.outcomes.total('client_discard')).toBe(0);
});

it('test_client_reports: two reports are summed into one client_discard outcome per category', async () => {
  const timestamp = new Date();
  const report = (at: Date) => ({
    timestamp: at.toISOString(),
    discarded_events: [
      { reason: 'queue_overflow', category: 'error', quantity: 42 },
      { reason: 'queue_overflow', category: 'transaction', quantity: 1231 },
    ],
  });
  await sendClientReport(report(timestamp));
  await sendClientReport(report(new Date(timestamp.getTime() + 100)));

  // Relay's aggregator buckets by second; Vigil's table by hour (both sums are per bucket).
  const hour = new Date(Math.floor(timestamp.getTime() / 3_600_000) * 3_600_000)
    .toISOString()
    .slice(0, 19)
    .replace('T', ' ');
  const project = server.projectId;
  expect(await clientDiscards()).toEqual([
    { project_id: project, outcome: 5, reason: 'queue_overflow', category: 1, quantity: 84, timestamp: hour },
    {
      project_id: project,
      outcome: 5,
      reason: 'queue_overflow',
      category: 2,
      quantity: 2462,
      timestamp: hour,
    },
  ]);
});
