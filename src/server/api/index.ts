/**
 * The web API under `/api/0/` with Sentry's paths and shapes (reference/sentry-semantics.md
 * §2; Sentry's public API docs): issue lists and search, issue details, updates (status,
 * assignment, bookmarks, merge), deletion and activity, issue events, sessions, monitors, the
 * events table (Discover, errors, transactions, spans, logs, trace metrics), traces, user
 * feedback, event attachments,
 * profiles, session replays, outcome stats (stats_v2), project details, inbound filters, project
 * configs and transaction thresholds, what sentry-cli calls (releases, their commits and deploys,
 * repositories, chunk upload, artifact-bundle assembly and
 * lookup) and accounts (`GET /api/0/`, organizations, teams, members, projects, DSN keys, API
 * tokens). Bearer-token auth; errors as `{"detail": ...}`.
 */
import type { FastifyInstance } from 'fastify';
import type { MetadataStore } from '../../storage/metadata/index.js';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import type { AcceptedEnvelope } from '../ingest/index.js';
import { TokenAuth } from './auth.js';
import { apiErrorHandler } from './errors.js';
import { issueRoutes } from './issues.js';
import { issueActionRoutes } from './issue-actions.js';
import { issueIndexRoutes } from './issue-index.js';
import { groupEventRoutes } from './group-events.js';
import { groupTagRoutes } from './group-tags.js';
import { sessionRoutes } from './sessions.js';
import { statsRoutes } from './stats.js';
import { monitorRoutes } from './monitors.js';
import { eventRoutes } from './events.js';
import { feedbackRoutes } from './feedback.js';
import { attachmentRoutes } from './attachments.js';
import { profileRoutes } from './profiles.js';
import { traceRoutes } from './traces.js';
import { replayRoutes } from './replays.js';
import { projectConfigRoutes } from './project-config.js';
import { transactionThresholdRoutes } from './transaction-thresholds.js';
import { releaseRoutes } from './releases.js';
import { deployRoutes } from './deploys.js';
import { repositoryRoutes } from './repositories.js';
import { chunkUploadRoutes } from './chunk-upload.js';
import { artifactBundleRoutes } from './artifact-bundles.js';
import { ArtifactAssembler } from '../services/artifact-assembler.js';
import { accountRoutes } from './accounts/index.js';
import type { ProjectConfig } from '../../processing/project-config/index.js';

/** What the API routes need. */
export interface ApiDeps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  /** Base URL for permalinks and DSNs, e.g. `http://127.0.0.1:8000`. */
  publicUrl: string;
  /** Queues a report submitted to `POST .../user-feedback/` (see feedbackRoutes); without it that route answers 503. */
  enqueueUserReport?: (envelope: AcceptedEnvelope) => boolean;
  /** A project's config as the edge sees it (the key cache's); default: read from the metadata store. */
  projectConfig?: (projectId: number) => Promise<ProjectConfig>;
  /** Called after the API changed a project's config (the key cache's `invalidateProject`). */
  onProjectConfigChange?: (projectId: number) => void;
  /** Assembles uploaded artifact bundles; default one of the API's own (drained when the app closes). */
  assembler?: ArtifactAssembler;
}

/** Registers the web API (a Fastify plugin). */
export async function apiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const auth = new TokenAuth(deps.metadata);
  app.setErrorHandler(apiErrorHandler);
  await issueIndexRoutes(app, { ...deps, auth });
  await issueRoutes(app, { ...deps, auth });
  await issueActionRoutes(app, { ...deps, auth });
  await groupEventRoutes(app, { ...deps, auth });
  await groupTagRoutes(app, { ...deps, auth });
  await sessionRoutes(app, { metadata: deps.metadata, clickhouse: deps.clickhouse, auth });
  await statsRoutes(app, { metadata: deps.metadata, clickhouse: deps.clickhouse, auth });
  await monitorRoutes(app, { ...deps, auth });
  await eventRoutes(app, { ...deps, auth });
  await feedbackRoutes(app, { ...deps, auth });
  await attachmentRoutes(app, { ...deps, auth });
  await profileRoutes(app, { ...deps, auth });
  await traceRoutes(app, { ...deps, auth });
  await replayRoutes(app, { ...deps, auth });
  await projectConfigRoutes(app, { ...deps, auth });
  await transactionThresholdRoutes(app, { ...deps, auth });
  await releaseRoutes(app, { ...deps, auth });
  await deployRoutes(app, { ...deps, auth });
  await repositoryRoutes(app, { ...deps, auth });
  await chunkUploadRoutes(app, { ...deps, auth });
  const assembler = deps.assembler ?? new ArtifactAssembler(deps.metadata, app.log);
  app.addHook('onClose', () => assembler.drain());
  await artifactBundleRoutes(app, { ...deps, auth, assembler });
  await accountRoutes(app, { ...deps, auth });
}
