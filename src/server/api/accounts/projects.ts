/**
 * Creating and deleting projects (Sentry `TeamProjectsEndpoint`, `ProjectDetailsEndpoint.delete`):
 * - `GET /api/0/teams/{org}/{team}/projects/`: the team's projects, by slug;
 * - `POST /api/0/teams/{org}/{team}/projects/` (`{name, slug?, platform?, default_rules?}`): a
 *   project on that team with Sentry's default inbound filters and a first DSN key (Sentry's
 *   `create_default_projectkey`); without a slug one is made from the name (a random suffix when
 *   taken, as Sentry's `slugify_instance`); 409 for a taken slug;
 * - `DELETE /api/0/projects/{org}/{project}/`: the project, its keys, config and issues go at once
 *   (Sentry schedules the deletion); the edge's key cache forgets its keys.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { newProjectConfigJson } from '../../../processing/project-config/index.js';
import {
  createProject,
  deleteProject,
  insertProjectKey,
  listProjects,
  listTeamProjectIds,
  type Project,
} from '../../../storage/metadata/index.js';
import { projectFor, teamFor } from '../context.js';
import { pageOf, pageRequest } from '../pagination.js';
import { authorize, PROJECT_PERMISSION, TEAM_PROJECT_PERMISSION } from '../permissions.js';
import { requestUrl, serializeProjects, type AccountRoutesDeps } from './common.js';
import { bodyOf, booleanField, charField, slugField, slugify, type FieldErrors } from './fields.js';
import { petname } from './petname.js';

type Params = Record<string, string>;

/** Registers the project creation and deletion routes. */
export async function projectRoutes(app: FastifyInstance, deps: AccountRoutesDeps): Promise<void> {
  const { metadata, auth } = deps;

  app.get('/api/0/teams/:org/:team/projects/', async (request, reply) => {
    const principal = await authorize(auth, request, TEAM_PROJECT_PERMISSION);
    const p = request.params as Params;
    const { organization, team } = await teamFor(metadata, principal, p.org ?? '', p.team ?? '');
    const page = pageRequest(request.query);
    const ids = await listTeamProjectIds(metadata, team.id, { offset: page.offset, limit: page.limit + 1 });
    const byId = new Map(
      (await listProjects(metadata, organization.id)).map((project) => [project.id, project]),
    );
    const projects = pageOf(reply, requestUrl(deps.publicUrl, request), page, ids)
      .map((id) => byId.get(id))
      .filter((project): project is Project => project !== undefined);
    return serializeProjects(metadata, projects, new Map([[organization.id, organization]]), {
      publicUrl: deps.publicUrl,
    });
  });

  app.post('/api/0/teams/:org/:team/projects/', async (request, reply) => {
    const principal = await authorize(auth, request, TEAM_PROJECT_PERMISSION);
    const p = request.params as Params;
    const { organization, team } = await teamFor(metadata, principal, p.org ?? '', p.team ?? '');
    const body = bodyOf(request.body);
    const errors: FieldErrors = {};
    const name = charField(body, 'name', errors, { required: true, maxLength: 50 });
    const slug = slugField(body, 'slug', errors);
    const platform = charField(body, 'platform', errors, {
      maxLength: 64,
      allowBlank: true,
      allowNull: true,
    });
    booleanField(body, 'default_rules', errors);
    if (Object.keys(errors).length > 0 || name === undefined) return reply.code(400).send(errors);

    const create = (candidate: string) =>
      createProject(metadata, organization.id, candidate, name, platform || undefined, {
        config: newProjectConfigJson(),
        teamId: team.id,
      });
    let created = await create(slug ?? slugify(name));
    if (!created.ok && slug === undefined && created.error.kind === 'slug_taken') {
      const base = slugify(name).slice(0, 43).replace(/-+$/, '');
      created = await create(`${base}-${randomBytes(3).toString('hex')}`);
    }
    if (!created.ok) return reply.code(409).send({ detail: 'A project with this slug already exists.' });
    await insertProjectKey(metadata, created.value.id, { label: petname() });
    const [out] = await serializeProjects(
      metadata,
      [created.value],
      new Map([[organization.id, organization]]),
      {
        publicUrl: deps.publicUrl,
      },
    );
    return reply.code(201).send(out);
  });

  app.delete('/api/0/projects/:org/:project/', async (request, reply) => {
    const principal = await authorize(auth, request, PROJECT_PERMISSION);
    const p = request.params as Params;
    const { project } = await projectFor(metadata, principal, p.org ?? '', p.project ?? '');
    await deleteProject(metadata, project.id);
    deps.onProjectConfigChange?.(project.id);
    return reply.code(204).send();
  });
}
