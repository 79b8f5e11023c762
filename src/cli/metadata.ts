/**
 * Helpers for CLI commands that work on the metadata store directly: open it with the
 * command's configuration, find the `vigil` organization, and close it afterwards.
 */
import type { VigilConfig } from '../server/config.js';
import { newProjectConfigJson } from '../processing/project-config/index.js';
import { writeAdminToken } from '../server/admin-token.js';
import {
  bootstrap,
  getProjectBySlug,
  openMetadataStore,
  type MetadataStore,
} from '../storage/metadata/index.js';

type Organization = Awaited<ReturnType<typeof bootstrap>>['organization'];
type Project = Awaited<ReturnType<typeof bootstrap>>['project'];

/**
 * Opens the metadata store of `config` (bootstrapping it on a fresh data dir, so CLI
 * commands work before the first `vigil start`; a project `default` created here gets Sentry's
 * default inbound filters, as the server would give it), runs `fn`, and closes the store.
 */
export async function withMetadata<T>(
  config: VigilConfig,
  fn: (store: MetadataStore, organization: Organization) => Promise<T>,
): Promise<T> {
  const store = await openMetadataStore({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const { organization, token } = await bootstrap(store, { projectConfig: newProjectConfigJson() });
    // A CLI command may be the first to touch a fresh data dir: keep the bootstrap token.
    if (token) writeAdminToken(config.dataDir, token);
    return await fn(store, organization);
  } finally {
    await store.close();
  }
}

/** Finds a project by slug; throws an Error naming the slug when there is none. */
export async function resolveProject(
  store: MetadataStore,
  organizationId: number,
  slug: string,
): Promise<Project> {
  const project = await getProjectBySlug(store, organizationId, slug);
  if (!project) throw new Error(`no project with slug "${slug}"`);
  return project;
}
