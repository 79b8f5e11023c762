// The real sentry-cli binary (@sentry/cli 3.8 from node_modules) running `releases set-commits`
// in a git repository made here (known authors, dates and files, a GitHub remote) against the
// in-process server: `--auto` (which, with no repository of a git provider to resolve the remote
// against, sends the local history), a second release getting only the commits since the first
// (previous-with-commits), `--local`, `--commit repo@from..to` (head commits), `--clear`, and the
// repositories, commits, changed files and release JSON the web API then shows, in Sentry's shapes.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createApiToken,
  createUserApiToken,
  getOrganizationBySlug,
  getRelease,
  getUserByUsername,
  listReleaseHeadCommits,
} from '../../src/storage/metadata/index.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';

const run = promisify(execFile);
const CLI = path.resolve('node_modules/.bin/sentry-cli');
const REMOTE = 'git@github.com:acme/web.git';
const SKIP_ALL = 'Could not determine any commits to be associated with a repo-based integration.';

let server: TestVigil;
let repoDir: string;
let home: string;
/** The shas of the commits made so far, oldest first. */
const shas: string[] = [];

beforeAll(async () => {
  server = await startTestVigil('release-commits');
  home = path.join(server.dataDir, 'home');
  repoDir = path.join(server.dataDir, 'web');
  mkdirSync(home, { recursive: true });
  mkdirSync(repoDir);
  await git(['init', '-q', '-b', 'main']);
  await git(['remote', 'add', 'origin', REMOTE]);
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const ANN = { name: 'Ann Author', email: 'ann@example.com' };
const BOB = { name: 'Bob Builder', email: 'bob@example.com' };

async function git(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd: repoDir,
    env: { PATH: process.env.PATH ?? '', HOME: home, GIT_CONFIG_NOSYSTEM: '1', ...env },
  });
  return stdout.trim();
}

/**
 * Commits `files` (path → content, null = delete) as `author`, dated 2024-03-01T10:00Z plus one
 * minute per commit made before; records and returns the sha.
 */
async function commit(
  author: { name: string; email: string },
  message: string,
  files: Record<string, string | null>,
): Promise<string> {
  for (const [file, content] of Object.entries(files)) {
    if (content === null) await git(['rm', '-q', file]);
    else {
      writeFileSync(path.join(repoDir, file), content);
      await git(['add', file]);
    }
  }
  const date = `@${Date.parse('2024-03-01T10:00:00Z') / 1000 + 60 * shas.length} +0000`;
  await git(['commit', '-q', '-m', message], {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
    GIT_COMMITTER_DATE: date,
  });
  const sha = await git(['rev-parse', 'HEAD']);
  shas.push(sha);
  return sha;
}

/** Runs sentry-cli in the git repository with org `vigil`, project `default` and `token` (the admin's). */
async function cli(
  args: string[],
  options: { env?: Record<string, string>; token?: string } = {},
): Promise<string> {
  const { stdout, stderr } = await run(CLI, args, {
    cwd: repoDir,
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      GIT_CONFIG_NOSYSTEM: '1',
      SENTRY_URL: server.url,
      SENTRY_AUTH_TOKEN: options.token ?? server.vigil.adminToken ?? '',
      SENTRY_ORG: 'vigil',
      SENTRY_PROJECT: 'default',
      SENTRY_DISABLE_UPDATE_CHECK: 'true',
      SENTRY_LOAD_DOTENV: '0',
      ...options.env,
    },
  });
  return stdout + stderr;
}

/** sentry-cli's failure output (it must fail). */
async function cliFailure(args: string[], options: { token?: string } = {}): Promise<string> {
  try {
    await cli(args, options);
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return stdout + stderr;
  }
  throw new Error(`sentry-cli ${args.join(' ')} succeeded`);
}

async function api(method: string, url: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${server.vigil.adminToken ?? ''}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

async function get<T>(url: string): Promise<T> {
  const res = await api('GET', url);
  expect(res.status, url).toBe(200);
  return res.body as T;
}

interface CommitJson {
  id: string;
  message: string | null;
  dateCreated: string;
  repository: { id: string; name: string };
  author: { name?: string; email?: string };
}

const commitIds = (commits: CommitJson[]) => commits.map((c) => c.id);

/** sentry-cli sends the remote's name as the repository unless SENTRY_VCS_REMOTE is its URL. */
const VIA_URL = { env: { SENTRY_VCS_REMOTE: REMOTE } };

describe('sentry-cli releases set-commits', () => {
  let repositoryId: string;

  it('registers a repository the remote URL belongs to', async () => {
    const created = await api('POST', '/api/0/organizations/vigil/repos/', {
      name: 'acme/web',
      url: 'https://github.com/acme/web',
    });
    expect(created).toMatchObject({
      status: 201,
      body: {
        name: 'acme/web',
        url: 'https://github.com/acme/web',
        provider: { id: 'unknown', name: 'Unknown Provider' },
        status: 'active',
        integrationId: null,
        externalSlug: null,
      },
    });
    repositoryId = (created.body as { id: string }).id;
  });

  it('--auto sends the local history: commits, authors, changed files', async () => {
    await commit(ANN, 'Add a', { 'a.txt': 'a1\n' });
    await commit(BOB, 'Change a, add b', { 'a.txt': 'a2\n', 'b.txt': 'b\n' });
    await commit(ANN, 'Remove b', { 'b.txt': null });
    expect(await cli(['releases', 'new', 'web@1.0.0'])).toContain('Created release web@1.0.0');
    const out = await cli(['releases', 'set-commits', 'web@1.0.0', '--auto'], VIA_URL);
    expect(out).toContain(SKIP_ALL);
    expect(out).toContain('Could not find the previous commit. Creating a release with 20 commits.');
    expect(out).toContain('Success! Set commits for release web@1.0.0');

    const release = await get<Record<string, unknown>>('/api/0/organizations/vigil/releases/web@1.0.0/');
    expect(release).toMatchObject({
      commitCount: 3,
      lastCommit: {
        id: shas[2],
        message: 'Remove b',
        dateCreated: '2024-03-01T10:02:00.000Z',
        repository: { id: repositoryId, name: 'acme/web' },
        author: ANN,
      },
      authors: [ANN, BOB],
    });

    const commits = await get<CommitJson[]>('/api/0/organizations/vigil/releases/web@1.0.0/commits/');
    expect(commitIds(commits)).toEqual([shas[2], shas[1], shas[0]]);
    expect(commits[1]).toEqual({
      id: shas[1],
      message: 'Change a, add b',
      dateCreated: '2024-03-01T10:01:00.000Z',
      pullRequest: null,
      suspectCommitType: '',
      repository: expect.objectContaining({ id: repositoryId, name: 'acme/web' }),
      author: BOB,
    });
    const projectCommits = await get<CommitJson[]>(
      '/api/0/projects/vigil/default/releases/web@1.0.0/commits/?repo_name=acme/web',
    );
    expect(commitIds(projectCommits)).toEqual(commitIds(commits));
    expect(
      (await api('GET', '/api/0/projects/vigil/default/releases/web@1.0.0/commits/?repo_name=acme/api'))
        .status,
    ).toBe(404);

    const files = await get<Array<Record<string, unknown>>>(
      '/api/0/organizations/vigil/releases/web@1.0.0/commitfiles/',
    );
    expect(files.map((f) => f.filename)).toEqual(['a.txt', 'a.txt', 'b.txt', 'b.txt']);
    expect(
      files.map((f) => `${String(f.filename)} ${String(f.type)} ${String(f.commitMessage)}`).sort(),
    ).toEqual(['a.txt A Add a', 'a.txt M Change a, add b', 'b.txt A Change a, add b', 'b.txt D Remove b']);
    expect(files[0]).toMatchObject({ repoName: 'acme/web', author: expect.any(Object) });

    const repos = await get<Array<{ name: string }>>(
      '/api/0/projects/vigil/default/releases/web@1.0.0/repositories/',
    );
    expect(repos.map((r) => r.name)).toEqual(['acme/web']);
    // The commits went to the registered repository: no other was created.
    expect(
      (await get<Array<{ name: string }>>('/api/0/organizations/vigil/repos/')).map((r) => r.name),
    ).toEqual(['acme/web']);
  });

  it('--auto on the next release sends only the commits since the previous one, without #skipsentry ones', async () => {
    await commit(BOB, 'Change a again', { 'a.txt': 'a3\n' });
    await commit(ANN, 'Bump version #skipsentry', { 'c.txt': 'c\n' });
    await cli(['releases', 'new', 'web@1.1.0']);
    const previous = await get<{ version: string; lastCommit: { id: string } }>(
      '/api/0/organizations/vigil/releases/web@1.1.0/previous-with-commits/',
    );
    expect(previous).toMatchObject({ version: 'web@1.0.0', lastCommit: { id: shas[2] } });

    const out = await cli(['releases', 'set-commits', 'web@1.1.0', '--auto'], VIA_URL);
    expect(out).not.toContain('Creating a release with 20 commits');
    const commits = await get<CommitJson[]>('/api/0/organizations/vigil/releases/web@1.1.0/commits/');
    expect(commitIds(commits)).toEqual([shas[3]]);
    expect(await get('/api/0/organizations/vigil/releases/web@1.1.0/')).toMatchObject({
      commitCount: 1,
      lastCommit: { id: shas[3] },
      authors: [BOB],
    });
  });

  it('--local with an organization token (org:ci): the remote name becomes a repository, as in Sentry', async () => {
    await commit(ANN, 'Add d', { 'd.txt': 'd\n' });
    const org = await getOrganizationBySlug(server.vigil.metadata, 'vigil');
    const ci = await createApiToken(server.vigil.metadata, org?.id ?? 0, 'ci', ['org:ci']);
    await cli(['releases', 'new', 'web@1.2.0'], { token: ci.token });
    const out = await cli(['releases', 'set-commits', 'web@1.2.0', '--local'], { token: ci.token });
    expect(out).toContain('Success! Set commits for release web@1.2.0');
    // Since web@1.1.0's last commit: the #skipsentry commit (left out again) and the new one.
    const commits = await get<CommitJson[]>('/api/0/organizations/vigil/releases/web@1.2.0/commits/');
    expect(commitIds(commits)).toEqual([shas[5]]);
    // sentry-cli 3.8 names the repository of --local commits after the remote ("origin").
    expect(commits[0]?.repository).toMatchObject({ name: 'origin', provider: { id: 'unknown' } });
    const repos = await get<Array<{ name: string }>>('/api/0/organizations/vigil/repos/');
    expect(repos.map((r) => r.name)).toEqual(['acme/web', 'origin']);
  });

  it('--commit repo@from..to records the head commit; unknown repositories are refused', async () => {
    await cli(['releases', 'new', 'web@2.0.0']);
    const spec = `acme/web@${shas[0] ?? ''}..${shas[2] ?? ''}`;
    const out = await cli(['releases', 'set-commits', 'web@2.0.0', '--commit', spec]);
    expect(out).toContain('acme/web');
    expect(out).toContain(`${shas[0]?.slice(0, 12) ?? ''} -> ${shas[2]?.slice(0, 12) ?? ''}`);
    const org = await getOrganizationBySlug(server.vigil.metadata, 'vigil');
    const release = await getRelease(server.vigil.metadata, org?.id ?? 0, 'web@2.0.0');
    const heads = await listReleaseHeadCommits(server.vigil.metadata, release?.id ?? 0);
    // The commit known from the --auto run, with what that run sent about it.
    expect(heads.map((c) => [c.repository.name, c.key, c.message, c.author?.email])).toEqual([
      ['acme/web', shas[2], 'Remove b', ANN.email],
    ]);
    // Vigil's repositories have no provider to list the commits in the range (Sentry's
    // fetch_commits does nothing for them either): the release keeps no commit list.
    expect(await get('/api/0/organizations/vigil/releases/web@2.0.0/')).toMatchObject({
      commitCount: 0,
      lastCommit: null,
    });

    expect(await cliFailure(['releases', 'set-commits', 'web@2.0.0', '--commit', 'acme/api@abc'])).toContain(
      "Unknown repo 'acme/api'",
    );
    expect(
      await api('PUT', '/api/0/organizations/vigil/releases/web@2.0.0/', {
        refs: [{ repository: 'acme/api', commit: 'abc' }],
      }),
    ).toEqual({ status: 400, body: { refs: ['Invalid repository names: acme/api'] } });
  });

  it('--clear forgets the commits of a release', async () => {
    expect(await get('/api/0/organizations/vigil/releases/web@1.0.0/previous-with-commits/')).toMatchObject({
      version: 'web@1.0.0',
    });
    const out = await cli(['releases', 'set-commits', 'web@1.0.0', '--clear']);
    expect(out).toContain('Clearing commits for release.');
    expect(await get('/api/0/organizations/vigil/releases/web@1.0.0/')).toMatchObject({
      commitCount: 0,
      lastCommit: null,
      authors: [],
    });
    expect(await get('/api/0/organizations/vigil/releases/web@1.0.0/commits/')).toEqual([]);
    // No release with commits precedes it any more (before, it was its own previous one).
    expect(await get('/api/0/organizations/vigil/releases/web@1.0.0/previous-with-commits/')).toEqual({});
  });

  it('fails without the scopes sentry-cli needs', async () => {
    const admin = await getUserByUsername(server.vigil.metadata, 'admin');
    const releasesOnly = await createUserApiToken(server.vigil.metadata, admin?.id ?? 0, 'rel', [
      'project:releases',
    ]);
    expect(
      await cliFailure(['releases', 'set-commits', 'web@1.1.0', '--auto'], { token: releasesOnly.token }),
    ).toContain('You do not have permission to perform this action.');
    expect(await cliFailure(['releases', 'set-commits', 'web@1.1.0', '--auto'], { token: 'nope' })).toMatch(
      /401|Invalid token/,
    );
  });
});

describe('the repository endpoints', () => {
  it('register plain and Custom SCM repositories once per name, and refuse other providers', async () => {
    expect(await api('POST', '/api/0/organizations/vigil/repos/', { name: 'acme/web' })).toEqual({
      status: 400,
      body: { errors: { __all__: 'A repository with that name already exists' } },
    });
    expect(
      await api('POST', '/api/0/organizations/vigil/repos/', {
        provider: 'integrations:github',
        name: 'x/y',
      }),
    ).toEqual({ status: 400, body: { error_type: 'validation' } });
    expect(await api('POST', '/api/0/organizations/vigil/repos/', { url: 'nope' })).toEqual({
      status: 400,
      body: {
        error_type: 'validation',
        errors: { name: 'This field is required.', url: 'Enter a valid URL.' },
      },
    });
    expect(
      await api('POST', '/api/0/organizations/vigil/repos/', {
        provider: 'integrations:custom_scm',
        name: 'acme/api',
        url: 'https://git.example.com/acme/api',
      }),
    ).toMatchObject({
      status: 201,
      body: { provider: { id: 'integrations:custom_scm', name: 'CustomSCM' }, externalSlug: 'acme/api' },
    });
  });

  it('hide, show, rename and delete a repository; deleting takes its commits out of releases', async () => {
    const repos = await get<Array<{ id: string; name: string }>>(
      '/api/0/organizations/vigil/repos/?query=API',
    );
    expect(repos.map((r) => r.name)).toEqual(['acme/api']);
    const api1 = repos[0]?.id ?? '';
    const url = `/api/0/organizations/vigil/repos/${api1}/`;
    expect(await api('PUT', url, { status: 'hidden' })).toMatchObject({
      status: 200,
      body: { status: 'hidden' },
    });
    const active = await get<Array<{ name: string }>>('/api/0/organizations/vigil/repos/');
    expect(active.map((r) => r.name)).toEqual(['acme/web', 'origin']);
    const deleted = await get<Array<{ name: string }>>('/api/0/organizations/vigil/repos/?status=deleted');
    expect(deleted.map((r) => r.name)).toEqual(['acme/api']);
    expect(await api('PUT', url, { status: 'visible', name: 'acme/api2', url: '' })).toMatchObject({
      status: 200,
      body: { status: 'active', name: 'acme/api2', url: null },
    });
    expect(await api('PUT', url, { status: 'gone' })).toEqual({
      status: 400,
      body: { status: ['"gone" is not a valid choice.'] },
    });
    expect(await api('PUT', url, { name: 'acme/web' })).toMatchObject({ status: 400 });

    const origin = (
      await get<Array<{ id: string; name: string }>>('/api/0/organizations/vigil/repos/?query=origin')
    )[0];
    expect(await api('DELETE', `/api/0/organizations/vigil/repos/${origin?.id ?? ''}/`)).toMatchObject({
      status: 202,
      body: { name: 'origin', status: 'pending_deletion' },
    });
    expect((await api('GET', `/api/0/organizations/vigil/repos/${origin?.id ?? ''}/`)).status).toBe(404);
    expect(await get('/api/0/organizations/vigil/releases/web@1.2.0/')).toMatchObject({
      commitCount: 0,
      lastCommit: null,
    });
    expect(await get('/api/0/organizations/vigil/releases/web@1.2.0/commits/')).toEqual([]);
  });
});
