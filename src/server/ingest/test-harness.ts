/**
 * Test helpers for the ingest endpoint plugins (not part of the public API): a Fastify app with
 * the envelope/store plugin and one more endpoint plugin registered as the server does, a fake
 * key table and an array-backed queue. Used by cron.test.ts and otlp.test.ts.
 */
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { DEFAULT_PROJECT_CONFIG } from '../../processing/project-config/index.js';
import { ingestRoutes } from './routes.js';
import type { OutcomeScoping } from '../../protocol/outcome.js';
import type { AcceptedEnvelope, IngestDeps, ProjectKeyInfo } from './types.js';

/** The active test DSN key (key id 7, organization 3). */
export const TEST_KEY = 'e12d836b15bb49d7bbf99e64295d995b';
/** The project {@link TEST_KEY} belongs to. */
export const TEST_PROJECT = 42;
/** `deps.now` of every harness, Unix seconds. */
export const TEST_NOW = 1_700_000_000.25;

/** A key of {@link TEST_PROJECT} in organization 3; `overrides` change single fields. */
export function testKeyInfo(publicKey: string, overrides: Partial<ProjectKeyInfo> = {}): ProjectKeyInfo {
  return {
    keyId: 7,
    publicKey,
    projectId: TEST_PROJECT,
    organizationId: 3,
    isActive: true,
    config: DEFAULT_PROJECT_CONFIG,
    ...overrides,
  };
}

/** Options of {@link ingestHarness}. */
export interface HarnessOptions {
  /** Public key → key info; default only {@link TEST_KEY}. */
  keys?: Record<string, ProjectKeyInfo>;
  /** When true, `enqueue` refuses everything (→ 503). */
  queueFull?: boolean;
  /** Size limit overrides (`deps.limits`). */
  limits?: IngestDeps['limits'];
}

/** A started harness: the app to `inject` into and the envelopes the queue accepted. */
export interface Harness {
  app: FastifyInstance;
  accepted: AcceptedEnvelope[];
  /** The envelopes the edge refused (`deps.rejectEnvelope`): scoping, outcome reason, item types. */
  rejected: Array<{ scoping: OutcomeScoping; reason: string; types: string[] }>;
}

const apps: FastifyInstance[] = [];

/**
 * Builds an app with `ingestRoutes` (whose `/api/:id/*` catch-all must not shadow `plugin`) and
 * `plugin`, both with the same deps. Close the apps with {@link closeHarnesses} (`afterEach`).
 */
export async function ingestHarness(
  plugin: FastifyPluginAsync<IngestDeps>,
  options: HarnessOptions = {},
): Promise<Harness> {
  const keys = options.keys ?? { [TEST_KEY]: testKeyInfo(TEST_KEY) };
  const accepted: AcceptedEnvelope[] = [];
  const rejected: Harness['rejected'] = [];
  const app = Fastify({ routerOptions: { ignoreDuplicateSlashes: true } });
  const deps: IngestDeps = {
    lookupKey: async (key) => keys[key],
    enqueue: (envelope) => {
      if (options.queueFull) return false;
      accepted.push(envelope);
      return true;
    },
    rejectEnvelope: (scoping, envelope, reason) =>
      rejected.push({ scoping, reason, types: envelope.items.map((item) => item.headers.type) }),
    now: () => TEST_NOW,
  };
  if (options.limits) deps.limits = options.limits;
  await app.register(ingestRoutes, deps);
  await app.register(plugin, deps);
  apps.push(app);
  return { app, accepted, rejected };
}

/** Closes every app {@link ingestHarness} opened since the last call. */
export async function closeHarnesses(): Promise<void> {
  await Promise.all(apps.splice(0).map((app) => app.close()));
}
