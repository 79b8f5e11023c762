// The real sentry-cli binary (@sentry/cli 3.8 from node_modules) against the in-process server
// (reference/sentry-semantics.md §8): `info`, the release lifecycle (new, list, finalize, info,
// deploys, delete), `sourcemaps inject` + `sourcemaps upload` of a bundle esbuild builds here
// (chunk upload, assembly with and without --wait, with and without a release), then the files
// are found through the ArtifactStore by debug id and by release + URL, as symbolication looks
// them up (§9.2); and `monitors run`, whose check-ins go through the envelope endpoint.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Sentry from '@sentry/node';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVigil, type Vigil } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { ArtifactStore } from '../../src/server/services/artifact-store.js';
import {
  getProjectBySlug,
  getOrganizationBySlug,
  listProjectArtifactBundles,
} from '../../src/storage/metadata/index.js';
import { freePort } from '../helpers/vigil-process.js';
import { buildBundle, loadBundle } from '../helpers/js-bundle.js';
import { runSentryCli } from '../helpers/sentry-cli.js';

let vigil: Vigil;
let dataDir: string;
let baseUrl: string;
let projectId: number;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-sentry-cli-'));
  const port = await freePort();
  const config = loadConfig({ port, dataDir, logLevel: 'warn' }, {});
  config.processing.workers = 0;
  vigil = await createVigil(config);
  await vigil.app.listen({ host: '127.0.0.1', port });
  baseUrl = `http://127.0.0.1:${port}`;
  const org = await getOrganizationBySlug(vigil.metadata, 'vigil');
  projectId = (await getProjectBySlug(vigil.metadata, org?.id ?? 0, 'default'))?.id ?? 0;
}, 60_000);

afterAll(async () => {
  await Sentry.close(2000);
  await vigil?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs sentry-cli with the server's URL, the bootstrap token, org `vigil`, project `default`. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<string> {
  return runSentryCli({ url: baseUrl, token: vigil.adminToken ?? '', dir: dataDir }, args, env);
}

/** An esbuild bundle with a source map in a fresh directory; returns the directory. */
async function bundle(name: string, message: string): Promise<string> {
  const dir = mkdtempSync(path.join(dataDir, `${name}-`));
  writeFileSync(
    path.join(dir, 'app.ts'),
    `export function fail(n: number): never {\n  throw new Error('${message} ' + n);\n}\nfail(1);\n`,
  );
  await build({
    entryPoints: [path.join(dir, 'app.ts')],
    bundle: true,
    minify: true,
    sourcemap: true,
    outfile: path.join(dir, 'dist', 'app.min.js'),
    logLevel: 'silent',
  });
  return path.join(dir, 'dist');
}

/** The debug id sentry-cli injected into a minified file (`//# debugId=`). */
function debugIdOf(file: string): string {
  const match = /\/\/# debugId=([0-9a-f-]+)/.exec(readFileSync(file, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no debug id in ${file}`);
  return match[1];
}

async function api(method: string, url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${vigil.adminToken ?? ''}` },
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

describe('sentry-cli against Vigil', () => {
  it('info prints the token scopes', async () => {
    const out = await cli(['info']);
    expect(out).toContain(`Sentry Server: ${baseUrl}`);
    expect(out).toContain('Default Organization: vigil');
    expect(out).toMatch(/Scopes:[\s\S]*- project:releases/);
    expect(out).not.toContain('failure on authentication');
  });

  it('creates, lists, finalizes, shows, deploys and deletes a release', async () => {
    expect(await cli(['releases', 'new', 'cli-app@1.0.0'])).toContain('Created release cli-app@1.0.0');
    // Idempotent: a second `new` answers 208, which the CLI also reports as created.
    await cli(['releases', 'new', 'cli-app@1.0.0']);
    const listed = await cli(['releases', 'list']);
    expect(listed).toContain('cli-app@1.0.0');
    expect(listed).toContain('(unreleased)');

    expect(await cli(['releases', 'finalize', 'cli-app@1.0.0'])).toContain('Finalized release cli-app@1.0.0');
    const info = await cli(['releases', 'info', 'cli-app@1.0.0']);
    expect(info).toContain('cli-app@1.0.0');
    const details = await api('GET', '/api/0/organizations/vigil/releases/cli-app@1.0.0/');
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      version: 'cli-app@1.0.0',
      versionInfo: { package: 'cli-app', version: { raw: '1.0.0', major: 1 }, description: '1.0.0' },
      projects: [{ slug: 'default', newGroups: 0 }],
      userAgent: expect.stringMatching(/^sentry-cli\//),
    });
    expect((details.body as { dateReleased: string | null }).dateReleased).not.toBeNull();

    expect(
      await cli(['deploys', 'new', '--release', 'cli-app@1.0.0', '-e', 'production', '-n', 'first']),
    ).toContain("Created new deploy first for 'production'");
    const deploys = await cli(['deploys', 'list', '--release', 'cli-app@1.0.0']);
    expect(deploys).toContain('production');
    expect(deploys).toContain('first');
    const withDeploy = await api('GET', '/api/0/organizations/vigil/releases/cli-app@1.0.0/');
    expect(withDeploy.body).toMatchObject({
      deployCount: 1,
      lastDeploy: { environment: 'production', name: 'first' },
    });

    expect(await cli(['releases', 'delete', 'cli-app@1.0.0'])).toContain('Deleted release cli-app@1.0.0');
    expect((await api('GET', '/api/0/organizations/vigil/releases/cli-app@1.0.0/')).status).toBe(404);
  });

  it('uploads injected source maps with a release and --wait, found by debug id and by release + URL', async () => {
    const dist = await bundle('with-release', 'release build');
    expect(await cli(['sourcemaps', 'inject', dist])).toContain('Modified');
    const debugId = debugIdOf(path.join(dist, 'app.min.js'));
    const out = await cli(['sourcemaps', 'upload', '--release', 'web@2.0.0', '--wait', dist]);
    expect(out).toContain('Release: web@2.0.0');
    expect(out).toContain('File processing complete');

    const store = new ArtifactStore(vigil.metadata);
    const minified = await store.byDebugId(projectId, debugId, 'minified_source');
    expect(minified).toMatchObject({
      url: '~/app.min.js',
      type: 'minified_source',
      resolvedWith: 'debug-id',
      headers: { 'debug-id': debugId, sourcemap: 'app.min.js.map' },
    });
    expect(minified?.content.toString('utf8')).toBe(readFileSync(path.join(dist, 'app.min.js'), 'utf8'));
    const map = await store.byDebugId(projectId, debugId.toUpperCase(), 'source_map');
    expect(map?.url).toBe('~/app.min.js.map');
    expect(JSON.parse(map?.content.toString('utf8') ?? '{}')).toMatchObject({ debugId });

    const byUrl = await store.byUrl(
      projectId,
      'web@2.0.0',
      undefined,
      'https://cdn.example.com/app.min.js?v=2#x',
    );
    expect(byUrl).toMatchObject({ url: '~/app.min.js', type: 'minified_source', resolvedWith: 'release' });
    const mapByUrl = await store.byUrl(projectId, 'web@2.0.0', undefined, 'app:///app.min.js.map');
    expect(mapByUrl?.type).toBe('source_map');
    expect(
      await store.byUrl(projectId, 'web@2.0.0', 'ios', 'https://cdn.example.com/app.min.js'),
    ).toBeUndefined();
    expect(
      await store.byUrl(projectId, 'web@1.0.0', undefined, 'https://cdn.example.com/app.min.js'),
    ).toBeUndefined();

    const listed = await api('GET', '/api/0/projects/vigil/default/files/artifact-bundles/');
    expect(listed.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ associations: [{ release: 'web@2.0.0', dist: null }], fileCount: 2 }),
      ]),
    );
  });

  it('uploads without a release and without --wait; the bundle is assembled in the background', async () => {
    const dist = await bundle('no-release', 'debug id build');
    await cli(['sourcemaps', 'inject', dist]);
    const debugId = debugIdOf(path.join(dist, 'app.min.js'));
    const out = await cli(['sourcemaps', 'upload', dist]);
    expect(out).toContain('Release: None');

    const store = new ArtifactStore(vigil.metadata);
    let found = await store.byDebugId(projectId, debugId, 'source_map');
    for (let i = 0; i < 100 && found === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      found = await store.byDebugId(projectId, debugId, 'source_map');
    }
    expect(found?.url).toBe('~/app.min.js.map');
    expect(
      (await store.byDebugId(projectId, debugId, 'minified_source'))?.content.toString('utf8'),
    ).toContain('debug id build');
    const org = await getOrganizationBySlug(vigil.metadata, 'vigil');
    const bundles = await listProjectArtifactBundles(vigil.metadata, { projectId, limit: 10, offset: 0 });
    expect(bundles.some((b) => b.associations.length === 0 && b.organization_id === org?.id)).toBe(true);
  });

  it('monitors run sends its check-ins through the envelope endpoint', async () => {
    const out = await cli(['monitors', 'run', '-s', '*/5 * * * *', 'cli-nightly', '--', 'true'], {
      SENTRY_DSN: vigil.dsn,
    });
    expect(out).not.toMatch(/error/i);
    await vigil.flush();
    const monitor = await api('GET', '/api/0/organizations/vigil/monitors/cli-nightly/');
    expect(monitor.status).toBe(200);
    expect(monitor.body).toMatchObject({
      slug: 'cli-nightly',
      config: { schedule_type: 'crontab', schedule: '*/5 * * * *' },
      environments: [expect.objectContaining({ status: 'ok' })],
    });
  });

  it('resolves an error thrown in the uploaded minified bundle to the original source', async () => {
    const bundle = await buildBundle({
      entry: 'src/index.js',
      dir: mkdtempSync(path.join(dataDir, 'shop-')),
      sources: {
        'src/index.js': `import { total } from './prices.js';\nexport function order(lines) {\n  return total(lines);\n}\n`,
        'src/prices.js': `export function total(lines) {\n  return lines.reduce((sum, line) => {\n    if (line.price < 0) throw new TypeError('negative price: ' + line.sku);\n    return sum + line.price;\n  }, 0);\n}\n`,
      },
    });
    const out = await cli([
      'sourcemaps',
      'upload',
      '--release',
      'shop@3.1.0',
      '--wait',
      path.dirname(bundle.file),
    ]);
    expect(out).toContain('File processing complete');

    Sentry.init({ dsn: vigil.dsn, release: 'shop@3.1.0', defaultIntegrations: false });
    const app = loadBundle<{ order(lines: unknown[]): number }>(bundle);
    try {
      app.order([{ sku: 'B-7', price: -1 }]);
    } catch (err) {
      Sentry.captureException(err);
    }
    await expect(Sentry.flush(5000)).resolves.toBe(true);
    await vigil.flush();

    const issues = await api('GET', '/api/0/projects/vigil/default/issues/?query=release:shop@3.1.0');
    expect((issues.body as Array<{ title: string }>).map((i) => i.title)).toEqual([
      'TypeError: negative price: B-7',
    ]);
    const [issue] = issues.body as Array<{ id: string }>;
    const event = (await api('GET', `/api/0/issues/${issue!.id}/events/latest/`)).body as {
      entries: Array<{
        type: string;
        data: { values: Array<Record<string, { frames: Array<Record<string, unknown>> }>> };
      }>;
    };
    const exception = event.entries.find((e) => e.type === 'exception')!.data.values[0]!;
    const inBundle = exception.stacktrace!.frames.filter((f) =>
      String(f.absPath).includes(`${bundle.dir}/src/`),
    );
    expect(
      inBundle.map((f) => [
        f.filename,
        f.function,
        f.lineNo,
        // Sentry's API serves the context lines as [line number, text] pairs.
        (f.context as Array<[number, string]>).find(([line]) => line === f.lineNo)?.[1],
      ]),
    ).toEqual([
      ['../src/index.js', 'order', 3, '  return total(lines);'],
      ['../src/prices.js', 'total', 2, '  return lines.reduce((sum, line) => {'],
      [
        '../src/prices.js',
        '?',
        3,
        "    if (line.price < 0) throw new TypeError('negative price: ' + line.sku);",
      ],
    ]);
    // The minified frames are kept as they were sent.
    expect(exception.rawStacktrace!.frames.at(-1)).toMatchObject({ absPath: bundle.file });
  });
});
