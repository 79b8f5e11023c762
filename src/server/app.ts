/**
 * The composition root: opens the stores, migrates and bootstraps them, builds the
 * HTTP app (ingest edge + web API), starts the processing loop and the replay of the disk
 * spool, and shuts all of it down in the order that loses nothing (DESIGN.md, "The path of an
 * event", step 3): stop accepting (connections still open after half the timeout are closed) →
 * process what is queued and flush the sinks, for at most
 * `limits.shutdownTimeout` → spool what is left (the queue, the unfinished part of the batch in
 * flight, the rows not inserted) → close the stores. The next start replays the spool.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { VigilConfig } from './config.js';
import { ingestRoutes, EnvelopeQueue, type AcceptedEnvelope, type IngestDeps } from './ingest/index.js';
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
import { ReleaseRegistry } from './services/release-registry.js';
import { EnvelopeProcessor } from './services/envelope-processor.js';
import type { ArtifactSource } from '../processing/sourcemaps/index.js';
import { ArtifactStore } from './services/artifact-store.js';
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
  getProjectById,
  openMetadataStore,
  pingMetadata,
  type BootstrapResult,
  type MetadataStore,
} from '../storage/metadata/index.js';
import { applyConfiguredProjects } from './services/project-configs.js';
import { newProjectConfigJson } from '../processing/project-config/index.js';
import { DiskSpool } from '../storage/spool/index.js';
import { IssueMaintenance } from './services/issue-maintenance.js';
import {
  firstSeenReader,
  hourlyEventCounter,
  missingForecastMaker,
} from './services/escalating-forecasts.js';
import { EnvelopeIntake } from './services/envelope-intake.js';
import { MemoryWatch, memoryCeiling } from './services/memory-watch.js';
import { healthRoutes } from './ingest/health.js';
import { QuotaEnforcer } from './services/quota-enforcer.js';
import { openQuotaCounters } from './services/quota-counters.js';
import { itemOutcomeQuantities } from '../quotas/envelope-limiter.js';
import {
  BatchSink,
  clickHouseFaultsFromEnv,
  jsonLinesWriter,
  pushWhenRoom,
  migrate,
  openClickHouse,
  type ClickHouseStore,
} from '../storage/clickhouse/index.js';

/** What shutdown had to leave on disk for the next start (0 and 0 when everything was stored). */
export interface ShutdownReport {
  /** Envelopes spooled (whole, or cut down to their unfinished items). */
  spooledEnvelopes: number;
  /** Rows spooled that a sink could not insert. */
  spooledRows: number;
  /** The spool directory. */
  spoolDir: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `work` settles (resolves or rejects) before `deadline` (epoch ms); it keeps running either way. */
async function settlesBefore(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    const settled = (): true => true;
    return await Promise.race([work.then(settled, settled), late]);
  } finally {
    clearTimeout(timer);
  }
}

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
  /** Waits until everything accepted so far (also what is spooled) is stored and queryable (tests). */
  flush(): Promise<void>;
  /**
   * Stops accepting, processes the queue and flushes the sinks for at most
   * `limits.shutdownTimeout`, spools what is left and closes the stores. Idempotent.
   */
  close(): Promise<ShutdownReport>;
}

/** Builds the DSN of a public key and project for clients reaching `publicUrl`. */
export function formatProjectDsn(publicUrl: string, publicKey: string, projectId: number): string {
  const url = new URL(publicUrl);
  return `${url.protocol}//${publicKey}@${url.host}${url.pathname.replace(/\/$/, '')}/${projectId}`;
}

/** Collaborators `createVigil` takes instead of building them. */
export interface VigilOptions {
  /**
   * Where symbolication finds uploaded JavaScript artifacts (events' minified stack traces are
   * resolved with their source maps on the processing threads, between scrubbing and grouping,
   * src/processing/sourcemaps/); default the artifact bundles sentry-cli uploaded to the
   * metadata store (`ArtifactStore`).
   */
  artifacts?: ArtifactSource;
  /**
   * The processing threads' entry script; default the compiled `processing-worker.js` (tests
   * running from TypeScript sources pass a bundled one to get real worker threads).
   */
  processingWorkerScript?: string;
}

/**
 * Opens the stores of `config` and assembles the server. Does not listen; call
 * `vigil.app.listen(...)`. Project `default`, when created here, gets Sentry's default inbound
 * filters; the config file's project configs then replace the stored ones. Throws if a store
 * cannot be opened or migrated, or (ConfigError) when a configured project does not exist.
 */
export async function createVigil(
  config: VigilConfig,
  logger?: Logger,
  options: VigilOptions = {},
): Promise<Vigil> {
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
  const clickhouse = clickHouseFaultsFromEnv(
    await openClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir }),
    process.env,
    (message) => log.warn(message),
  );
  await migrate(clickhouse);
  const spoolDir = path.join(config.dataDir, 'spool');
  const spool = new DiskSpool({ dir: spoolDir, maxBytes: config.spool.maxDiskSize });
  const memory = new MemoryWatch(memoryCeiling(config.health));

  const outcomes = new OutcomeCounter();
  const sinks = new Map<string, BatchSink<string>>();
  /** One batch sink of JSON lines per ClickHouse table; every sink is flushed and closed on shutdown. */
  const sinkFor = (table: string): BatchSink<string> => {
    const sink = new BatchSink<string>({
      store: clickhouse,
      table,
      write: jsonLinesWriter(clickhouse, table),
      maxBufferedRows: config.sinks.maxBufferedRows,
      maxBufferedBytes: config.sinks.maxBufferedBytes,
      onError: (err) => log.error({ err, table }, 'insert failed; will retry'),
    });
    sinks.set(table, sink);
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
  const releases = new ReleaseRegistry(metadata, log);
  const spans = new SpanItemHandler({
    sink: spanSink,
    outcomes,
    logger: log,
    samplingProject: (publicKey) => keys.peek(publicKey),
    releases,
  });
  const metricItems = new MetricItemHandler({ outcomes });
  const counters = await openQuotaCounters(config.redisUrl);
  const quotas = new QuotaEnforcer({ limiter: counters.limiter, outcomes, logger: log });
  const queue = new EnvelopeQueue(config.queue);
  const pool = new ProcessingPool(log, config.processing.workers, {
    artifacts: options.artifacts ?? new ArtifactStore(metadata),
    workerScript: options.processingWorkerScript,
  });
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
    releases,
    escalation: {
      hourlyEventCounts: hourlyEventCounter(clickhouse, log),
      firstSeen: firstSeenReader(clickhouse, log),
      forecastMissing: missingForecastMaker(metadata, clickhouse, log),
    },
    pool,
    logger: log,
  });
  const intake = new EnvelopeIntake({
    queue,
    spool,
    memory,
    // A sink's failed insert is retried with its rows kept; a store step of the processor likewise.
    storesFailing: () =>
      processor.storesFailing || [...sinks.values()].some((s) => s.lastError !== undefined),
    lookupKey: (k) => keys.lookup(k),
    projectExists: async (id) => (await getProjectById(metadata, id)) !== undefined,
    sinks,
    outcomes,
    logger: log,
  });
  if (!spool.empty) log.info({ bytes: spool.bytes, dir: spoolDir }, 'replaying the disk spool');
  processor.start();
  intake.start();
  const maintenance = new IssueMaintenance({ metadata, clickhouse, logger: log });
  maintenance.start();

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Per-request logs would cost more than the ingest work itself at thousands of requests/s.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreDuplicateSlashes: true },
  });
  const ingestDeps: IngestDeps = {
    lookupKey: (k) => keys.lookup(k),
    enqueue: (e) => intake.enqueue(e),
    hasCapacity: () => intake.hasCapacity(),
    checkRateLimits: (accepted) => quotas.edgeRateLimits(accepted),
    rejectEnvelope: (scoping, envelope, reason) => {
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
  let shuttingDown = false;
  await app.register(healthRoutes, {
    ready: async () => {
      // Like Relay: not ready while shutting down, above the memory ceiling or with a full spool.
      if (shuttingDown || memory.overLimit || intake.spoolFull) return false;
      const [telemetry, meta] = await Promise.all([clickhouse.ping(), pingMetadata(metadata)]);
      return telemetry.ok && meta;
    },
  });
  await app.register(apiRoutes, {
    metadata,
    clickhouse,
    publicUrl: config.publicUrl,
    enqueueUserReport: (envelope) => intake.enqueue(envelope),
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
    while (queue.size > 0 || processor.busy || !intake.spoolEmpty) await sleep(10);
    await moveOutcomes();
    for (const sink of sinks.values()) await sink.flush();
  };

  /**
   * Closes the sinks (no more pushes) and retries their failed inserts until `deadline`; an
   * insert still hanging then is given up (its rows are spooled with the rest).
   */
  const flushSinks = async (deadline: number): Promise<void> => {
    for (const sink of sinks.values()) sink.close().catch(() => undefined);
    for (const [table, sink] of sinks) {
      while (sink.pendingRows > 0 && Date.now() < deadline) {
        const attempt = sink.flush();
        attempt.catch(() => undefined);
        if (!(await settlesBefore(attempt, deadline))) break;
        if (sink.pendingRows > 0) {
          log.warn({ err: sink.lastError, table }, 'insert failed during shutdown; retrying');
          await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
        }
      }
    }
  };

  /** The shutdown sequence of the module comment; see {@link Vigil.close}. */
  const shutdown = async (): Promise<ShutdownReport> => {
    const report: ShutdownReport = { spooledEnvelopes: 0, spooledRows: 0, spoolDir };
    const started = Date.now();
    // Half of the time for processing what is queued, the rest for the inserts.
    const processDeadline = started + (config.limits.shutdownTimeout * 1000) / 2;
    const flushDeadline = started + config.limits.shutdownTimeout * 1000;
    shuttingDown = true;
    try {
      await settlesBefore(maintenance.stop(), processDeadline);
      // A connection whose request was answered before its body was read (a 413 while the body
      // is still being uploaded) never turns idle, and app.close() would wait for it forever:
      // once the processing deadline passes, every connection left is closed.
      const closing = app.close();
      if (!(await settlesBefore(closing, processDeadline))) {
        log.warn('shutdown: connections still open at the deadline; closing them');
        app.server.closeAllConnections();
        await closing;
      }
      await settlesBefore(intake.stop(), processDeadline);
      queue.close();
      // The queue is closed, so what the sinks still get is bounded by what it held; no handler
      // may be left waiting between two pushes.
      for (const sink of sinks.values()) sink.liftBounds();
      let unfinished: AcceptedEnvelope[] = [];
      if (!(await settlesBefore(processor.stop(), processDeadline))) {
        log.warn('shutdown: the queue could not be processed in time (is a store down?); spooling the rest');
        // Closed in the same tick as the abort: a store call given up cannot push its rows anymore.
        for (const [table, sink] of sinks) if (table !== OUTCOMES_TABLE) sink.close().catch(() => undefined);
        unfinished = await processor.abort();
      }
      clearInterval(outcomeTimer);
      outcomeSink.push(outcomes.takeRows().map(encodeOutcomeRow));
      await flushSinks(flushDeadline);
      const left = [...unfinished, ...queue.take(Infinity)];
      if (intake.spoolEnvelopes(left)) report.spooledEnvelopes = left.length;
      for (const [table, sink] of sinks) {
        const rows = sink.takeUnflushed();
        if (intake.spoolRows(table, rows)) report.spooledRows += rows.length;
      }
      return report;
    } finally {
      spool.close();
      await pool.close();
      await settlesBefore(clickhouse.close(), Date.now() + 5000);
      await metadata.close();
      await counters.close();
    }
  };

  let closing: Promise<ShutdownReport> | undefined;
  const close = (): Promise<ShutdownReport> => (closing ??= shutdown());

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
