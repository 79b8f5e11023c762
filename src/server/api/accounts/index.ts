/**
 * Accounts in Sentry's web API: the API index (`GET /api/0/`), organizations, projects (list,
 * create under a team, delete), teams, members, DSN keys and the token's user's API tokens. Each
 * module says which Sentry endpoints it follows; `permissions.ts` holds the permission classes,
 * `access.ts` and `context.ts` what a token may do in an organization.
 */
import type { FastifyInstance } from 'fastify';
import { apiTokenRoutes } from './api-tokens.js';
import type { AccountRoutesDeps } from './common.js';
import { keyRoutes } from './keys.js';
import { memberRoutes } from './members.js';
import { organizationRoutes } from './organizations.js';
import { projectRoutes } from './projects.js';
import { teamRoutes } from './teams.js';

export type { AccountRoutesDeps } from './common.js';

/** Registers every accounts route (called from the API plugin, like `issueRoutes`). */
export async function accountRoutes(app: FastifyInstance, deps: AccountRoutesDeps): Promise<void> {
  await organizationRoutes(app, deps);
  await teamRoutes(app, deps);
  await projectRoutes(app, deps);
  await memberRoutes(app, deps);
  await keyRoutes(app, deps);
  await apiTokenRoutes(app, deps);
}
