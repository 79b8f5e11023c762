// Client reports from the real @sentry/node SDK (11.11) against the in-process server: events
// dropped in `beforeSend` are counted by the SDK, which sends them as a `client_report` item when
// it flushes; Vigil records them as `client_discard` outcomes (reference/relay-protocol.md §7.3).
// Outcomes have no web API yet (issue #4), so this reads the server's outcome counter in process.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createVigil, type Vigil } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { freePort } from '../helpers/vigil-process.js';

let vigil: Vigil;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-client-reports-'));
  const port = await freePort();
  const config = loadConfig({ port, dataDir, logLevel: 'warn' }, {});
  config.processing.workers = 0;
  vigil = await createVigil(config);
  await vigil.app.listen({ host: '127.0.0.1', port });
}, 60_000);

afterAll(async () => {
  await Sentry.close(2000);
  await vigil?.close();
  rmSync(dataDir, { recursive: true, force: true });
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
