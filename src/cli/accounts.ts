/**
 * `vigil tokens create|list|revoke` and `vigil users create|list`: API tokens and users, changed
 * in the metadata store directly (they work whether or not a server is running). A token acts for
 * its user (default: the first owner of organization `vigil`, the `admin` user of a fresh data
 * dir) within the user's role, optionally restricted to one organization. A running server keeps
 * verified tokens for up to a minute, so a revoked token may work that long there (tokens revoked
 * through the API stop at once).
 */
import type { Command } from 'commander';
import { loadConfig } from '../server/config.js';
import {
  ALL_API_SCOPES,
  acceptInvitations,
  createUser,
  createUserApiToken,
  deleteApiToken,
  getOrganizationBySlug,
  getUser,
  getUserByEmail,
  getUserByUsername,
  listOrganizationMembers,
  listApiTokens,
  listOrganizations,
  listUserApiTokens,
  listUsers,
  type ApiToken,
  type MetadataStore,
  type User,
} from '../storage/metadata/index.js';
import { withMetadata } from './metadata.js';
import { overrides, storeOptions } from './options.js';

/** The scopes `vigil tokens create` gives without `--scopes`: what scripts and sentry-cli use. */
export const DEFAULT_TOKEN_SCOPES = [
  'org:read',
  'project:read',
  'project:write',
  'project:releases',
  'event:read',
  'event:write',
  'event:admin',
];

/** Splits a comma-separated scope list and checks every scope is one of Sentry's; throws otherwise. */
export function parseScopes(text: string): string[] {
  const scopes = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = scopes.filter((s) => !ALL_API_SCOPES.includes(s));
  if (unknown.length > 0) {
    throw new Error(`unknown scope(s): ${unknown.join(', ')} (known: ${ALL_API_SCOPES.join(', ')})`);
  }
  return [...new Set(scopes)];
}

/** The user `who` (an email or username), or the given fallback; throws when there is none. */
async function userOf(
  store: MetadataStore,
  who: string | undefined,
  fallback: User | undefined,
): Promise<User> {
  if (who === undefined) {
    if (fallback === undefined) throw new Error('organization vigil has no owner; pass --user <email>');
    return fallback;
  }
  const user = (await getUserByEmail(store, who)) ?? (await getUserByUsername(store, who));
  if (!user) throw new Error(`no user "${who}" (create it with: vigil users create ${who})`);
  return user;
}

/** One token as a line: id, owner, name, scopes, last use. */
function formatToken(token: ApiToken, owner: string): string {
  return [
    token.id,
    owner,
    token.name || '-',
    token.scopes.join(',') || '-',
    token.date_last_used ?? 'never',
  ].join('\t');
}

/** Registers `vigil tokens ...` and `vigil users ...` on the program. */
export function registerAccountCommands(program: Command): void {
  const tokens = program.command('tokens').description('manage API tokens');

  storeOptions(tokens.command('create').description('create an API token for a user (printed once)'))
    .option('--name <name>', 'token name', 'cli')
    .option('--scopes <scopes>', 'comma-separated scopes', DEFAULT_TOKEN_SCOPES.join(','))
    .option('--user <email>', 'the user the token acts for (default: the owner of organization vigil)')
    .option('--org <slug>', 'restrict the token to this organization')
    .action(async (opts: Record<string, unknown>) => {
      const scopes = parseScopes(String(opts.scopes));
      await withMetadata(loadConfig(overrides(opts)), async (store, organization) => {
        const user = await userOf(
          store,
          opts.user as string | undefined,
          await firstOwner(store, organization.id),
        );
        let organizationId: number | null = null;
        if (opts.org !== undefined) {
          const org = await getOrganizationBySlug(store, String(opts.org));
          if (!org) throw new Error(`no organization "${String(opts.org)}"`);
          organizationId = org.id;
        }
        const { token } = await createUserApiToken(store, user.id, String(opts.name), scopes, organizationId);
        console.log(token);
      });
    });

  storeOptions(tokens.command('list').description('list API tokens (never their secrets)'))
    .option('--user <email>', 'only this user’s tokens')
    .action(async (opts: Record<string, unknown>) => {
      await withMetadata(loadConfig(overrides(opts)), async (store) => {
        const users =
          opts.user !== undefined
            ? [await userOf(store, String(opts.user), undefined)]
            : await listUsers(store);
        for (const user of users) {
          for (const token of await listUserApiTokens(store, user.id))
            console.log(formatToken(token, user.username));
        }
        if (opts.user === undefined) {
          for (const org of await listOrganizations(store)) {
            for (const token of await listApiTokens(store, org.id))
              console.log(formatToken(token, `org:${org.slug}`));
          }
        }
      });
    });

  storeOptions(tokens.command('revoke <id>').description('delete an API token')).action(
    async (id: string, opts: Record<string, unknown>) => {
      const n = Number(id);
      if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`not a token id: "${id}"`);
      await withMetadata(loadConfig(overrides(opts)), async (store) => {
        if (!(await deleteApiToken(store, n))) throw new Error(`no token ${n}`);
        console.log(`revoked token ${n}`);
      });
    },
  );

  const users = program.command('users').description('manage users');

  storeOptions(
    users
      .command('create <email>')
      .description('create a user; pending invitations to its email become memberships'),
  )
    .option('--name <name>', 'display name')
    .option('--superuser', 'mark the user as a superuser')
    .action(async (email: string, opts: Record<string, unknown>) => {
      await withMetadata(loadConfig(overrides(opts)), async (store) => {
        let created;
        try {
          created = await createUser(store, {
            email,
            ...(opts.name !== undefined ? { name: String(opts.name) } : {}),
            isSuperuser: opts.superuser === true,
          });
        } catch (error) {
          if (error instanceof RangeError) throw new Error(`not an email address: "${email}"`);
          throw error;
        }
        if (!created.ok) throw new Error(created.error.detail);
        const joined = await acceptInvitations(store, created.value.id, created.value.email);
        console.log(`created user ${created.value.email} (id ${created.value.id})`);
        for (const member of joined)
          console.log(`joined organization ${member.organization_id} as ${member.role}`);
      });
    });

  storeOptions(users.command('list').description('list users')).action(
    async (opts: Record<string, unknown>) => {
      await withMetadata(loadConfig(overrides(opts)), async (store) => {
        for (const user of await listUsers(store)) {
          console.log(
            [user.id, user.email, user.name || '-', user.is_superuser ? 'superuser' : '']
              .join('\t')
              .trimEnd(),
          );
        }
      });
    },
  );
}

/** The first owner of organization `organizationId` (bootstrap's admin on a fresh data dir). */
async function firstOwner(store: MetadataStore, organizationId: number): Promise<User | undefined> {
  const owner = (await listOrganizationMembers(store, organizationId)).find(
    (m) => m.role === 'owner' && m.user_id !== null,
  );
  return owner?.user_id != null ? getUser(store, owner.user_id) : undefined;
}
