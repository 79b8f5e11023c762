/**
 * The composition root: opens the stores, migrates and bootstraps them, builds the
 * HTTP app (ingest edge + web API), starts the processing loop, and shuts all of it
 * down in the order that loses nothing (DESIGN.md, "The path of an event", step 3):
 * stop accepting → drain the queue → flush the sinks → close the stores.
 */
import { mkdirSync } from 'node:fs';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { VigilConfig } from './config.js';
import { ingestRoutes, EnvelopeQueue, type IngestDeps } from './ingest/index.js';
import { apiRoutes } from './api/index.js';
import { KeyCache } from './services/key-cache.js';
import { SessionItemHandler } from './services/session-handler.js';
import { CheckInItemHandler } from './services/check-in-handler.js';
import { cronRoutes } from './ingest/cron.js';
import { FeedbackItemHandler } from './services/feedback-handler.js';
import { FEEDBACK_TABLE } from '../storage/clickhouse/feedback.js';
import { REPLAY_ITEM_TYPES, ReplayItemHandler } from './services/replay-handler.js';
import { REPLAYS_TABLE, REPLAY_RECORDINGS_TABLE } from '../storage/clickhouse/replays.js';
import { otlpLogsRoutes } from './ingest/otlp-logs.js';
import { securityReportRoutes } from './ingest/security.js';
import { ClientReportItemHandler } from './services/client-report-handler.js';
import { MetricItemHandler } from './services/metric-item-handler.js';
import { NelItemHandler } from './services/nel-handler.js';
import { LogItemHandler } from './services/log-handler.js';
import { TraceMetricItemHandler } from './services/trace-metric-handler.js';
import { LOGS_TABLE } from '../storage/clickhouse/logs.js';
import { TRACE_METRICS_TABLE } from '../storage/clickhouse/trace-metrics.js';
import { SpanItemHandler } from './services/span-handler.js';
import { SPANS_TABLE } from '../storage/clickhouse/spans.js';
import { otlpTracesRoutes } from './ingest/otlp-traces.js';
import { CHECK_INS_TABLE, CheckInIdResolver } from '../storage/clickhouse/check-ins.js';
import { EnvelopeProcessor } from './services/envelope-processor.js';
import { AttachmentItemHandler } from './services/attachment-handler.js';
import { ProfileItemHandler } from './services/profile-handler.js';
import { ATTACHMENTS_INPUT_TABLE } from '../storage/clickhouse/attachments.js';
import { PROFILES_TABLE } from '../storage/clickhouse/profiles.js';
import { attachmentRoutes } from './ingest/attachments.js';
import { minidumpRoutes } from './ingest/minidump.js';
import { OutcomeCounter } from './services/outcome-counter.js';
import { OUTCOMES_TABLE, encodeOutcomeRow } from '../storage/clickhouse/outcomes.js';
import { ProcessingPool } from './services/processing-pool.js';
import { readAdminToken, writeAdminToken } from './admin-token.js';
import {
  bootstrap,
  openMetadataStore,
  pingMetadata,
  type BootstrapResult,
  type MetadataStore,
} from '../storage/metadata/index.js';
import { applyConfiguredProjects } from './services/project-configs.js';
import { newProjectConfigJson } from '../processing/project-config/index.js';
import { healthRoutes } from './ingest/health.js';
import { QuotaEnforcer } from './services/quota-enforcer.js';
import { openQuotaCounters } from './services/quota-counters.js';
import { itemOutcomeQuantities } from '../quotas/envelope-limiter.js';
import { formatRateLimits, formatRetryAfter } from '../protocol/rate-limit-header.js';
import {
  BatchSink,
  jsonLinesWriter,
  pushWhenRoom,
  migrate,
  openClickHouse,
  type ClickHouseStore,
} from '../storage/clickhouse/index.js';

/** How long shutdown keeps retrying failed inserts before giving up (ms). */
const SHUTDOWN_FLUSH_MS = 60_000;

/** A running (or ready-to-listen) Vigil instance. */
export interface Vigil {
  app: FastifyInstance;
  config: VigilConfig;
  logger: Logger;
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  outcomes: OutcomeCounter;
  /** The edge's key cache: DSN keys with their project's config, as accepted envelopes carry it. */
  keys: KeyCache;
  /** The default project's DSN, `http://<public key>@<host:port>/1`. */
  dsn: string;
  /** The bootstrap API token (plaintext from `<dataDir>/admin-token`), if that file exists. */
  adminToken: string | undefined;
  /** Waits until everything accepted so far is stored and queryable (tests, shutdown). */
  flush(): Promise<void>;
  /** Stops accepting, drains the queue, flushes the sinks and closes the stores. Idempotent. */
  close(): Promise<void>;
}

/** Builds the DSN of a public key and project for clients reaching `publicUrl`. */
export function formatProjectDsn(publicUrl: string, publicKey: string, projectId: number): string {
  const url = new URL(publicUrl);
  return `${url.protocol}//${publicKey}@${url.host}${url.pathname.replace(/\/$/, '')}/${projectId}`;
}

/**
 * Opens the stores of `config` and assembles the server. Does not listen; call
 * `vigil.app.listen(...)`. Project `default`, when created here, gets Sentry's default inbound
 * filters; the config file's project configs then replace the stored ones. Throws if a store
 * cannot be opened or migrated, or (ConfigError) when a configured project does not exist.
 */
export async function createVigil(config: VigilConfig, logger?: Logger): Promise<Vigil> {
  const log = logger ?? pino({ level: config.logLevel });
  mkdirSync(config.dataDir, { recursive: true });
  const metadata = await openMetadataStore({ url: config.databaseUrl, dataDir: config.dataDir });
  let boot: BootstrapResult;
  try {
    boot = await bootstrap(metadata, { projectConfig: newProjectConfigJson() });
    await applyConfiguredProjects(metadata, config.projects, log);
  } catch (error) {
    await metadata.close();
    throw error;
  }
  if (boot.token) writeAdminToken(config.dataDir, boot.token);
  const clickhouse = await openClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir });
  await migrate(clickhouse);

  const outcomes = new OutcomeCounter();
  const sinks: Array<BatchSink<string>> = [];
  /** One batch sink of JSON lines per ClickHouse table; every sink is flushed and closed on shutdown. */
  const sinkFor = (table: string): BatchSink<string> => {
    const sink = new BatchSink<string>({
      store: clickhouse,
      table,
      write: jsonLinesWriter(clickhouse, table),
      onError: (err) => log.error({ err, table }, 'insert failed; will retry'),
    });
    sinks.push(sink);
    return sink;
  };
  const eventSink = sinkFor('events');
  const sessionSink = sinkFor('sessions');
  const checkInSink = sinkFor(CHECK_INS_TABLE);
  const logSink = sinkFor(LOGS_TABLE);
  const traceMetricSink = sinkFor(TRACE_METRICS_TABLE);
  const feedbackSink = sinkFor(FEEDBACK_TABLE);
  const attachmentSink = sinkFor(ATTACHMENTS_INPUT_TABLE);
  const outcomeSink = sinkFor(OUTCOMES_TABLE);
  const profileSink = sinkFor(PROFILES_TABLE);
  const attachments = new AttachmentItemHandler({ sink: attachmentSink, outcomes, logger: log });
  const profiles = new ProfileItemHandler({ sink: profileSink, outcomes, logger: log });
  const spanSink = sinkFor(SPANS_TABLE);
  const feedback = new FeedbackItemHandler({ sink: feedbackSink, outcomes, logger: log });
  const replaySink = sinkFor(REPLAYS_TABLE);
  const replayRecordingSink = sinkFor(REPLAY_RECORDINGS_TABLE);
  const replays = new ReplayItemHandler({
    sink: replaySink,
    recordingSink: replayRecordingSink,
    outcomes,
    logger: log,
  });
  const sessions = new SessionItemHandler({ sink: sessionSink, logger: log });
  const checkIns = new CheckInItemHandler({
    metadata,
    resolver: new CheckInIdResolver(clickhouse),
    sink: checkInSink,
    outcomes,
    logger: log,
  });
  const logs = new LogItemHandler({ sink: logSink, outcomes, logger: log });
  const traceMetrics = new TraceMetricItemHandler({ sink: traceMetricSink, outcomes, logger: log });
  const keys = new KeyCache(metadata, { logger: log });
  const spans = new SpanItemHandler({
    sink: spanSink,
    outcomes,
    logger: log,
    samplingProject: (publicKey) => keys.peek(publicKey),
  });
  const metricItems = new MetricItemHandler({ outcomes });
  const counters = await openQuotaCounters(config.redisUrl);
  const quotas = new QuotaEnforcer({ limiter: counters.limiter, outcomes, logger: log });
  const queue = new EnvelopeQueue(config.queue);
  const pool = new ProcessingPool(log, config.processing.workers);
  const processor = new EnvelopeProcessor({
    queue,
    metadata,
    eventSink,
    handlers: {
      session: sessions,
      sessions,
      check_in: checkIns,
      log: logs,
      trace_metric: traceMetrics,
      feedback,
      user_report: feedback,
      attachment: attachments,
      profile: profiles,
      profile_chunk: profiles,
      profile_chunk_ui: profiles,
      transaction: spans,
      span: spans,
      client_report: new ClientReportItemHandler({ outcomes }),
      statsd: metricItems,
      metric_buckets: metricItems,
      nel: new NelItemHandler({ logs, outcomes }),
      ...Object.fromEntries(REPLAY_ITEM_TYPES.map((type) => [type, replays])),
    },
    outcomes,
    quotas,
    pool,
    logger: log,
  });
  processor.start();

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Per-request logs would cost more than the ingest work itself at thousands of requests/s.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreDuplicateSlashes: true },
  });
  const ingestDeps: IngestDeps = {
    lookupKey: (k) => keys.lookup(k),
    enqueue: (e) => queue.push(e),
    hasCapacity: () => !queue.isFull,
    checkRateLimits: (accepted) => {
      const { limits } = quotas.checkCached(accepted);
      const now = Date.now();
      if (!limits.isLimited(now)) return undefined;
      const entries = limits.toHeaderEntries(now);
      return { rateLimits: formatRateLimits(entries), retryAfter: formatRetryAfter(entries) };
    },
    rejectEnvelope: (key, envelope, reason) => {
      const scoping = { organizationId: key.organizationId, projectId: key.projectId, keyId: key.keyId };
      for (const item of envelope.items) {
        for (const [category, quantity] of itemOutcomeQuantities(item)) {
          outcomes.record({ outcome: 'invalid', reason, category, quantity, scoping });
        }
      }
    },
  };
  await app.register(ingestRoutes, ingestDeps);
  await app.register(cronRoutes, ingestDeps);
  await app.register(otlpLogsRoutes, ingestDeps);
  await app.register(attachmentRoutes, ingestDeps);
  await app.register(minidumpRoutes, ingestDeps);
  await app.register(otlpTracesRoutes, ingestDeps);
  await app.register(securityReportRoutes, ingestDeps);
  await app.register(healthRoutes, {
    ready: async () => {
      const [telemetry, meta] = await Promise.all([clickhouse.ping(), pingMetadata(metadata)]);
      return telemetry.ok && meta;
    },
  });
  await app.register(apiRoutes, {
    metadata,
    clickhouse,
    publicUrl: config.publicUrl,
    enqueueUserReport: (envelope) => queue.push(envelope),
    projectConfig: (projectId) => keys.projectConfig(projectId),
    onProjectConfigChange: (projectId) => keys.invalidateProject(projectId),
  });

  /** Hands the outcomes recorded since the last call to their sink (every second, and when flushing). */
  const moveOutcomes = (): Promise<void> =>
    pushWhenRoom(outcomeSink, outcomes.takeRows().map(encodeOutcomeRow));
  const outcomeTimer = setInterval(() => {
    moveOutcomes().catch((err: unknown) => log.error({ err }, 'outcomes could not be queued'));
  }, 1000);
  outcomeTimer.unref();

  const flush = async (): Promise<void> => {
    while (queue.size > 0 || processor.busy) await new Promise((r) => setTimeout(r, 10));
    await moveOutcomes();
    for (const sink of sinks) await sink.flush();
  };

  /** Flushes the sinks, retrying failed inserts (ClickHouse blips) until `deadlineMs` passes. */
  const flushWithRetry = async (deadlineMs: number): Promise<void> => {
    for (;;) {
      try {
        for (const sink of sinks) await sink.flush();
        return;
      } catch (err) {
        if (Date.now() > deadlineMs) throw err;
        log.warn({ err }, 'flushing rows failed during shutdown; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        await app.close();
        queue.close();
        await processor.stop();
        clearInterval(outcomeTimer);
        await moveOutcomes();
        await flushWithRetry(Date.now() + SHUTDOWN_FLUSH_MS);
      } finally {
        await pool.close();
        for (const sink of sinks) {
          await sink.close().catch((err: unknown) => log.error({ err }, 'rows left unflushed at shutdown'));
        }
        await clickhouse.close();
        await metadata.close();
        await counters.close();
      }
    })());

  return {
    app,
    config,
    logger: log,
    metadata,
    clickhouse,
    outcomes,
    keys,
    dsn: formatProjectDsn(config.publicUrl, boot.key.public_key, boot.project.id),
    adminToken: readAdminToken(config.dataDir),
    flush,
    close,
  };
}
