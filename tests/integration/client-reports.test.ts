// Client reports and outcomes from the real @sentry/node SDK (11.11) against the in-process
// server: events dropped in `beforeSend` are counted by the SDK, which sends them as a
// `client_report` item when it flushes; Vigil records them as `client_discard` outcomes
// (reference/relay-protocol.md §7.3), stores them per hour and serves them through stats_v2, next
// to the `accepted` outcomes of the events it stored.
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Vigil } from '../../src/server/app.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';

let server: TestVigil;
let vigil: Vigil;

beforeAll(async () => {
  server = await startTestVigil('client-reports');
  vigil = server.vigil;
}, 60_000);

afterAll(async () => {
  await Sentry.close(2000);
  await server?.close();
});

it('records the events the SDK dropped in beforeSend as client_discard outcomes', async () => {
  Sentry.init({
    dsn: vigil.dsn,
    defaultIntegrations: false,
    beforeSend: () => null,
  });
  for (let i = 0; i < 3; i++) Sentry.captureException(new Error(`dropped ${i}`));
  Sentry.captureMessage('dropped too');
  expect(vigil.outcomes.total('client_discard')).toBe(0);

  // NodeClient.flush sends the pending outcomes as a client report envelope.
  await expect(Sentry.flush(5000)).resolves.toBe(true);
  await vigil.flush();

  expect(vigil.outcomes.total('client_discard', 'error', 'before_send')).toBe(4);
  expect(vigil.outcomes.total('client_discard')).toBe(4);
  // Nothing reached the error pipeline: the SDK dropped every event before sending.
  expect(vigil.outcomes.total('accepted')).toBe(0);
});

it('serves accepted and client_discard outcomes of the project through stats_v2', async () => {
  await Sentry.close(2000);
  Sentry.init({ dsn: vigil.dsn, defaultIntegrations: false });
  Sentry.captureException(new Error('kept 1'));
  Sentry.captureException(new Error('kept 2'));
  await expect(Sentry.flush(5000)).resolves.toBe(true);
  await vigil.flush();

  const res = await vigil.app.inject({
    url: '/api/0/organizations/vigil/stats_v2/?field=sum(quantity)&groupBy=outcome&groupBy=reason&groupBy=project&category=error&statsPeriod=1h',
    headers: { authorization: `Bearer ${vigil.adminToken}` },
  });
  expect(res.statusCode).toBe(200);
  const groups = (
    res.json() as { groups: Array<{ by: Record<string, unknown>; totals: Record<string, number> }> }
  ).groups;
  expect(groups.map((g) => [g.by, g.totals['sum(quantity)']])).toEqual([
    [{ outcome: 'accepted', reason: '', project: 1 }, 2],
    [{ outcome: 'client_discard', reason: 'before_send', project: 1 }, 4],
  ]);
});
