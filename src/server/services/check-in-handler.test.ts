import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../protocol/outcome.js';
import type { CheckInIdRequest } from '../../storage/clickhouse/check-ins.js';
import {
  bootstrap,
  createProject,
  openMetadataStore,
  upsertMonitors,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import type { AcceptedEnvelope } from '../ingest/index.js';
import { acceptedEnvelope } from './test-envelope.js';
import { CheckInItemHandler } from './check-in-handler.js';

let metadata: MetadataStore;
let projectId: number;
let organizationId: number;
let outcomes: Outcome[];
let rows: string[];
let resolved: CheckInIdRequest[][];
let failResolve: boolean;

beforeEach(async () => {
  metadata = await openMetadataStore({ url: 'sqlite::memory:', now: () => new Date('2025-03-01T12:00:00Z') });
  const boot = await bootstrap(metadata);
  projectId = boot.project.id;
  organizationId = boot.organization.id;
  outcomes = [];
  rows = [];
  resolved = [];
  failResolve = false;
});

afterEach(async () => {
  await metadata.close();
});

function handler(): CheckInItemHandler {
  return new CheckInItemHandler({
    metadata,
    resolver: {
      resolve: async (requests) => {
        if (failResolve) throw new Error('ClickHouse down');
        resolved.push([...requests]);
        return requests.map((r, i) =>
          r.checkInId === '0'.repeat(32) ? `${i}`.padStart(32, 'f') : r.checkInId,
        );
      },
    },
    sink: { push: (lines) => (rows.push(...lines), true) },
    outcomes: { record: (o) => outcomes.push(o) },
    retentionDays: 30,
  });
}

function accepted(project = projectId): AcceptedEnvelope {
  return acceptedEnvelope({
    headers: { sent_at: '2025-03-01T12:00:00Z' },
    projectId: project,
    organizationId,
    meta: { receivedAt: 1_740_830_400 },
  });
}

/** The scoping of an envelope of `project` (default: the bootstrap project) with key 1. */
const scopingOf = (project = projectId) => ({ organizationId, projectId: project, keyId: 1 });

function send(h: CheckInItemHandler, payload: unknown, type = 'check_in', project = projectId): void {
  h.handle(accepted(project), { headers: { type }, payload: Buffer.from(JSON.stringify(payload)) });
}

const config = { schedule: { type: 'crontab', value: '0 * * * *' }, max_runtime: 45 };

describe('CheckInItemHandler', () => {
  it('stores valid check-ins, upserting monitors, with outcomes in category monitor', async () => {
    const h = handler();
    send(h, { monitor_slug: 'Backup Job', status: 'in_progress', monitor_config: config });
    send(h, { monitor_slug: 'backup-job', status: 'ok', duration: 2 });
    send(h, { monitor_slug: 'unknown', status: 'ok' });
    send(h, { monitor_slug: '', status: 'ok' });
    send(h, { status: 'ok' }, 'event');
    expect(outcomes).toEqual([
      {
        outcome: 'invalid',
        reason: 'invalid_check_in',
        category: 'monitor',
        quantity: 1,
        scoping: scopingOf(),
      },
    ]);
    await h.flush();

    expect(outcomes.slice(1)).toEqual([
      { outcome: 'accepted', reason: null, category: 'monitor', quantity: 2, scoping: scopingOf() },
      {
        outcome: 'invalid',
        reason: 'invalid_monitor',
        category: 'monitor',
        quantity: 1,
        scoping: scopingOf(),
      },
    ]);
    expect(resolved[0]!.map((r) => [r.monitorSlug, r.status, r.maxRuntimeMinutes])).toEqual([
      ['backup-job', 'in_progress', 45],
      ['backup-job', 'ok', 45],
    ]);
    expect(rows.map((r) => JSON.parse(r) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        project_id: projectId,
        monitor_slug: 'backup-job',
        status: 'in_progress',
        check_in_id: `${'f'.repeat(31)}0`,
        duration: null,
        retention_days: 30,
      }),
      expect.objectContaining({
        status: 'ok',
        check_in_id: `${'f'.repeat(31)}1`,
        duration: 2000,
        timestamp: '2025-03-01 11:59:58.000',
      }),
    ]);
    // The next flush has nothing left.
    await h.flush();
    expect(rows).toHaveLength(2);
  });

  it('keeps the batch when storing fails and stores it once on the retry', async () => {
    const h = handler();
    send(h, { monitor_slug: 'job', status: 'ok', monitor_config: config });
    failResolve = true;
    await expect(h.flush()).rejects.toThrow('ClickHouse down');
    expect(rows).toEqual([]);
    expect(outcomes).toEqual([]);
    failResolve = false;
    await h.flush();
    expect(rows).toHaveLength(1);
    expect(outcomes).toEqual([
      { outcome: 'accepted', reason: null, category: 'monitor', quantity: 1, scoping: scopingOf() },
    ]);
  });

  it('filters check-ins of disabled monitors', async () => {
    await upsertMonitors(metadata, [
      { projectId, slug: 'off', config: { schedule_type: 'crontab', schedule: '@daily' } },
    ]);
    await metadata.db.updateTable('monitors').set({ status: 'disabled' }).execute();
    const h = handler();
    send(h, { monitor_slug: 'off', status: 'ok' });
    await h.flush();
    expect(rows).toEqual([]);
    expect(outcomes).toEqual([
      {
        outcome: 'filtered',
        reason: 'monitor_disabled',
        category: 'monitor',
        quantity: 1,
        scoping: scopingOf(),
      },
    ]);
  });

  it('records the outcomes of a batch per project, each with its own scoping', async () => {
    const created = await createProject(metadata, organizationId, 'second');
    if (!created.ok) throw new Error(created.error.detail);
    const second = created.value.id;
    const h = handler();
    send(h, { monitor_slug: 'job', status: 'ok', monitor_config: config }, 'check_in', second);
    send(h, { monitor_slug: 'job', status: 'ok', monitor_config: config });
    send(h, { monitor_slug: 'unknown', status: 'ok' }, 'check_in', second);
    send(h, { monitor_slug: 'job', status: 'ok' }, 'check_in', second);
    await h.flush();
    expect(rows.map((r) => (JSON.parse(r) as { project_id: number }).project_id)).toEqual([
      second,
      projectId,
      second,
    ]);
    expect(outcomes).toEqual([
      { outcome: 'accepted', reason: null, category: 'monitor', quantity: 2, scoping: scopingOf(second) },
      { outcome: 'accepted', reason: null, category: 'monitor', quantity: 1, scoping: scopingOf() },
      {
        outcome: 'invalid',
        reason: 'invalid_monitor',
        category: 'monitor',
        quantity: 1,
        scoping: scopingOf(second),
      },
    ]);
  });
});
