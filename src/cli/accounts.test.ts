// `vigil tokens` and `vigil users` run in-process against a temporary SQLite data dir, checked
// with the store's own functions: a token is made for a user with the asked scopes (optionally
// restricted to one organization), listed without its secret, and revoked; a new user takes up
// the invitations sent to its email.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  addOrganizationMember,
  createOrganization,
  getMembership,
  getUserByEmail,
  openMetadataStore,
  verifyApiToken,
  type MetadataStore,
} from '../storage/metadata/index.js';
import { DEFAULT_TOKEN_SCOPES, parseScopes, registerAccountCommands } from './accounts.js';

let dir: string;
let out: string[];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-cli-accounts-'));
  out = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `vigil <args> --data-dir <dir>` in-process and returns what it printed. */
async function vigil(...args: string[]): Promise<string[]> {
  const program = new Command('vigil').exitOverride();
  registerAccountCommands(program);
  out = [];
  await program.parseAsync(['node', 'vigil', ...args, '--data-dir', dir]);
  return out;
}

async function withStore<T>(fn: (store: MetadataStore) => Promise<T>): Promise<T> {
  const store = await openMetadataStore({ dataDir: dir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('vigil tokens', () => {
  it('creates a scoped token for the owner, lists it without the secret and revokes it', async () => {
    const [token] = await vigil('tokens', 'create', '--scopes', 'org:read, project:releases', '--name', 'ci');
    expect(token).toMatch(/^sntryu_[0-9a-f]{64}$/);
    const row = await withStore((store) => verifyApiToken(store, token ?? ''));
    expect(row).toMatchObject({
      name: 'ci',
      scopes: ['org:read', 'project:releases'],
      organization_id: null,
    });
    const admin = await withStore((store) => getUserByEmail(store, 'admin@localhost'));
    expect(row?.user_id).toBe(admin?.id);

    const listed = await vigil('tokens', 'list');
    expect(listed).toContain(`${row?.id}\tadmin\tci\torg:read,project:releases\t${row?.date_last_used}`);
    expect(listed.join('\n')).not.toContain(token?.slice(7));

    expect(await vigil('tokens', 'revoke', String(row?.id))).toEqual([`revoked token ${row?.id}`]);
    expect(await withStore((store) => verifyApiToken(store, token ?? ''))).toBeUndefined();
    await expect(vigil('tokens', 'revoke', String(row?.id))).rejects.toThrow(`no token ${row?.id}`);
  });

  it('restricts a token to an organization and makes tokens for other users', async () => {
    await vigil('users', 'create', 'dev@example.com', '--name', 'Dev');
    const [token] = await vigil('tokens', 'create', '--user', 'dev@example.com', '--org', 'vigil');
    const row = await withStore((store) => verifyApiToken(store, token ?? ''));
    const dev = await withStore((store) => getUserByEmail(store, 'dev@example.com'));
    expect(row).toMatchObject({ user_id: dev?.id, organization_id: 1, scopes: DEFAULT_TOKEN_SCOPES });
    await expect(vigil('tokens', 'create', '--user', 'nobody@example.com')).rejects.toThrow(
      'no user "nobody@example.com"',
    );
    await expect(vigil('tokens', 'create', '--org', 'nope')).rejects.toThrow('no organization "nope"');
    await expect(vigil('tokens', 'create', '--scopes', 'org:read,root')).rejects.toThrow(
      'unknown scope(s): root',
    );
  });

  it('parses scope lists', () => {
    expect(parseScopes('org:read,,org:read , event:admin')).toEqual(['org:read', 'event:admin']);
    expect(() => parseScopes('org:root')).toThrow('unknown scope(s): org:root');
  });
});

describe('vigil users', () => {
  it('creates users, which take up their pending invitations', async () => {
    await vigil('users', 'list');
    const orgId = await withStore(async (store) => {
      const org = await createOrganization(store, 'acme');
      if (!org.ok) throw new Error(org.error.detail);
      await addOrganizationMember(store, org.value.id, { email: 'Ann@Example.com', role: 'manager' });
      return org.value.id;
    });
    const printed = await vigil('users', 'create', 'ann@example.com', '--superuser');
    expect(printed[0]).toMatch(/^created user ann@example\.com \(id \d+\)$/);
    expect(printed[1]).toBe(`joined organization ${orgId} as manager`);
    const ann = await withStore((store) => getUserByEmail(store, 'ann@example.com'));
    expect(ann).toMatchObject({ is_superuser: true });
    expect(await withStore((store) => getMembership(store, orgId, ann?.id ?? 0))).toMatchObject({
      role: 'manager',
    });
    expect(await vigil('users', 'list')).toEqual([
      '1\tadmin@localhost\tAdmin\tsuperuser',
      `${ann?.id}\tann@example.com\t-\tsuperuser`,
    ]);
    await expect(vigil('users', 'create', 'ANN@example.com')).rejects.toThrow('already exists');
    await expect(vigil('users', 'create', 'not-an-email')).rejects.toThrow('not an email address');
  });
});
