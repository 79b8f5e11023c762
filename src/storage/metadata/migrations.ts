/**
 * Schema migrations of the metadata store: one versioned list, run unchanged on SQLite and
 * Postgres. Applied versions are recorded in `schema_migrations(version, name, applied_at)`.
 * All pending migrations run in one transaction (DDL is
 * transactional in both databases), on Postgres under an advisory lock per schema, so
 * processes starting together migrate once. Only the primary-key column differs per
 * dialect (`idColumn`); every other column uses a type both accept.
 *
 * (Kysely's own `Migrator` is not used: on Postgres it introspects the tables of every
 * schema in the database, which mistakes other schemas' bookkeeping tables for its own and
 * fails while another schema is being dropped.)
 */
import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely';
import { convertLegacyReleaseCommits } from './legacy-release-commits.js';

/** The SQL dialects the metadata store runs on. */
export type MetadataDialect = 'sqlite' | 'postgres';

/**
 * Adds an auto-incrementing integer primary key `id`: `integer primary key autoincrement`
 * on SQLite (ids are never reused), `bigserial primary key` on Postgres.
 */
function idColumn<T extends string>(
  table: CreateTableBuilder<T, never>,
  dialect: MetadataDialect,
): CreateTableBuilder<T, 'id'> {
  return dialect === 'sqlite'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('id', 'bigserial', (c) => c.primaryKey());
}

/** One schema change; `up` runs inside the migration transaction. */
export interface MetadataMigration {
  /** Position in the sequence, from 1; recorded in `schema_migrations.version`. */
  version: number;
  name: string;
  /**
   * Applies the change. Migrations see an untyped database: the schema is what they create.
   * `now` is the time of the migration run (for rows a migration creates).
   */
  up(db: Kysely<unknown>, dialect: MetadataDialect, now: Date): Promise<void>;
}

/** Version 1: organizations, projects, DSN keys, API tokens, groups, hashes, activities. */
const initial: MetadataMigration = {
  version: 1,
  name: 'initial',
  async up(db, dialect) {
    await idColumn(db.schema.createTable('organizations'), dialect)
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('date_created', 'text', (c) => c.notNull())
      .execute();

    await idColumn(db.schema.createTable('projects'), dialect)
      .addColumn('organization_id', 'bigint', (c) =>
        c.notNull().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('slug', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('platform', 'text')
      .addColumn('next_short_id', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('date_created', 'text', (c) => c.notNull())
      .addUniqueConstraint('projects_organization_id_slug_key', ['organization_id', 'slug'])
      .execute();

    await idColumn(db.schema.createTable('project_keys'), dialect)
      .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('public_key', 'text', (c) => c.notNull().unique())
      .addColumn('secret_key', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('date_created', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('project_keys_project_id_idx')
      .on('project_keys')
      .column('project_id')
      .execute();

    await idColumn(db.schema.createTable('api_tokens'), dialect)
      .addColumn('organization_id', 'bigint', (c) =>
        c.notNull().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('token_last_characters', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('date_created', 'text', (c) => c.notNull())
      .addColumn('date_last_used', 'text')
      .execute();
    await db.schema
      .createIndex('api_tokens_organization_id_idx')
      .on('api_tokens')
      .column('organization_id')
      .execute();

    await idColumn(db.schema.createTable('groups'), dialect)
      .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('short_id', 'integer', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('substatus', 'text')
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('culprit', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('first_release', 'text')
      .addColumn('date_created', 'text', (c) => c.notNull())
      .addColumn('resolved_at', 'text')
      .addColumn('active_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('groups_project_id_short_id_key', ['project_id', 'short_id'])
      .execute();
    await db.schema
      .createIndex('groups_project_id_status_idx')
      .on('groups')
      .columns(['project_id', 'status'])
      .execute();

    await idColumn(db.schema.createTable('group_hashes'), dialect)
      .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('group_id', 'bigint', (c) => c.notNull().references('groups.id').onDelete('cascade'))
      .addUniqueConstraint('group_hashes_project_id_hash_key', ['project_id', 'hash'])
      .execute();
    await db.schema.createIndex('group_hashes_group_id_idx').on('group_hashes').column('group_id').execute();

    await idColumn(db.schema.createTable('activities'), dialect)
      .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('group_id', 'bigint', (c) => c.notNull().references('groups.id').onDelete('cascade'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('user_id', 'bigint')
      .addColumn('date_created', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('activities_group_id_idx').on('activities').column('group_id').execute();
  },
};

/** Sentry's `Group.platform` and `Group.logger`: the first event's platform and logger. */
const groupPlatformLogger: MetadataMigration = {
  version: 2,
  name: 'group_platform_logger',
  async up(db) {
    await db.schema.alterTable('groups').addColumn('platform', 'text').execute();
    await db.schema.alterTable('groups').addColumn('logger', 'text').execute();
  },
};

/**
 * Version 3: cron monitors (Sentry `src/sentry/monitors/models.py`, `Monitor`), upserted by
 * check-ins that carry a `monitor_config`; slugs are unique per project.
 */
const monitors: MetadataMigration = {
  version: 3,
  name: 'monitors',
  async up(db, dialect) {
    await idColumn(db.schema.createTable('monitors'), dialect)
      .addColumn('guid', 'text', (c) => c.notNull().unique())
      .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('slug', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('owner', 'text')
      .addColumn('date_created', 'text', (c) => c.notNull())
      .addColumn('date_updated', 'text', (c) => c.notNull())
      .addUniqueConstraint('monitors_project_id_slug_key', ['project_id', 'slug'])
      .execute();
  },
};

/**
 * Version 4: per-project processing configs. `config` is the JSON text of the project config in
 * Relay's shape (`quotas`, `filterSettings`, `datascrubbingSettings`, `piiConfig`, ...; see
 * src/processing/project-config/), one row per configured project; a project without a row
 * has the defaults. Deleting the project deletes its config.
 */
const projectConfigs: MetadataMigration = {
  version: 4,
  name: 'project_configs',
  async up(db) {
    await db.schema
      .createTable('project_configs')
      .addColumn('project_id', 'bigint', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('date_updated', 'text', (c) => c.notNull())
      .execute();
  },
};

/** SQL type of a binary column: `blob` on SQLite, `bytea` on Postgres (both read as a Buffer). */
function binaryType(dialect: MetadataDialect): 'blob' | 'bytea' {
  return dialect === 'sqlite' ? 'blob' : 'bytea';
}

/**
 * Version 5: releases and the artifacts sentry-cli uploads (reference/sentry-semantics.md §8,
 * §9.3), after Sentry's `Release`, `ReleaseProject`, `Deploy`, `ReleaseProjectEnvironment`
 * (`src/sentry/models/{release,deploy,releaseprojectenvironment}.py`), `FileBlob` and the
 * artifact-bundle models (`src/sentry/models/artifactbundle.py`). Chunks (`file_blobs`) are kept
 * per organization in the store so every node sees them; a bundle is the concatenation of its
 * `artifact_bundle_blobs`. Assemble states live here too (Sentry keeps them in Redis for 10
 * minutes), so any node can answer a poll.
 */
const releasesAndArtifacts: MetadataMigration = {
  version: 5,
  name: 'releases_and_artifact_bundles',
  async up(db, dialect) {
    await idColumn(db.schema.createTable('releases'), dialect)
      .addColumn('organization_id', 'bigint', (c) =>
        c.notNull().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('ref', 'text')
      .addColumn('url', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .addColumn('commits', 'text')
      .addColumn('refs', 'text')
      .addColumn('commit_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('total_deploys', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_deploy_id', 'bigint')
      .addColumn('date_added', 'text', (c) => c.notNull())
      .addColumn('date_released', 'text')
      .addUniqueConstraint('releases_organization_id_version_key', ['organization_id', 'version'])
      .execute();
    await db.schema
      .createIndex('releases_organization_id_date_added_idx')
      .on('releases')
      .columns(['organization_id', 'date_added'])
      .execute();

    await db.schema
      .createTable('release_projects')
      .addColumn('release_id', 'bigint', (c) => c.notNull().references('releases.id').onDelete('cascade'))
      .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('date_added', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('release_projects_pkey', ['release_id', 'project_id'])
      .execute();
    await db.schema
      .createIndex('release_projects_project_id_idx')
      .on('release_projects')
      .column('project_id')
      .execute();

    await idColumn(db.schema.createTable('deploys'), dialect)
      .addColumn('organization_id', 'bigint', (c) =>
        c.notNull().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('release_id', 'bigint', (c) => c.notNull().references('releases.id').onDelete('cascade'))
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('url', 'text')
      .addColumn('date_started', 'text')
      .addColumn('date_finished', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('deploys_release_id_idx').on('deploys').column('release_id').execute();

    await db.schema
      .createTable('release_project_environments')
      .addColumn('release_id', 'bigint', (c) => c.notNull().references('releases.id').onDelete('cascade'))
      .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('last_deploy_id', 'bigint')
      .addPrimaryKeyConstraint('release_project_environments_pkey', [
        'release_id',
        'project_id',
        'environment',
      ])
      .execute();

    await db.schema
      .createTable('file_blobs')
      .addColumn('organization_id', 'bigint', (c) =>
        c.notNull().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('checksum', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('data', binaryType(dialect), (c) => c.notNull())
      .addColumn('date_created', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('file_blobs_pkey', ['organization_id', 'checksum'])
      .execute();

    await idColumn(db.schema.createTable('artifact_bundles'), dialect)
      .addColumn('organization_id', 'bigint', (c) =>
        c.notNull().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('bundle_id', 'text', (c) => c.notNull())
      .addColumn('checksum', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('artifact_count', 'integer', (c) => c.notNull())
      .addColumn('date_added', 'text', (c) => c.notNull())
      .addColumn('date_uploaded', 'text', (c) => c.notNull())
      .addColumn('date_last_modified', 'text', (c) => c.notNull())
      .addUniqueConstraint('artifact_bundles_organization_id_bundle_id_key', ['organization_id', 'bundle_id'])
      .execute();

    await db.schema
      .createTable('artifact_bundle_blobs')
      .addColumn('artifact_bundle_id', 'bigint', (c) =>
        c.notNull().references('artifact_bundles.id').onDelete('cascade'),
      )
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('organization_id', 'bigint', (c) => c.notNull())
      .addColumn('checksum', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('artifact_bundle_blobs_pkey', ['artifact_bundle_id', 'position'])
      .execute();
    await db.schema
      .createIndex('artifact_bundle_blobs_checksum_idx')
      .on('artifact_bundle_blobs')
      .columns(['organization_id', 'checksum'])
      .execute();

    await db.schema
      .createTable('project_artifact_bundles')
      .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('artifact_bundle_id', 'bigint', (c) =>
        c.notNull().references('artifact_bundles.id').onDelete('cascade'),
      )
      .addColumn('date_added', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('project_artifact_bundles_pkey', ['project_id', 'artifact_bundle_id'])
      .execute();

    await db.schema
      .createTable('release_artifact_bundles')
      .addColumn('organization_id', 'bigint', (c) => c.notNull())
      .addColumn('release_name', 'text', (c) => c.notNull())
      .addColumn('dist_name', 'text', (c) => c.notNull())
      .addColumn('artifact_bundle_id', 'bigint', (c) =>
        c.notNull().references('artifact_bundles.id').onDelete('cascade'),
      )
      .addColumn('date_added', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('release_artifact_bundles_pkey', [
        'organization_id',
        'release_name',
        'dist_name',
        'artifact_bundle_id',
      ])
      .execute();
    await db.schema
      .createIndex('release_artifact_bundles_bundle_idx')
      .on('release_artifact_bundles')
      .column('artifact_bundle_id')
      .execute();

    await db.schema
      .createTable('debug_id_artifact_bundles')
      .addColumn('organization_id', 'bigint', (c) => c.notNull())
      .addColumn('debug_id', 'text', (c) => c.notNull())
      .addColumn('source_file_type', 'integer', (c) => c.notNull())
      .addColumn('artifact_bundle_id', 'bigint', (c) =>
        c.notNull().references('artifact_bundles.id').onDelete('cascade'),
      )
      .addColumn('date_added', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('debug_id_artifact_bundles_pkey', [
        'organization_id',
        'debug_id',
        'source_file_type',
        'artifact_bundle_id',
      ])
      .execute();
    await db.schema
      .createIndex('debug_id_artifact_bundles_bundle_idx')
      .on('debug_id_artifact_bundles')
      .column('artifact_bundle_id')
      .execute();

    await db.schema
      .createTable('artifact_bundle_index')
      .addColumn('organization_id', 'bigint', (c) => c.notNull())
      .addColumn('artifact_bundle_id', 'bigint', (c) =>
        c.notNull().references('artifact_bundles.id').onDelete('cascade'),
      )
      .addColumn('url', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('artifact_bundle_index_pkey', ['artifact_bundle_id', 'url'])
      .execute();
    await db.schema
      .createIndex('artifact_bundle_index_url_idx')
      .on('artifact_bundle_index')
      .columns(['organization_id', 'url'])
      .execute();

    await db.schema
      .createTable('assemble_statuses')
      .addColumn('organization_id', 'bigint', (c) => c.notNull())
      .addColumn('checksum', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('date_updated', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('assemble_statuses_pkey', ['organization_id', 'checksum'])
      .execute();
  },
};

/** Every migration, in version order. */

/**
 * Version 6: accounts (Sentry `User`, `OrganizationMember`, `Team`, `OrganizationMemberTeam`,
 * `ProjectTeam`). API tokens gain a user and their organization becomes optional (a user token
 * acts in every organization of its user, or in the one it is restricted to); DSN keys gain
 * Sentry's `data` JSON. SQLite cannot drop a NOT NULL constraint, so there `api_tokens` is
 * rebuilt with its rows, ids and id sequence.
 */
const accounts: MetadataMigration = {
  version: 6,
  name: 'accounts',
  async up(db, dialect) {
    await idColumn(db.schema.createTable('users'), dialect)
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('is_superuser', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('date_joined', 'text', (c) => c.notNull())
      .addColumn('last_login', 'text')
      .execute();
    await db.schema
      .createIndex('users_email_key')
      .on('users')
      .unique()
      .expression(sql`lower(email)`)
      .execute();

    await idColumn(db.schema.createTable('organization_members'), dialect)
      .addColumn('organization_id', 'bigint', (c) =>
        c.notNull().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('user_id', 'bigint', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('email', 'text')
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('inviter_id', 'bigint', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('date_created', 'text', (c) => c.notNull())
      .addUniqueConstraint('organization_members_organization_id_user_id_key', ['organization_id', 'user_id'])
      .addUniqueConstraint('organization_members_organization_id_email_key', ['organization_id', 'email'])
      .execute();
    await db.schema
      .createIndex('organization_members_user_id_idx')
      .on('organization_members')
      .column('user_id')
      .execute();

    await idColumn(db.schema.createTable('teams'), dialect)
      .addColumn('organization_id', 'bigint', (c) =>
        c.notNull().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('slug', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('date_created', 'text', (c) => c.notNull())
      .addUniqueConstraint('teams_organization_id_slug_key', ['organization_id', 'slug'])
      .execute();

    await idColumn(db.schema.createTable('team_members'), dialect)
      .addColumn('team_id', 'bigint', (c) => c.notNull().references('teams.id').onDelete('cascade'))
      .addColumn('member_id', 'bigint', (c) =>
        c.notNull().references('organization_members.id').onDelete('cascade'),
      )
      .addColumn('role', 'text')
      .addUniqueConstraint('team_members_team_id_member_id_key', ['team_id', 'member_id'])
      .execute();
    await db.schema
      .createIndex('team_members_member_id_idx')
      .on('team_members')
      .column('member_id')
      .execute();

    await db.schema
      .createTable('project_teams')
      .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('team_id', 'bigint', (c) => c.notNull().references('teams.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('project_teams_pkey', ['project_id', 'team_id'])
      .execute();
    await db.schema.createIndex('project_teams_team_id_idx').on('project_teams').column('team_id').execute();

    await db.schema
      .alterTable('project_keys')
      .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();

    if (dialect === 'postgres') {
      await db.schema
        .alterTable('api_tokens')
        .alterColumn('organization_id', (c) => c.dropNotNull())
        .execute();
      await db.schema
        .alterTable('api_tokens')
        .addColumn('user_id', 'bigint', (c) => c.references('users.id').onDelete('cascade'))
        .execute();
    } else {
      await rebuildSqliteApiTokens(db);
    }
    await db.schema.createIndex('api_tokens_user_id_idx').on('api_tokens').column('user_id').execute();
  },
};

/** SQLite half of migration 6: `api_tokens` again, with a nullable organization and a user column. */
async function rebuildSqliteApiTokens(db: Kysely<unknown>): Promise<void> {
  await idColumn(db.schema.createTable('api_tokens_v6'), 'sqlite')
    .addColumn('organization_id', 'bigint', (c) => c.references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_last_characters', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('date_created', 'text', (c) => c.notNull())
    .addColumn('date_last_used', 'text')
    .execute();
  await sql`insert into api_tokens_v6
    (id, organization_id, user_id, name, token_hash, token_last_characters, scopes, date_created, date_last_used)
    select id, organization_id, null, name, token_hash, token_last_characters, scopes, date_created, date_last_used
    from api_tokens`.execute(db);
  // Ids are never reused (AUTOINCREMENT): carry the old sequence over, deleted tokens included.
  const { rows } = await sql<{
    seq: number;
  }>`select seq from sqlite_sequence where name = 'api_tokens'`.execute(db);
  await db.schema.dropTable('api_tokens').execute();
  await db.schema.alterTable('api_tokens_v6').renameTo('api_tokens').execute();
  const seq = rows[0]?.seq;
  if (seq !== undefined) {
    await sql`delete from sqlite_sequence where name in ('api_tokens', 'api_tokens_v6')`.execute(db);
    await sql`insert into sqlite_sequence (name, seq) values ('api_tokens', ${seq})`.execute(db);
  }
  await db.schema
    .createIndex('api_tokens_organization_id_idx')
    .on('api_tokens')
    .column('organization_id')
    .execute();
}

/**
 * Version 7: the issue workflow (Sentry `GroupAssignee`, `GroupBookmark`, `GroupSeen`,
 * `GroupSubscription`, `GroupSnooze`, `GroupResolution`, `GroupInbox`, `GroupRedirect`;
 * `src/sentry/models/group*.py`), plus `group_event_cleanups`: the ClickHouse work a merge or a
 * deletion leaves (events of a merged-away group to move to its primary, of a deleted group to
 * delete), kept for a day so events still in flight at that moment are swept too. Every per-group
 * row goes with its group; `group_redirects` goes with the primary.
 */
const issueWorkflow: MetadataMigration = {
  version: 7,
  name: 'issue_workflow',
  async up(db, dialect) {
    const group = (c: ColumnDefinitionBuilder) => c.notNull().references('groups.id').onDelete('cascade');
    const project = (c: ColumnDefinitionBuilder) => c.notNull().references('projects.id').onDelete('cascade');
    const user = (c: ColumnDefinitionBuilder) => c.notNull().references('users.id').onDelete('cascade');

    await idColumn(db.schema.createTable('group_assignees'), dialect)
      .addColumn('project_id', 'bigint', project)
      .addColumn('group_id', 'bigint', (c) => group(c).unique())
      .addColumn('user_id', 'bigint', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('team_id', 'bigint', (c) => c.references('teams.id').onDelete('cascade'))
      .addColumn('date_added', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('group_assignees_user_id_idx')
      .on('group_assignees')
      .column('user_id')
      .execute();
    await db.schema
      .createIndex('group_assignees_team_id_idx')
      .on('group_assignees')
      .column('team_id')
      .execute();

    for (const table of ['group_bookmarks', 'group_seen', 'group_subscriptions'] as const) {
      let builder = idColumn(db.schema.createTable(table), dialect)
        .addColumn('project_id', 'bigint', project)
        .addColumn('group_id', 'bigint', group)
        .addColumn('user_id', 'bigint', user);
      if (table === 'group_seen') builder = builder.addColumn('last_seen', 'text', (c) => c.notNull());
      else builder = builder.addColumn('date_added', 'text', (c) => c.notNull());
      if (table === 'group_subscriptions') {
        builder = builder
          .addColumn('is_active', 'integer', (c) => c.notNull())
          .addColumn('reason', 'integer', (c) => c.notNull());
      }
      await builder.addUniqueConstraint(`${table}_group_id_user_id_key`, ['group_id', 'user_id']).execute();
      await db.schema.createIndex(`${table}_user_id_idx`).on(table).column('user_id').execute();
    }

    await idColumn(db.schema.createTable('group_snoozes'), dialect)
      .addColumn('group_id', 'bigint', (c) => group(c).unique())
      .addColumn('ignore_until', 'text')
      .addColumn('ignore_count', 'integer')
      .addColumn('ignore_window', 'integer')
      .addColumn('ignore_user_count', 'integer')
      .addColumn('ignore_user_window', 'integer')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'bigint', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('date_added', 'text', (c) => c.notNull())
      .execute();

    await idColumn(db.schema.createTable('group_resolutions'), dialect)
      .addColumn('group_id', 'bigint', (c) => group(c).unique())
      .addColumn('release_id', 'bigint', (c) => c.notNull().references('releases.id').onDelete('cascade'))
      .addColumn('current_release_version', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'bigint', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('datetime', 'text', (c) => c.notNull())
      .execute();

    await idColumn(db.schema.createTable('group_inbox'), dialect)
      .addColumn('project_id', 'bigint', project)
      .addColumn('group_id', 'bigint', (c) => group(c).unique())
      .addColumn('reason', 'integer', (c) => c.notNull())
      .addColumn('reason_details', 'text')
      .addColumn('date_added', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('group_inbox_project_id_date_added_idx')
      .on('group_inbox')
      .columns(['project_id', 'date_added'])
      .execute();

    await idColumn(db.schema.createTable('group_redirects'), dialect)
      .addColumn('organization_id', 'bigint', (c) =>
        c.notNull().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('group_id', 'bigint', group)
      .addColumn('previous_group_id', 'bigint', (c) => c.notNull().unique())
      .addColumn('previous_short_id', 'integer')
      .addColumn('previous_project_slug', 'text')
      .addColumn('date_added', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('group_redirects_group_id_idx')
      .on('group_redirects')
      .column('group_id')
      .execute();

    await db.schema
      .createTable('group_event_cleanups')
      .addColumn('group_id', 'bigint', (c) => c.primaryKey())
      .addColumn('project_id', 'bigint', project)
      .addColumn('target_group_id', 'bigint')
      .addColumn('date_added', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('group_event_cleanups_date_added_idx')
      .on('group_event_cleanups')
      .column('date_added')
      .execute();
  },
};

/**
 * Version 8: repositories and release commits (Sentry `Repository`, `CommitAuthor`, `Commit`,
 * `CommitFileChange`, `ReleaseCommit`, `ReleaseHeadCommit`; `src/sentry/models/`), replacing the
 * JSON `commits` and `refs` columns of `releases` (lists kept as sent by earlier versions), which
 * are converted into the new tables (`legacy-release-commits.ts`) before they are dropped. One
 * active repository per organization and name (a partial unique index, so hidden ones keep their
 * name); a commit is unique per repository and
 * sha; `releases.last_commit_id` is the newest commit of the release's list (Sentry's
 * `last_commit_id`), cleared when that commit goes with its repository.
 */
const releaseCommits: MetadataMigration = {
  version: 8,
  name: 'repositories_and_release_commits',
  async up(db, dialect, now) {
    const organization = (c: ColumnDefinitionBuilder) =>
      c.notNull().references('organizations.id').onDelete('cascade');
    const cascade = (table: string) => (c: ColumnDefinitionBuilder) =>
      c.notNull().references(`${table}.id`).onDelete('cascade');

    await idColumn(db.schema.createTable('repositories'), dialect)
      .addColumn('organization_id', 'bigint', organization)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('url', 'text')
      .addColumn('provider', 'text')
      .addColumn('external_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('date_added', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('repositories_organization_id_name_active_key')
      .on('repositories')
      .columns(['organization_id', 'name'])
      .unique()
      .where(sql.ref('status'), '=', 'active')
      .execute();

    await idColumn(db.schema.createTable('commit_authors'), dialect)
      .addColumn('organization_id', 'bigint', organization)
      .addColumn('name', 'text')
      .addColumn('email', 'text', (c) => c.notNull())
      .addUniqueConstraint('commit_authors_organization_id_email_key', ['organization_id', 'email'])
      .execute();

    await idColumn(db.schema.createTable('commits'), dialect)
      .addColumn('organization_id', 'bigint', organization)
      .addColumn('repository_id', 'bigint', cascade('repositories'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('message', 'text')
      .addColumn('author_id', 'bigint', (c) => c.references('commit_authors.id').onDelete('set null'))
      .addColumn('date_added', 'text', (c) => c.notNull())
      .addUniqueConstraint('commits_repository_id_key_key', ['repository_id', 'key'])
      .execute();
    await db.schema.createIndex('commits_author_id_idx').on('commits').column('author_id').execute();

    await idColumn(db.schema.createTable('commit_file_changes'), dialect)
      .addColumn('organization_id', 'bigint', organization)
      .addColumn('commit_id', 'bigint', cascade('commits'))
      .addColumn('filename', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addUniqueConstraint('commit_file_changes_commit_id_filename_key', ['commit_id', 'filename'])
      .execute();

    await db.schema
      .createTable('release_commits')
      .addColumn('organization_id', 'bigint', organization)
      .addColumn('release_id', 'bigint', cascade('releases'))
      .addColumn('commit_id', 'bigint', cascade('commits'))
      .addColumn('order', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('release_commits_pkey', ['release_id', 'commit_id'])
      .execute();
    await db.schema
      .createIndex('release_commits_release_id_order_idx')
      .on('release_commits')
      .columns(['release_id', 'order'])
      .execute();
    await db.schema
      .createIndex('release_commits_commit_id_idx')
      .on('release_commits')
      .column('commit_id')
      .execute();

    await db.schema
      .createTable('release_head_commits')
      .addColumn('organization_id', 'bigint', organization)
      .addColumn('release_id', 'bigint', cascade('releases'))
      .addColumn('repository_id', 'bigint', cascade('repositories'))
      .addColumn('commit_id', 'bigint', cascade('commits'))
      .addPrimaryKeyConstraint('release_head_commits_pkey', ['release_id', 'repository_id'])
      .execute();
    await db.schema
      .createIndex('release_head_commits_commit_id_idx')
      .on('release_head_commits')
      .column('commit_id')
      .execute();

    await db.schema
      .alterTable('releases')
      .addColumn('last_commit_id', 'bigint', (c) => c.references('commits.id').onDelete('set null'))
      .execute();
    await convertLegacyReleaseCommits(db, now.toISOString());
    await db.schema.alterTable('releases').dropColumn('commits').execute();
    await db.schema.alterTable('releases').dropColumn('refs').execute();
  },
};

/**
 * Version 9: `group_forecasts`, the escalation forecast of an issue archived until escalating
 * (Sentry's `EscalatingGroupForecast`, kept in its nodestore: 14 daily ceilings of the issue's
 * hourly event count from the day it was computed). Goes with its group.
 */
const groupForecasts: MetadataMigration = {
  version: 9,
  name: 'group_forecasts',
  async up(db) {
    await db.schema
      .createTable('group_forecasts')
      .addColumn('group_id', 'bigint', (c) => c.primaryKey().references('groups.id').onDelete('cascade'))
      .addColumn('forecast', 'text', (c) => c.notNull())
      .addColumn('date_added', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('group_forecasts_date_added_idx')
      .on('group_forecasts')
      .column('date_added')
      .execute();
  },
};

/**
 * Every migration, in version order. Versions 5, 8 and 9 were other branches'; the runner applies
 * whichever versions are not recorded yet, so the order in which branches land does not matter.
 */
export const METADATA_MIGRATIONS: readonly MetadataMigration[] = [
  initial,
  groupPlatformLogger,
  monitors,
  projectConfigs,
  releasesAndArtifacts,
  accounts,
  issueWorkflow,
  releaseCommits,
  groupForecasts,
];

/**
 * Applies the migrations of `METADATA_MIGRATIONS` not yet recorded in `schema_migrations`,
 * in one transaction. Safe to call from several processes at once. Throws (and changes
 * nothing) when a migration fails — the store cannot be used then, and startup should stop.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: MetadataDialect,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') {
      await sql`select pg_advisory_xact_lock(hashtext('vigil.metadata.migrate:' || current_schema()))`.execute(
        trx,
      );
    }
    await trx.schema
      .createTable('schema_migrations')
      .ifNotExists()
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .execute();
    const { rows } = await sql<{ version: number }>`select version from schema_migrations`.execute(trx);
    const applied = new Set(rows.map((r) => Number(r.version)));
    for (const migration of METADATA_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      try {
        await migration.up(trx, dialect, now);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`metadata migration ${migration.version} (${migration.name}) failed: ${reason}`, {
          cause: error,
        });
      }
      await sql`insert into schema_migrations (version, name, applied_at)
        values (${migration.version}, ${migration.name}, ${now.toISOString()})`.execute(trx);
    }
  });
}
