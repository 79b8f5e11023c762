// `release:latest` resolution on real stores (SQLite metadata, embedded chDB): a project whose
// newest releases are all semantic versions takes its highest one (a release above its
// pre-releases), any other the one released last; archived releases never count; with an
// environment, only releases deployed there or with events there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTestStore, openTestStore } from '../../storage/clickhouse/test-store.js';
import { toDateTime64, type ClickHouseStore } from '../../storage/clickhouse/index.js';
import {
  bootstrap,
  createDeploy,
  createProject,
  createRelease,
  openMetadataStore,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { latestReleases } from './latest-release.js';

let dir: string;
let metadata: MetadataStore;
let clickhouse: ClickHouseStore;
let organizationId: number;
let semverProject: number;
let dateProject: number;
let clock = Date.parse('2025-01-01T00:00:00Z');

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-latest-release-'));
  // Each release is created a minute after the previous one.
  metadata = await openMetadataStore({ dataDir: dir, now: () => new Date((clock += 60_000)) });
  clickhouse = await openTestStore('latest-release');
  const boot = await bootstrap(metadata);
  organizationId = boot.organization.id;
  semverProject = boot.project.id;
  const other = await createProject(metadata, organizationId, 'legacy');
  if (!other.ok) throw new Error('setup failed');
  dateProject = other.value.id;
  const release = (
    version: string,
    projectIds: number[],
    extra: { dateReleased?: string; status?: 'archived' } = {},
  ) => createRelease(metadata, { organizationId, version, projectIds, ...extra });
  for (const v of ['app@1.9.0', 'app@2.0.0', 'app@1.10.0', 'app@2.0.0-rc.1', 'app@1.10.1'])
    await release(v, [semverProject]);
  await release('app@3.0.0', [semverProject], { status: 'archived' });
  // The legacy project names releases by commit; the newest by creation was released earlier.
  await release('abc', [dateProject], { dateReleased: '2025-06-01T00:00:00.000Z' });
  await release('def', [dateProject]);
  const staging = (await release('app@1.9.0', [semverProject])).release;
  await createDeploy(metadata, {
    organizationId,
    releaseId: staging.id,
    environment: 'staging',
    projectIds: [semverProject],
  });
  const now = toDateTime64(new Date());
  await clickhouse.client.insert({
    table: 'events',
    values: [
      {
        project_id: dateProject,
        timestamp: now,
        received: now,
        event_id: 'a'.repeat(32),
        group_id: 1,
        release: 'def',
        environment: 'qa',
        data: '{}',
      },
    ],
    format: 'JSONEachRow',
  });
}, 120_000);

afterAll(async () => {
  await closeTestStore(clickhouse);
  await metadata?.close();
  rmSync(dir, { recursive: true, force: true });
});

const latest = (projectIds: number[], environments: string[] = []) =>
  latestReleases({ metadata, clickhouse }, { organizationId, projectIds, environments });

describe('latestReleases', () => {
  it('takes the highest open semver release of a semver project', async () => {
    expect(await latest([semverProject])).toEqual(['app@2.0.0']);
  });

  it('takes the last released release of any other project', async () => {
    expect(await latest([dateProject])).toEqual(['abc']);
  });

  it('answers one release per project', async () => {
    expect(await latest([semverProject, dateProject])).toEqual(['abc', 'app@2.0.0']);
  });

  it('keeps, with environments, the releases deployed there or with events there', async () => {
    expect(await latest([semverProject], ['staging'])).toEqual(['app@1.9.0']);
    expect(await latest([dateProject], ['qa'])).toEqual(['def']);
    expect(await latest([semverProject, dateProject], ['production'])).toEqual([]);
  });
});
