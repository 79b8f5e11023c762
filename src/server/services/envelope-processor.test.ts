import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AcceptedEnvelope } from '../ingest/index.js';
import {
  bootstrap,
  createProject,
  deleteProject,
  openMetadataStore,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import type { BatchSink } from '../../storage/clickhouse/index.js';
import { EnvelopeProcessor, type ItemHandler } from './envelope-processor.js';
import { ClientReportItemHandler } from './client-report-handler.js';
import { MetricItemHandler } from './metric-item-handler.js';
import { NelItemHandler } from './nel-handler.js';
import { LogItemHandler } from './log-handler.js';
import { OUTCOME_IDS, type Outcome, type OutcomeScoping } from '../../protocol/outcome.js';
import type { ItemHeaders } from '../../protocol/envelope.js';
import { OutcomeCounter } from './outcome-counter.js';
import { ProcessingPool } from './processing-pool.js';
import { EnvelopeQueue } from '../ingest/index.js';
import { DEFAULT_PROJECT_CONFIG, parseProjectConfig } from '../../processing/project-config/index.js';
import { MemoryCounterBackend, RateLimiter } from '../../quotas/index.js';
import { QuotaEnforcer } from './quota-enforcer.js';
import { SpanItemHandler } from './span-handler.js';

const logger = pino({ level: 'silent' });
let dir: string;
let metadata: MetadataStore;
/** A second project of the bootstrap organization, for batches mixing projects. */
let secondProjectId: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-processor-'));
  metadata = await openMetadataStore({ dataDir: dir });
  const boot = await bootstrap(metadata);
  const second = await createProject(metadata, boot.organization.id, 'second');
  if (!second.ok) throw new Error(second.error.detail);
  secondProjectId = second.value.id;
});

afterAll(async () => {
  await metadata?.close();
  rmSync(dir, { recursive: true, force: true });
});

function envelope(...payloads: string[]): AcceptedEnvelope {
  return {
    envelope: {
      headers: { event_id: 'a'.repeat(32) },
      items: payloads.map((p) => ({ headers: { type: 'event' }, payload: Buffer.from(p) })),
    },
    projectId: 1,
    organizationId: 1,
    keyId: 1,
    publicKey: '0'.repeat(32),
    meta: { receivedAt: Date.now() / 1000, clientIp: '127.0.0.1' },
    sizeBytes: 100,
    config: DEFAULT_PROJECT_CONFIG,
  };
}

function processor(
  handlers?: (outcomes: OutcomeCounter) => Record<string, ItemHandler>,
  pool: Pick<ProcessingPool, 'run'> = new ProcessingPool(logger, 0),
  withQuotas = false,
) {
  const rows: string[] = [];
  const outcomes = new OutcomeCounter();
  const sink = { push: (r: readonly string[]) => (rows.push(...r), true) } as unknown as BatchSink<string>;
  const quotas = withQuotas
    ? new QuotaEnforcer({ limiter: new RateLimiter(new MemoryCounterBackend()), outcomes, logger })
    : undefined;
  const p = new EnvelopeProcessor({
    queue: {} as EnvelopeQueue,
    metadata,
    eventSink: sink,
    outcomes,
    pool: pool as ProcessingPool,
    logger,
    ...(handlers ? { handlers: handlers(outcomes) } : {}),
    ...(quotas ? { quotas } : {}),
  });
  return { p, rows, outcomes };
}

describe('EnvelopeProcessor.processBatch', () => {
  it('stores one event per envelope and rejects the others as duplicate_item', async () => {
    const { p, rows, outcomes } = processor();
    await p.processBatch([envelope('{"message":"first"}', '{"message":"second"}', '{"message":"third"}')]);
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!)).toMatchObject({ event_id: 'a'.repeat(32), message: 'first' });
    expect(outcomes.total('invalid', 'error', 'duplicate_item')).toBe(2);
    expect(outcomes.total('accepted')).toBe(1);
  });

  it('drops invalid JSON and lone surrogate escapes as invalid_json, keeping the rest of the batch', async () => {
    const { p, rows, outcomes } = processor();
    await p.processBatch([
      envelope('{"message": oops}'),
      envelope('{"message":"\\ud800 alone"}'),
      envelope('{"message":"pair \\ud83d\\ude00 ok"}'),
    ]);
    expect(outcomes.total('invalid', 'error', 'invalid_json')).toBe(2);
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!).message).toBe('pair 😀 ok');
  });

  it("drops as invalid/internal an event whose project was deleted while queued, storing the batch's others", async () => {
    const gone = await createProject(metadata, 1, 'deleted-while-queued');
    if (!gone.ok) throw new Error(gone.error.detail);
    const orphan = envelope('{"message":"of a deleted project"}');
    orphan.projectId = gone.value.id;
    await deleteProject(metadata, gone.value.id);
    const { p, rows, outcomes } = processor();
    // Retrying could never store the orphan: the batch must neither wedge nor lose the others.
    const done = p.processBatch([envelope('{"message":"before"}'), orphan, envelope('{"message":"after"}')]);
    await expect(Promise.race([done, new Promise((r) => setTimeout(r, 5000, 'wedged'))])).resolves.toEqual(
      [],
    );
    expect(rows.map((row) => JSON.parse(row).message)).toEqual(['before', 'after']);
    expect(outcomes.total('invalid', 'error', 'internal')).toBe(1);
    expect(outcomes.total('accepted')).toBe(2);
  });
});

/** An envelope of arbitrary items (`[headers, payload]`), received now, from `origin`. */
function envelopeOf(items: Array<[ItemHeaders, unknown]>, origin?: string): AcceptedEnvelope {
  const accepted = envelope();
  accepted.envelope.items = items.map(([headers, payload]) => ({
    headers,
    payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  }));
  if (origin !== undefined) accepted.meta.origin = origin;
  return accepted;
}

/** The sum of all recorded outcome quantities, whatever their type. */
function allOutcomes(outcomes: OutcomeCounter): number {
  return (Object.keys(OUTCOME_IDS) as Array<keyof typeof OUTCOME_IDS>).reduce(
    (n, o) => n + outcomes.total(o),
    0,
  );
}

const CSP_REPORT = {
  'csp-report': {
    'document-uri': 'https://shop.example/',
    'effective-directive': 'img-src',
    'violated-directive': 'img-src https://cdn.shop.example',
    'blocked-uri': 'https://tracker.example/p.gif',
  },
};

describe('security reports, NEL, client reports, metrics and unknown items', () => {
  it('turns a raw_security report into a csp event counted in `security`', async () => {
    const { p, rows, outcomes } = processor();
    const record = vi.spyOn(outcomes, 'record');
    await p.processBatch([
      envelopeOf(
        [[{ type: 'raw_security', sentry_release: 'shop@2', sentry_environment: 'prod' }, CSP_REPORT]],
        'https://shop.example/',
      ),
    ]);
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!)).toMatchObject({
      type: 'csp',
      title: "Blocked 'image' from 'tracker.example'",
      culprit: 'img-src https://cdn.shop.example',
      release: 'shop@2',
      environment: 'prod',
    });
    expect(outcomes.total('accepted', 'security')).toBe(1);
    expect(allOutcomes(outcomes)).toBe(1);
    expect(record).toHaveBeenCalledWith(
      expect.objectContaining({
        outcome: 'accepted',
        scoping: { organizationId: 1, projectId: 1, keyId: 1 },
      }),
    );
  });

  it('drops malformed and unsupported reports with Relay outcomes in `security`, other items unaffected', async () => {
    const { p, rows, outcomes } = processor();
    await p.processBatch([
      envelopeOf([[{ type: 'raw_security' }, { 'csp-report': { 'blocked-uri': 'x' } }]]),
      envelopeOf([[{ type: 'raw_security' }, { hello: 1 }]]),
      envelopeOf([[{ type: 'raw_security' }, '{nope']]),
      envelopeOf([[{ type: 'raw_security' }, { type: 'deprecation', body: {} }]]),
      envelopeOf([
        [{ type: 'raw_security' }, CSP_REPORT],
        [{ type: 'raw_security' }, CSP_REPORT],
      ]),
    ]);
    expect(outcomes.total('invalid', 'security', 'security_report')).toBe(1);
    expect(outcomes.total('invalid', 'security', 'security_report_type')).toBe(1);
    expect(outcomes.total('invalid', 'security', 'invalid_json')).toBe(1);
    expect(outcomes.total('filtered', 'security', 'invalid-csp')).toBe(1);
    expect(outcomes.total('invalid', 'security', 'duplicate_item')).toBe(1);
    expect(outcomes.total('accepted', 'security')).toBe(1);
    expect(rows).toHaveLength(1);
  });

  it('drops item types without a pipeline without any outcome, keeping the event', async () => {
    const { p, rows, outcomes } = processor();
    await p.processBatch([
      envelopeOf([
        [{ type: 'event' }, { message: 'kept' }],
        [{ type: 'something_new' }, 'opaque'],
        [{ type: 'session' }, {}],
        [{ type: 'client_report' }, {}],
      ]),
    ]);
    expect(rows).toHaveLength(1);
    expect(outcomes.total('accepted', 'default')).toBe(1);
    expect(allOutcomes(outcomes)).toBe(1);
  });

  it('records client reports as client_discard outcomes merged per envelope; a malformed one records nothing', async () => {
    const { p, outcomes } = processor((o) => ({
      client_report: new ClientReportItemHandler({ outcomes: o }),
    }));
    const report = { discarded_events: [{ reason: 'before_send', category: 'error', quantity: 2 }] };
    await p.processBatch([
      envelopeOf([
        [{ type: 'client_report' }, report],
        [{ type: 'client_report' }, '{broken'],
        [{ type: 'client_report' }, report],
        [{ type: 'event' }, { message: 'kept' }],
      ]),
    ]);
    expect(outcomes.total('client_discard', 'error', 'before_send')).toBe(4);
    expect(outcomes.total('accepted')).toBe(1);
    expect(allOutcomes(outcomes)).toBe(5);
  });

  it('counts statsd and metric_buckets items as filtered metric buckets', async () => {
    const { p, outcomes } = processor((o) => {
      const metrics = new MetricItemHandler({ outcomes: o });
      return { statsd: metrics, metric_buckets: metrics };
    });
    await p.processBatch([
      envelopeOf([
        [{ type: 'statsd' }, 'a:1|c\nb:2|d\nbroken'],
        [
          { type: 'metric_buckets' },
          [{ timestamp: 1, width: 10, name: 'c:custom/x@none', type: 'c', value: 1 }],
        ],
        [{ type: 'metric_buckets' }, '{not a list'],
      ]),
    ]);
    expect(outcomes.total('filtered', 'metric_bucket', 'disabled-namespace')).toBe(3);
    expect(allOutcomes(outcomes)).toBe(3);
  });

  it('stores NEL reports as logs through the logs handler; reports without a body are invalid', async () => {
    const logRows: string[] = [];
    const { p, outcomes } = processor((o) => {
      const logs = new LogItemHandler({ sink: { push: (r) => (logRows.push(...r), true) }, outcomes: o });
      return { log: logs, nel: new NelItemHandler({ logs, outcomes: o }) };
    });
    const nel = {
      type: 'network-error',
      age: 0,
      url: 'https://shop.example/',
      body: { type: 'tcp.refused', phase: 'connection' },
    };
    await p.processBatch([envelopeOf([[{ type: 'nel' }, [nel, { age: 1 }]]])]);
    expect(logRows).toHaveLength(1);
    expect(JSON.parse(logRows[0]!)).toMatchObject({
      body: 'The TCP connection was refused by the server',
      level: 'info',
    });
    expect(outcomes.total('accepted', 'log_item')).toBe(1);
    expect(outcomes.total('invalid', 'log_item', 'invalid_json')).toBe(1);
  });

  it('stores a batch of log and NEL items once: the logs handler is flushed once, not once per type', async () => {
    const logRows: string[] = [];
    const { p, outcomes } = processor((o) => {
      const logs = new LogItemHandler({ sink: { push: (r) => (logRows.push(...r), true) }, outcomes: o });
      return { log: logs, nel: new NelItemHandler({ logs, outcomes: o }) };
    });
    const nel = {
      type: 'network-error',
      age: 0,
      url: 'https://shop.example/',
      body: { type: 'tcp.refused', phase: 'connection' },
    };
    const logs = {
      version: 2,
      items: [
        {
          timestamp: Date.now() / 1000,
          trace_id: '5b8efff798038103d269b633813fc60c',
          level: 'info',
          body: 'plain log',
        },
      ],
    };
    await p.processBatch([
      envelopeOf([
        [{ type: 'log', content_type: 'application/vnd.sentry.items.log+json', item_count: 1 }, logs],
      ]),
      envelopeOf([[{ type: 'nel' }, [nel]]]),
    ]);
    expect(logRows.map((r) => (JSON.parse(r) as { body: string }).body).sort()).toEqual([
      'The TCP connection was refused by the server',
      'plain log',
    ]);
    expect(outcomes.total('accepted', 'log_item')).toBe(2);
  });
});

describe('outcome scoping', () => {
  /** `accepted` moved to project `projectId` of organization 1 with DSN key `keyId`. */
  function scoped(accepted: AcceptedEnvelope, projectId: number, keyId: number): AcceptedEnvelope {
    return { ...accepted, projectId, keyId };
  }

  /** The recorded outcomes as `[outcome, reason, category, quantity, projectId, keyId]`. */
  function recorded(outcomes: OutcomeCounter): () => unknown[][] {
    const record = vi.spyOn(outcomes, 'record');
    return () =>
      record.mock.calls.map(([o]: [Outcome]) => {
        const { organizationId, projectId, keyId }: OutcomeScoping = o.scoping;
        expect(organizationId).toBe(1);
        return [o.outcome, o.reason, o.category, o.quantity, projectId, keyId];
      });
  }

  it('gives every outcome of a batch mixing projects and keys the scoping of its own envelope', async () => {
    const logRows: string[] = [];
    const { p, rows, outcomes } = processor((o) => {
      const logs = new LogItemHandler({ sink: { push: (r) => (logRows.push(...r), true) }, outcomes: o });
      return {
        log: logs,
        nel: new NelItemHandler({ logs, outcomes: o }),
        client_report: new ClientReportItemHandler({ outcomes: o }),
        statsd: new MetricItemHandler({ outcomes: o }),
      };
    });
    const calls = recorded(outcomes);
    const report = { discarded_events: [{ reason: 'queue_overflow', category: 'error', quantity: 3 }] };
    const nel = { type: 'network-error', age: 0, url: 'https://x.example/', body: { type: 'dns.failed' } };
    const second = secondProjectId;
    await p.processBatch([
      scoped(envelopeOf([[{ type: 'event' }, { message: 'one' }]]), 1, 1),
      scoped(
        envelopeOf([
          [{ type: 'event' }, { message: 'two' }],
          [{ type: 'event' }, { message: 'duplicate' }],
          [{ type: 'client_report' }, report],
          [{ type: 'statsd' }, 'a:1|c'],
          [{ type: 'nel' }, [nel, { age: 1 }]],
        ]),
        second,
        7,
      ),
      scoped(envelopeOf([[{ type: 'event' }, '{"broken"']]), second, 8),
      scoped(envelopeOf([[{ type: 'client_report' }, report]]), 1, 9),
    ]);
    expect(rows.map((r) => (JSON.parse(r) as { project_id: number }).project_id)).toEqual([1, second]);
    expect(logRows).toHaveLength(1);
    // Handlers flush concurrently, so the order of their outcomes is not fixed.
    const expected = [
      ['invalid', 'duplicate_item', 'error', 1, second, 7],
      ['filtered', 'disabled-namespace', 'metric_bucket', 1, second, 7],
      ['invalid', 'invalid_json', 'log_item', 1, second, 7],
      ['accepted', null, 'log_item', 1, second, 7],
      ['accepted', null, 'log_byte', expect.any(Number), second, 7],
      ['client_discard', 'queue_overflow', 'error', 3, second, 7],
      ['client_discard', 'queue_overflow', 'error', 3, 1, 9],
      ['accepted', null, 'default', 1, 1, 1],
      ['accepted', null, 'default', 1, second, 7],
      ['invalid', 'invalid_json', 'error', 1, second, 8],
    ];
    expect(calls()).toEqual(expect.arrayContaining(expected));
    expect(calls()).toHaveLength(expected.length);
  });

  it("keeps each event's scoping when the processing threads fail and the events are dropped", async () => {
    const failing = { run: () => Promise.reject(new Error('thread died')) };
    const { p, rows, outcomes } = processor(undefined, failing);
    const calls = recorded(outcomes);
    await p.processBatch([
      scoped(envelope('{"message":"a"}'), secondProjectId, 4),
      scoped(envelopeOf([[{ type: 'raw_security' }, CSP_REPORT]], 'https://shop.example/'), 1, 5),
    ]);
    expect(rows).toEqual([]);
    expect(calls()).toEqual([
      ['invalid', 'internal', 'error', 1, secondProjectId, 4],
      ['invalid', 'internal', 'security', 1, 1, 5],
    ]);
  });
});

describe('OutcomeCounter', () => {
  it('keeps reasons that contain colons intact', () => {
    const c = new OutcomeCounter();
    const scoping = { organizationId: 1, projectId: 1, keyId: 1 };
    c.record({
      outcome: 'invalid',
      reason: 'too_large:attachment',
      category: 'attachment',
      quantity: 3,
      scoping,
    });
    c.record({ outcome: 'invalid', reason: 'too_large', category: 'attachment', quantity: 1, scoping });
    expect(c.total('invalid', 'attachment', 'too_large:attachment')).toBe(3);
    expect(c.total('invalid', 'attachment', 'too_large')).toBe(1);
    expect(c.total('invalid')).toBe(4);
  });
});

describe('EnvelopeProcessor: inbound filters and items that require their event', () => {
  const ITEMS: Array<[ItemHeaders, unknown]> = [
    [{ type: 'event' }, { message: 'boom', release: 'app@1.0.0-beta' }],
    [{ type: 'attachment', filename: 'a.txt' }, 'hello'],
    [{ type: 'user_report' }, { event_id: 'a'.repeat(32), name: 'n', email: 'e@x.io', comments: 'c' }],
  ];

  it("drops a filtered event with the filter's stat key, and its attachments and user reports with it", async () => {
    const attachments = recordingHandler();
    const { p, rows, outcomes } = processor(() => ({ attachment: attachments, user_report: attachments }));
    await p.processBatch([
      configured(envelopeOf(ITEMS), { filterSettings: { releases: { releases: ['*-beta'] } } }),
    ]);
    expect(rows).toHaveLength(0);
    expect(attachments.handled).toEqual([]);
    expect(outcomes.total('filtered', 'error', 'release-version')).toBe(1);
    expect(outcomes.total('filtered', 'attachment', 'release-version')).toBe(5);
    expect(outcomes.total('filtered', 'attachment_item', 'release-version')).toBe(1);
    expect(outcomes.total('filtered', 'feedback', 'release-version')).toBe(1);
    expect(outcomes.total('accepted')).toBe(0);
  });

  it('hands the dependents on once their event is kept, and takes standalone attachments at once', async () => {
    const attachments = recordingHandler();
    const { p, rows } = processor(() => ({ attachment: attachments, user_report: attachments }));
    await p.processBatch([
      configured(envelopeOf(ITEMS), { filterSettings: { releases: { releases: ['2.*'] } } }),
      envelopeOf([[{ type: 'attachment', filename: 'late.txt' }, 'later']]),
    ]);
    expect(rows).toHaveLength(1);
    expect(attachments.handled.sort()).toEqual(['attachment', 'attachment', 'user_report']);
  });

  it('drops the dependents of an invalid event as invalid, with its reason', async () => {
    const attachments = recordingHandler();
    const { p, outcomes } = processor(() => ({ attachment: attachments }));
    const items: Array<[ItemHeaders, unknown]> = [[{ type: 'event' }, '{not json'], ITEMS[1]!];
    await p.processBatch([envelopeOf(items)]);
    expect(attachments.handled).toEqual([]);
    expect(outcomes.total('invalid', 'attachment_item', 'invalid_json')).toBe(1);
  });

  it("scrubs with the project's own settings", async () => {
    const { p, rows } = processor();
    const event = { message: 'x', extra: { pin: '1234', other: 'kept' } };
    await p.processBatch([
      configured(envelopeOf([[{ type: 'event' }, event]]), {
        datascrubbingSettings: { sensitiveFields: ['pin'] },
      }),
    ]);
    expect(rows[0]).toContain('[Filtered]');
    expect(rows[0]).toContain('kept');
  });
});

/** `accepted` with the project config `raw` (Relay's shape). */
function configured(accepted: AcceptedEnvelope, raw: object): AcceptedEnvelope {
  const parsed = parseProjectConfig(raw);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return { ...accepted, config: parsed.config };
}

/** A handler that only remembers the types of the items it was handed. */
function recordingHandler(): ItemHandler & { handled: string[] } {
  const handled: string[] = [];
  return {
    handled,
    handle: (_a, item) => void handled.push(item.headers.type),
    flush: () => Promise.resolve(),
  };
}

const TRACE = '5b8efff798038103d269b633813fc60c';
/** A release the tests' release filter (`*-beta`) drops. */
const BETA = 'app@1.0.0-beta';
/** A transaction event without child spans. */
const transaction = (release = 'app@1.0.0', name = 'GET /') => {
  const now = Date.now() / 1000;
  return {
    type: 'transaction',
    transaction: name,
    release,
    start_timestamp: now - 2,
    timestamp: now - 1,
    contexts: { trace: { trace_id: TRACE, span_id: '1'.repeat(16), op: 'http.server' } },
    spans: [],
  };
};
/** A log entry with a `sentry.release` attribute. */
const log = (body: string, release = 'app@1.0.0') => ({
  timestamp: Date.now() / 1000,
  trace_id: TRACE,
  level: 'info',
  body,
  attributes: { 'sentry.release': { type: 'string', value: release } },
});
/** A log container item of `logs`. */
const logItem = (...logs: object[]): [ItemHeaders, unknown] => [
  { type: 'log', content_type: 'application/vnd.sentry.items.log+json', item_count: logs.length },
  { version: 2, items: logs },
];

describe("Relay's order: inbound filters and dynamic sampling before quotas", () => {
  /** A release filter on `*-beta` and a quota of 1 in `category` (one-hour window). */
  const oneAllowed = (category: string, extra: object = {}) => ({
    filterSettings: { releases: { releases: ['*-beta'] } },
    quotas: [{ id: `one-${category}`, categories: [category], scope: 'project', limit: 1, window: 3600 }],
    ...extra,
  });
  const spanRows: string[] = [];
  const logRows: string[] = [];
  const handlers = (o: OutcomeCounter) => {
    const spans = new SpanItemHandler({ sink: { push: (r) => (spanRows.push(...r), true) }, outcomes: o });
    return {
      transaction: spans,
      span: spans,
      log: new LogItemHandler({ sink: { push: (r) => (logRows.push(...r), true) }, outcomes: o }),
    };
  };

  it('a filtered event does not consume a quota of 1: the next event is stored, the third rate limited', async () => {
    const { p, rows, outcomes } = processor(undefined, undefined, true);
    const exception = { values: [{ type: 'Error', value: 'boom' }] };
    const event = (release: string) =>
      configured(envelopeOf([[{ type: 'event' }, { release, exception }]]), oneAllowed('error'));
    await p.processBatch([event(BETA), event('app@1.0.0'), event('app@1.0.0')]);
    expect(outcomes.total('filtered', 'error', 'release-version')).toBe(1);
    expect(rows).toHaveLength(1);
    expect(outcomes.total('accepted', 'error')).toBe(1);
    expect(outcomes.total('rate_limited', 'error')).toBe(1);
  });

  it('a filtered transaction does not consume a quota of 1', async () => {
    spanRows.length = 0;
    const { p, outcomes } = processor(handlers, undefined, true);
    const send = (release: string) =>
      configured(envelopeOf([[{ type: 'transaction' }, transaction(release)]]), oneAllowed('transaction'));
    await p.processBatch([send(BETA), send('app@1.0.0'), send('app@1.0.0')]);
    expect(outcomes.total('filtered', 'transaction', 'release-version')).toBe(1);
    expect(outcomes.total('accepted', 'transaction')).toBe(1);
    expect(outcomes.total('rate_limited', 'transaction')).toBe(1);
    expect(spanRows).toHaveLength(1);
  });

  it('a filtered log does not consume a quota of 1; a container counts only the logs the filters left', async () => {
    logRows.length = 0;
    const { p, outcomes } = processor(handlers, undefined, true);
    const send = (...logs: object[]) => configured(envelopeOf([logItem(...logs)]), oneAllowed('log_item'));
    await p.processBatch([
      send(log('filtered', BETA)),
      send(log('also filtered', BETA), log('kept')),
      send(log('over quota')),
    ]);
    expect(outcomes.total('filtered', 'log_item', 'release-version')).toBe(2);
    expect(logRows.map((r) => (JSON.parse(r) as { body: string }).body)).toEqual(['kept']);
    expect(outcomes.total('accepted', 'log_item')).toBe(1);
    expect(outcomes.total('rate_limited', 'log_item')).toBe(1);
  });

  it("a filtered transaction takes its profile and attachments with it, with the filter's stat key", async () => {
    const followers = recordingHandler();
    const { p, outcomes } = processor(
      (o) => ({ ...handlers(o), profile: followers, attachment: followers }),
      undefined,
      true,
    );
    const items: Array<[ItemHeaders, unknown]> = [
      [{ type: 'transaction' }, transaction(BETA)],
      [{ type: 'profile' }, { version: '1' }],
      [{ type: 'attachment', filename: 'a.txt' }, 'foobar'],
    ];
    await p.processBatch([configured(envelopeOf(items), oneAllowed('attachment_item'))]);
    expect(followers.handled).toEqual([]);
    for (const category of ['profile', 'profile_indexed', 'attachment_item'] as const) {
      expect(outcomes.total('filtered', category, 'release-version'), category).toBe(1);
    }
    expect(outcomes.total('filtered', 'attachment', 'release-version')).toBe(6);
    // The dropped attachment did not consume the attachment quota: the next one is stored.
    await p.processBatch([
      configured(
        envelopeOf([[{ type: 'attachment', filename: 'b.txt' }, 'x']]),
        oneAllowed('attachment_item'),
      ),
    ]);
    expect(followers.handled).toEqual(['attachment']);
  });

  it('a sampled-out transaction drops its profile and attachments (Sampled:1) and counts only in `transaction`', async () => {
    const followers = recordingHandler();
    const { p, outcomes } = processor(
      (o) => ({ ...handlers(o), profile: followers, attachment: followers }),
      undefined,
      true,
    );
    const sampling = {
      version: 2,
      rules: [
        {
          id: 1,
          type: 'transaction',
          samplingValue: { type: 'sampleRate', value: 0 },
          condition: { op: 'eq', name: 'event.transaction', value: 'hi' },
        },
      ],
    };
    const send = (name: string) =>
      configured(
        envelopeOf([
          [{ type: 'transaction' }, transaction('app@1.0.0', name)],
          [{ type: 'profile' }, { version: '1' }],
          [{ type: 'attachment', filename: 'a.txt' }, 'foobar'],
        ]),
        oneAllowed('transaction', { sampling }),
      );
    await p.processBatch([send('hi'), send('ho')]);
    expect(outcomes.total('filtered', 'transaction_indexed', 'Sampled:1')).toBe(1);
    expect(outcomes.total('filtered', 'profile_indexed', 'Sampled:1')).toBe(1);
    expect(outcomes.total('filtered', 'attachment', 'Sampled:1')).toBe(6);
    expect(outcomes.total('filtered', 'attachment_item', 'Sampled:1')).toBe(1);
    expect(outcomes.total('filtered', 'profile')).toBe(0);
    expect(outcomes.total('accepted', 'profile')).toBe(1);
    // Relay counts the sampled-out transaction in `transaction` through its metrics: it takes the
    // quota of 1, and the kept one is rate limited with its profile and attachment.
    expect(outcomes.total('accepted', 'transaction')).toBe(1);
    expect(outcomes.total('accepted', 'transaction_indexed')).toBe(0);
    expect(outcomes.total('rate_limited', 'transaction')).toBe(1);
    expect(outcomes.total('rate_limited', 'profile')).toBe(1);
    expect(outcomes.total('rate_limited', 'attachment_item')).toBe(1);
    expect(followers.handled).toEqual([]);
  });
});

describe('giving up a batch at shutdown (abort)', () => {
  const scoping = { organizationId: 1, projectId: 1, keyId: 1 };
  /** A handler whose flush fails until `up` (a store that is down), recording one outcome per item in handle. */
  function storeBackedHandler(outcomes: OutcomeCounter, up: () => boolean, stored: string[]): ItemHandler {
    let pending: string[] = [];
    return {
      handle: (_accepted, item) => {
        outcomes.record({ outcome: 'filtered', reason: 'seen', category: 'monitor', quantity: 1, scoping });
        pending.push(item.payload.toString());
      },
      flush: async () => {
        if (!up()) throw new Error('store down');
        stored.push(...pending);
        pending = [];
      },
    };
  }

  /** A processor over a real queue whose metadata store is closed (every resolveGroups fails). */
  async function stuckProcessor(handlers: (o: OutcomeCounter) => Record<string, ItemHandler>) {
    const deadDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-processor-dead-'));
    const dead = await openMetadataStore({ dataDir: deadDir });
    await bootstrap(dead);
    await dead.close();
    rmSync(deadDir, { recursive: true, force: true });
    const rows: string[] = [];
    const outcomes = new OutcomeCounter();
    const queue = new EnvelopeQueue({ maxEnvelopes: 100, maxBytes: 1e6 });
    const p = new EnvelopeProcessor({
      queue,
      metadata: dead,
      eventSink: { push: (r: readonly string[]) => (rows.push(...r), true) } as unknown as BatchSink<string>,
      outcomes,
      pool: new ProcessingPool(logger, 0),
      logger,
      handlers: handlers(outcomes),
    });
    return { p, queue, rows, outcomes };
  }

  it('returns the envelopes cut down to the events not stored while the metadata store is down', async () => {
    const logRows: string[] = [];
    const { p, queue, rows, outcomes } = await stuckProcessor((o) => ({
      log: new LogItemHandler({ sink: { push: (r) => (logRows.push(...r), true) }, outcomes: o }),
    }));
    const log = {
      version: 2,
      items: [
        {
          timestamp: Date.now() / 1000,
          trace_id: '5b8efff798038103d269b633813fc60c',
          level: 'info',
          body: 'kept',
        },
      ],
    };
    const first = envelopeOf([
      [{ type: 'event' }, { message: 'waits for its issue' }],
      [{ type: 'log', content_type: 'application/vnd.sentry.items.log+json', item_count: 1 }, log],
      [{ type: 'event' }, { message: 'duplicate' }],
    ]);
    queue.push(first);
    queue.push(envelope('{"message": broken'));
    p.start();
    await vi.waitFor(() => expect(p.storesFailing).toBe(true)); // retrying resolveGroups
    queue.push(envelope('{"message":"still queued"}'));
    const unfinished = await p.abort();
    expect(p.storesFailing).toBe(false);
    expect(unfinished).toHaveLength(1);
    expect(unfinished[0]!.envelope.headers).toBe(first.envelope.headers);
    expect(unfinished[0]!.envelope.items).toEqual([first.envelope.items[0]]);
    expect(unfinished[0]!.projectId).toBe(first.projectId);
    // Done: the log (stored), the duplicate and the broken event (final outcomes); not the event.
    expect(logRows).toHaveLength(1);
    expect(rows).toEqual([]);
    expect(outcomes.total('accepted', 'log_item')).toBe(1);
    expect(outcomes.total('invalid', 'error', 'duplicate_item')).toBe(1);
    expect(outcomes.total('invalid', 'error', 'invalid_json')).toBe(1);
    expect(outcomes.total('accepted', 'error')).toBe(0);
    expect(outcomes.total('accepted', 'default')).toBe(0);
    expect(queue.size).toBe(1);
  });

  it('gives back the prepared items while the events are processed, not what the filters dropped', async () => {
    const logRows: string[] = [];
    const busy = { run: () => new Promise<never>(() => undefined) };
    const { p, outcomes } = processor(
      (o) => ({
        log: new LogItemHandler({ sink: { push: (r) => (logRows.push(...r), true) }, outcomes: o }),
      }),
      busy,
    );
    const filters = { filterSettings: { releases: { releases: ['*-beta'] } } };
    const partly = configured(
      envelopeOf([[{ type: 'event' }, { message: 'waits' }], logItem(log('kept'), log('filtered', BETA))]),
      filters,
    );
    const whole = configured(envelopeOf([logItem(log('filtered', BETA))]), filters);
    const aborter = new AbortController();
    const done = p.processBatch([partly, whole], aborter.signal);
    aborter.abort();
    const left = await done;
    expect(left).toHaveLength(1);
    expect(left[0]!.envelope.items).toEqual(partly.envelope.items);
    expect(logRows).toEqual([]);
    // The wholly filtered container is final; the other is replayed whole and counted then.
    expect(outcomes.total('filtered', 'log_item', 'release-version')).toBe(1);
    expect(outcomes.total('accepted')).toBe(0);
  });

  it('gives back the items of a handler waiting for its store, and of the ones after it, without their outcomes', async () => {
    const stored: string[] = [];
    const { p, queue, outcomes } = await stuckProcessor((o) => ({
      up: storeBackedHandler(o, () => true, stored),
      down: storeBackedHandler(o, () => false, stored),
      later: storeBackedHandler(o, () => true, stored),
    }));
    const batch = envelopeOf([
      [{ type: 'up' }, 'u1'],
      [{ type: 'down' }, 'd1'],
      [{ type: 'later' }, 'l1'],
      [{ type: 'up' }, 'u2'],
    ]);
    queue.push(batch);
    p.start();
    await vi.waitFor(() => expect(p.busy).toBe(true));
    await new Promise((r) => setTimeout(r, 50));
    const [unfinished, ...more] = await p.abort();
    expect(more).toEqual([]);
    expect(unfinished!.envelope.items.map((i) => i.payload.toString())).toEqual(['d1', 'l1']);
    expect(stored).toEqual(['u1', 'u2']);
    // Only the stored items' outcomes count; the others are recorded again when replayed.
    expect(outcomes.total('filtered', 'monitor', 'seen')).toBe(2);
  });
});
