// Conformance of the release and artifact-bundle repositories (migration 5) on SQLite and
// Postgres: releases with their projects and deploys, issue counts per release, chunk
// blobs, assembly states (with their ten-minute lifetime and one winner among concurrent
// claimers) and bundles with their debug-id, release and URL indexes.
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ASSEMBLE_STATUS_TTL_MS,
  claimAssembly,
  countNewGroups,
  createDeploy,
  createOrganization,
  createProject,
  createRelease,
  deleteArtifactBundle,
  deleteRelease,
  findBundlesByDebugId,
  findBundlesByUrl,
  findMissingFileBlobs,
  findReleaseBundles,
  getAssembleStatus,
  getDeploys,
  getRelease,
  listProjectArtifactBundles,
  listReleaseDeploys,
  listReleaseProjects,
  listReleases,
  newGroupsKey,
  putFileBlobs,
  readArtifactBundleZip,
  readFileBlobs,
  releaseHasIssues,
  resolveGroups,
  setAssembleStatus,
  storeArtifactBundle,
  updateRelease,
  type MetadataStore,
  type Organization,
  type Project,
  type StoreArtifactBundleInput,
} from './index.js';
import { postgresBackend, sqliteBackend, unwrap, type Fixture } from './test-backends.js';

const sha1 = (data: Buffer): string => createHash('sha1').update(data).digest('hex');
const DEBUG_A = '3b4e0a4c-1f6c-4d39-9c8e-6a41c0f1f0a1';
const DEBUG_B = '9f3e2d1c-0b4a-4958-8776-655443322110';

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
] as const)('releases and artifact bundles on %s', (dialect, backend) => {
  let fx: Fixture;
  let store: MetadataStore;
  let org: Organization;
  let web: Project;
  let api: Project;

  beforeAll(() => backend.prepare());
  beforeEach(async () => {
    fx = await backend.create();
    store = fx.store;
    org = unwrap(await createOrganization(store, 'acme'));
    web = unwrap(await createProject(store, org.id, 'web', 'Web', 'javascript'));
    api = unwrap(await createProject(store, org.id, 'api'));
  });
  afterEach(async () => {
    await fx.dispose();
  });

  describe('releases', () => {
    it('creates a version once, linking projects and applying a changed status', async () => {
      const first = await createRelease(store, {
        organizationId: org.id,
        version: 'web@1.0.0',
        projectIds: [web.id],
        url: 'https://example.com/r/1',
        userAgent: 'sentry-cli/3.8.0',
      });
      expect(first.created).toBe(true);
      expect(first.addedProjectIds).toEqual([web.id]);
      expect(first.release).toMatchObject({
        version: 'web@1.0.0',
        status: 'open',
        url: 'https://example.com/r/1',
        data: {},
        user_agent: 'sentry-cli/3.8.0',
        commit_count: 0,
        last_commit_id: null,
        total_deploys: 0,
        date_added: '2025-03-01T12:00:00.000Z',
        date_released: null,
      });

      fx.clock.advance(1000);
      const again = await createRelease(store, {
        organizationId: org.id,
        version: 'web@1.0.0',
        projectIds: [web.id, api.id],
        url: 'https://ignored.example.com',
        status: 'archived',
      });
      expect(again.created).toBe(false);
      expect(again.addedProjectIds).toEqual([api.id]);
      expect(again.release).toMatchObject({
        id: first.release.id,
        url: 'https://example.com/r/1',
        status: 'archived',
        date_added: '2025-03-01T12:00:00.000Z',
      });
      const unchanged = await createRelease(store, {
        organizationId: org.id,
        version: 'web@1.0.0',
        projectIds: [api.id],
      });
      expect(unchanged).toMatchObject({ created: false, addedProjectIds: [] });
      const linked = await listReleaseProjects(store, [first.release.id]);
      expect(linked.get(first.release.id)?.map((p) => p.slug)).toEqual(['web', 'api']);

      const other = unwrap(await createOrganization(store, 'other'));
      const sameVersion = await createRelease(store, {
        organizationId: other.id,
        version: 'web@1.0.0',
        projectIds: [],
      });
      expect(sameVersion.created).toBe(true);
      expect(sameVersion.release.id).not.toBe(first.release.id);
    });

    it('lists by project, status and literal substring, newest first, in pages', async () => {
      const make = async (version: string, projectIds: number[], status?: 'archived') => {
        fx.clock.advance(1000);
        return (await createRelease(store, { organizationId: org.id, version, projectIds, status })).release;
      };
      await make('1.0%', [web.id]);
      await make('1.0_b', [web.id]);
      await make('10x0', [api.id]);
      await make('1.1', [web.id], 'archived');
      const versions = async (filter: Partial<Parameters<typeof listReleases>[1]>) =>
        (
          await listReleases(store, {
            organizationId: org.id,
            projectIds: [web.id, api.id],
            limit: 100,
            offset: 0,
            ...filter,
          })
        ).map((r) => r.version);
      expect(await versions({})).toEqual(['1.1', '10x0', '1.0_b', '1.0%']);
      expect(await versions({ status: 'open' })).toEqual(['10x0', '1.0_b', '1.0%']);
      expect(await versions({ status: 'archived' })).toEqual(['1.1']);
      expect(await versions({ projectIds: [api.id] })).toEqual(['10x0']);
      expect(await versions({ projectIds: [] })).toEqual([]);
      expect(await versions({ query: '1.0' })).toEqual(['1.0_b', '1.0%']);
      expect(await versions({ query: '0%' })).toEqual(['1.0%']);
      expect(await versions({ query: '0_' })).toEqual(['1.0_b']);
      expect(await versions({ query: '1.0_B' })).toEqual(['1.0_b']);
      expect(await versions({ limit: 2, offset: 1 })).toEqual(['10x0', '1.0_b']);

      const released = await getRelease(store, org.id, '1.0%');
      await updateRelease(store, released?.id ?? 0, { dateReleased: '2026-01-01T00:00:00.000Z' });
      expect(await versions({ order: 'released' })).toEqual(['1.0%', '1.1', '10x0', '1.0_b']);
    });

    it('updates fields', async () => {
      const { release } = await createRelease(store, {
        organizationId: org.id,
        version: 'v2',
        projectIds: [web.id],
      });
      const updated = await updateRelease(store, release.id, {
        ref: 'main',
        dateReleased: '2025-03-02T00:00:00.000Z',
        status: 'archived',
      });
      expect(updated).toMatchObject({
        ref: 'main',
        date_released: '2025-03-02T00:00:00.000Z',
        status: 'archived',
      });
      expect(await updateRelease(store, release.id, { url: 'https://example.com' })).toMatchObject({
        ref: 'main',
        url: 'https://example.com',
      });
      expect(await updateRelease(store, 999_999, { ref: 'x' })).toBeUndefined();
    });

    it('counts the issues first seen in a release per project, and knows a release has issues', async () => {
      const init = (release: string) => ({
        type: 'error',
        title: 'Error',
        culprit: 'x',
        level: 'error',
        metadata: {},
        release,
        timestamp: new Date('2025-03-01T11:00:00.000Z'),
      });
      await resolveGroups(store, [
        { projectId: web.id, hashes: ['a'.repeat(32)], init: init('v1') },
        { projectId: web.id, hashes: ['b'.repeat(32)], init: init('v1') },
        { projectId: api.id, hashes: ['c'.repeat(32)], init: init('v1') },
        { projectId: api.id, hashes: ['d'.repeat(32)], init: init('v2') },
      ]);
      const counts = await countNewGroups(store, [web.id, api.id], ['v1', 'v2', 'v3']);
      expect(counts.get(newGroupsKey(web.id, 'v1'))).toBe(2);
      expect(counts.get(newGroupsKey(api.id, 'v1'))).toBe(1);
      expect(counts.get(newGroupsKey(api.id, 'v2'))).toBe(1);
      expect(counts.has(newGroupsKey(web.id, 'v3'))).toBe(false);
      expect(await releaseHasIssues(store, org.id, 'v1')).toBe(true);
      expect(await releaseHasIssues(store, org.id, 'v3')).toBe(false);
      const other = unwrap(await createOrganization(store, 'other'));
      expect(await releaseHasIssues(store, other.id, 'v1')).toBe(false);
    });

    it('records deploys: counts, last deploy, and the last deploy per project and environment', async () => {
      const { release } = await createRelease(store, {
        organizationId: org.id,
        version: 'v3',
        projectIds: [web.id, api.id],
      });
      const d1 = await createDeploy(store, {
        organizationId: org.id,
        releaseId: release.id,
        environment: 'staging',
        projectIds: [web.id, api.id],
      });
      fx.clock.advance(60_000);
      const d2 = await createDeploy(store, {
        organizationId: org.id,
        releaseId: release.id,
        environment: 'production',
        name: 'first',
        url: 'https://ci.example.com/1',
        dateStarted: '2025-03-01T11:59:00.000Z',
        projectIds: [web.id],
      });
      fx.clock.advance(60_000);
      const d3 = await createDeploy(store, {
        organizationId: org.id,
        releaseId: release.id,
        environment: 'production',
        projectIds: [web.id],
      });
      expect(d2).toMatchObject({
        environment: 'production',
        name: 'first',
        url: 'https://ci.example.com/1',
        date_started: '2025-03-01T11:59:00.000Z',
        date_finished: '2025-03-01T12:01:00.000Z',
      });
      expect(await getRelease(store, org.id, 'v3')).toMatchObject({
        total_deploys: 3,
        last_deploy_id: d3.id,
      });
      expect((await listReleaseDeploys(store, release.id)).map((d) => d.id)).toEqual([d3.id, d1.id]);
      expect((await listReleaseDeploys(store, release.id, [api.id])).map((d) => d.id)).toEqual([d1.id]);
      expect(await listReleaseDeploys(store, release.id, [])).toEqual([]);
      expect([...(await getDeploys(store, [d2.id, 12345])).keys()]).toEqual([d2.id]);

      expect(await deleteRelease(store, release.id)).toBe(true);
      expect(await getRelease(store, org.id, 'v3')).toBeUndefined();
      expect(await getDeploys(store, [d1.id, d2.id, d3.id])).toEqual(new Map());
      expect(await listReleaseProjects(store, [release.id])).toEqual(new Map());
      expect(await deleteRelease(store, release.id)).toBe(false);
    });
  });

  describe('chunks and assembly states', () => {
    it('stores binary chunks per organization and reports the missing ones once each, in order', async () => {
      const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
      const small = Buffer.from([0, 1, 0, 255]);
      await putFileBlobs(store, org.id, [
        { checksum: sha1(bytes), data: bytes },
        { checksum: sha1(small), data: small },
        { checksum: sha1(small), data: small },
      ]);
      await putFileBlobs(store, org.id, [{ checksum: sha1(small), data: small }]);
      const read = await readFileBlobs(store, org.id, [sha1(bytes), sha1(small), 'f'.repeat(40)]);
      expect(read.get(sha1(bytes))?.equals(bytes)).toBe(true);
      expect(read.get(sha1(small))?.equals(small)).toBe(true);
      expect(read.has('f'.repeat(40))).toBe(false);
      expect(
        await findMissingFileBlobs(store, org.id, [
          'e'.repeat(40),
          sha1(small),
          'e'.repeat(40),
          'd'.repeat(40),
        ]),
      ).toEqual(['e'.repeat(40), 'd'.repeat(40)]);
      const other = unwrap(await createOrganization(store, 'other'));
      expect(await findMissingFileBlobs(store, other.id, [sha1(small)])).toEqual([sha1(small)]);
    });

    it('lets one claimer start an assembly, keeps states ten minutes, then allows a new claim', async () => {
      const checksum = 'a'.repeat(40);
      expect(await getAssembleStatus(store, org.id, checksum)).toBeUndefined();
      expect(await claimAssembly(store, org.id, checksum)).toBe(true);
      expect(await claimAssembly(store, org.id, checksum)).toBe(false);
      expect(await getAssembleStatus(store, org.id, checksum)).toEqual({ state: 'created', detail: null });
      await setAssembleStatus(store, org.id, checksum, 'error', 'Reported checksum mismatch');
      expect(await getAssembleStatus(store, org.id, checksum)).toEqual({
        state: 'error',
        detail: 'Reported checksum mismatch',
      });
      fx.clock.advance(ASSEMBLE_STATUS_TTL_MS);
      expect(await getAssembleStatus(store, org.id, checksum)).toBeUndefined();
      expect(await claimAssembly(store, org.id, checksum)).toBe(true);
    });

    // SQLite connections of one process cannot hold write transactions concurrently.
    it.runIf(dialect === 'postgres')(
      'has exactly one winner when several stores claim together',
      async () => {
        const peers = [store, await fx.reopen(), await fx.reopen()];
        const results = await Promise.all(peers.map((s) => claimAssembly(s, org.id, 'b'.repeat(40))));
        expect(results.filter(Boolean)).toHaveLength(1);
      },
    );
  });

  describe('artifact bundles', () => {
    /** Stores `zip` as two chunks and a bundle over them; returns the input used. */
    async function upload(zip: Buffer, input: Partial<StoreArtifactBundleInput>) {
      const half = Math.floor(zip.length / 2);
      const parts = [zip.subarray(0, half), zip.subarray(half)];
      await putFileBlobs(
        store,
        org.id,
        parts.map((data) => ({ checksum: sha1(data), data })),
      );
      const full: StoreArtifactBundleInput = {
        organizationId: org.id,
        bundleId: DEBUG_A,
        checksum: sha1(zip),
        size: zip.length,
        chunks: parts.map(sha1),
        artifactCount: 2,
        projectIds: [web.id],
        files: [
          { url: '~/static/app.min.js', debugId: DEBUG_B, sourceFileType: 2 },
          { url: '~/static/app.min.js.map', debugId: DEBUG_B, sourceFileType: 3 },
        ],
        ...input,
      };
      return { input: full, result: await storeArtifactBundle(store, full) };
    }

    it('indexes a bundle by debug id, by release/dist + URL, and reads its zip back', async () => {
      const zip = Buffer.from('PK-zip-bytes-of-the-first-upload');
      const { result } = await upload(zip, { release: 'web@1', dist: 'ios' });
      expect(result.created).toBe(true);
      expect(result.bundle).toMatchObject({ bundle_id: DEBUG_A, artifact_count: 2, size: zip.length });
      expect((await readArtifactBundleZip(store, result.bundle))?.equals(zip)).toBe(true);

      expect((await findBundlesByDebugId(store, web.id, DEBUG_B, 2)).map((b) => b.id)).toEqual([
        result.bundle.id,
      ]);
      expect((await findBundlesByDebugId(store, web.id, DEBUG_B)).map((b) => b.id)).toEqual([
        result.bundle.id,
      ]);
      expect(await findBundlesByDebugId(store, web.id, DEBUG_B, 1)).toEqual([]);
      expect(await findBundlesByDebugId(store, api.id, DEBUG_B, 2)).toEqual([]);

      const byUrl = await findBundlesByUrl(store, web.id, 'web@1', 'ios', [
        '~/static/app.min.js',
        '~/other.js',
      ]);
      expect(byUrl.map((m) => [m.bundle.id, m.url])).toEqual([[result.bundle.id, '~/static/app.min.js']]);
      expect(await findBundlesByUrl(store, web.id, 'web@1', '', ['~/static/app.min.js'])).toEqual([]);
      expect(await findBundlesByUrl(store, web.id, 'web@2', 'ios', ['~/static/app.min.js'])).toEqual([]);

      const lookup = (urlContains?: string) =>
        findReleaseBundles(store, {
          projectId: web.id,
          release: 'web@1',
          dist: 'ios',
          urlContains,
          limit: 5,
        });
      expect((await lookup('APP.MIN')).map((b) => b.id)).toEqual([result.bundle.id]);
      expect(await lookup('nothing')).toEqual([]);
      expect((await lookup()).map((b) => b.id)).toEqual([result.bundle.id]);
    });

    it('replaces a re-uploaded bundle id: new zip and indexes, old chunks deleted, upload date kept', async () => {
      const first = await upload(Buffer.from('first zip, two chunks here'), { release: 'web@1' });
      fx.clock.advance(5000);
      const second = await upload(Buffer.from('second zip, other chunks!!'), {
        release: 'web@2',
        projectIds: [web.id, api.id],
        files: [{ url: '~/static/new.js', debugId: DEBUG_A, sourceFileType: 1 }],
        artifactCount: 1,
      });
      expect(second.result.created).toBe(false);
      expect(second.result.bundle).toMatchObject({
        id: first.result.bundle.id,
        checksum: second.input.checksum,
        artifact_count: 1,
        date_uploaded: '2025-03-01T12:00:00.000Z',
        date_added: '2025-03-01T12:00:05.000Z',
      });
      expect(await findMissingFileBlobs(store, org.id, first.input.chunks)).toEqual(first.input.chunks);
      expect(await findBundlesByDebugId(store, web.id, DEBUG_B)).toEqual([]);
      expect((await findBundlesByDebugId(store, api.id, DEBUG_A, 1)).map((b) => b.id)).toEqual([
        second.result.bundle.id,
      ]);
      expect(await findBundlesByUrl(store, web.id, 'web@2', '', ['~/static/app.min.js'])).toEqual([]);
      expect(await findBundlesByUrl(store, web.id, 'web@2', '', ['~/static/new.js'])).toHaveLength(1);
      const listed = await listProjectArtifactBundles(store, { projectId: web.id, limit: 10, offset: 0 });
      expect(listed.map((b) => b.associations)).toEqual([
        [
          { release: 'web@2', dist: '' },
          { release: 'web@1', dist: '' },
        ],
      ]);
    });

    it('orders lookups newest first and lists with a query and paging', async () => {
      const a = await upload(Buffer.from('bundle a bytes'), { bundleId: DEBUG_A, release: 'shop@1' });
      fx.clock.advance(1000);
      const b = await upload(Buffer.from('bundle b bytes'), { bundleId: DEBUG_B, release: 'shop@2' });
      expect((await findBundlesByDebugId(store, web.id, DEBUG_B, 2)).map((x) => x.id)).toEqual([
        b.result.bundle.id,
        a.result.bundle.id,
      ]);
      const list = async (filter: { query?: string; ascending?: boolean; limit?: number; offset?: number }) =>
        (
          await listProjectArtifactBundles(store, {
            projectId: web.id,
            limit: filter.limit ?? 10,
            offset: filter.offset ?? 0,
            ...filter,
          })
        ).map((x) => x.bundle_id);
      expect(await list({})).toEqual([DEBUG_B, DEBUG_A]);
      expect(await list({ ascending: true })).toEqual([DEBUG_A, DEBUG_B]);
      expect(await list({ query: 'SHOP@1' })).toEqual([DEBUG_A]);
      expect(await list({ query: DEBUG_B.slice(0, 8) })).toEqual([DEBUG_B]);
      expect(await list({ limit: 1, offset: 1 })).toEqual([DEBUG_A]);
      expect(await listProjectArtifactBundles(store, { projectId: api.id, limit: 10, offset: 0 })).toEqual(
        [],
      );
    });

    it('deletes a bundle with its indexes, state and unshared chunks', async () => {
      const shared = Buffer.from('shared chunk');
      const own = Buffer.from('own chunk');
      await putFileBlobs(store, org.id, [
        { checksum: sha1(shared), data: shared },
        { checksum: sha1(own), data: own },
      ]);
      const base = {
        organizationId: org.id,
        size: 1,
        artifactCount: 1,
        projectIds: [web.id],
        files: [{ url: '~/a.js', debugId: DEBUG_B, sourceFileType: 2 }],
      };
      await storeArtifactBundle(store, {
        ...base,
        bundleId: DEBUG_A,
        checksum: 'a'.repeat(40),
        chunks: [sha1(shared), sha1(own)],
      });
      await storeArtifactBundle(store, {
        ...base,
        bundleId: DEBUG_B,
        checksum: 'b'.repeat(40),
        chunks: [sha1(shared)],
      });
      await setAssembleStatus(store, org.id, 'a'.repeat(40), 'ok');

      expect(await deleteArtifactBundle(store, org.id, DEBUG_A)).toBe(true);
      expect(await deleteArtifactBundle(store, org.id, DEBUG_A)).toBe(false);
      expect(await findMissingFileBlobs(store, org.id, [sha1(shared), sha1(own)])).toEqual([sha1(own)]);
      expect(await getAssembleStatus(store, org.id, 'a'.repeat(40))).toBeUndefined();
      expect((await findBundlesByDebugId(store, web.id, DEBUG_B)).map((b) => b.bundle_id)).toEqual([DEBUG_B]);
    });
  });
});
