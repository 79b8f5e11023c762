import { describe, expect, it } from 'vitest';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { Outcome } from '../../protocol/outcome.js';
import type { AcceptedEnvelope } from '../ingest/index.js';
import { acceptedEnvelope } from './test-envelope.js';
import { parseProjectConfig } from '../../processing/project-config/index.js';
import { LogItemHandler } from './log-handler.js';
import { TraceMetricItemHandler } from './trace-metric-handler.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const NOW = Date.now() / 1000;

const accepted = (projectId = 3, keyId = 1): AcceptedEnvelope =>
  acceptedEnvelope({ projectId, keyId, meta: { receivedAt: NOW } });
/** The scoping of {@link accepted}'s default envelope. */
const scoping = { organizationId: 1, projectId: 3, keyId: 1 };

const log = (body: string, over: Record<string, unknown> = {}) => ({
  timestamp: NOW,
  trace_id: TRACE,
  level: 'info',
  body,
  ...over,
});

function item(type: string, items: unknown[], itemCount = items.length): EnvelopeItem {
  const contentType =
    type === 'log'
      ? 'application/vnd.sentry.items.log+json'
      : 'application/vnd.sentry.items.trace-metric+json';
  return {
    headers: { type, content_type: contentType, item_count: itemCount },
    payload: Buffer.from(JSON.stringify({ version: 2, items })),
  };
}

function setup(full = false) {
  const outcomes: Outcome[] = [];
  const rows: string[] = [];
  let refusals = full ? 2 : 0;
  const deps = {
    sink: { push: (lines: string[]) => (refusals-- > 0 ? false : (rows.push(...lines), true)) },
    outcomes: { record: (o: Outcome) => outcomes.push(o) },
  };
  return { outcomes, rows, logs: new LogItemHandler(deps), metrics: new TraceMetricItemHandler(deps) };
}

describe('LogItemHandler', () => {
  it('stores logs and records log_item / log_byte outcomes once the sink took them', async () => {
    const { outcomes, rows, logs } = setup(true);
    logs.handle(accepted(), item('log', [log('hello'), log('world!'), log('bad', { level: 'loud' })]));
    expect(outcomes).toEqual([
      { outcome: 'invalid', reason: 'invalid_log', category: 'log_item', quantity: 1, scoping },
      { outcome: 'invalid', reason: 'invalid_log', category: 'log_byte', quantity: 3, scoping },
    ]);
    await logs.flush();
    expect(rows).toHaveLength(2);
    expect(JSON.parse(rows[0]!)).toMatchObject({ project_id: 3, body: 'hello', level: 'info' });
    expect(outcomes.slice(2)).toEqual([
      { outcome: 'accepted', reason: null, category: 'log_item', quantity: 2, scoping },
      // Canonical sizes are measured before enrichment: here just the bodies.
      { outcome: 'accepted', reason: null, category: 'log_byte', quantity: 5 + 6, scoping },
    ]);
    await logs.flush();
    expect(rows).toHaveLength(2);
  });

  it('rejects a second log container of the same envelope as duplicate_item', async () => {
    const { outcomes, rows, logs } = setup();
    const envelope = accepted();
    logs.handle(envelope, item('log', [log('first')]));
    const second = item('log', [log('a'), log('b')]);
    logs.handle(envelope, second);
    logs.handle(accepted(), item('log', [log('other envelope')]));
    await logs.flush();
    expect(rows.map((r) => (JSON.parse(r) as { body: string }).body)).toEqual(['first', 'other envelope']);
    expect(outcomes.filter((o) => o.reason === 'duplicate_item')).toEqual([
      { outcome: 'invalid', reason: 'duplicate_item', category: 'log_item', quantity: 2, scoping },
      {
        outcome: 'invalid',
        reason: 'duplicate_item',
        category: 'log_byte',
        quantity: second.payload.length,
        scoping,
      },
    ]);
  });

  it('rejects a container whose item_count does not match as invalid_json', () => {
    const { outcomes, logs } = setup();
    const bad = item('log', [log('x')], 4);
    logs.handle(accepted(), bad);
    expect(outcomes).toEqual([
      { outcome: 'invalid', reason: 'invalid_json', category: 'log_item', quantity: 4, scoping },
      {
        outcome: 'invalid',
        reason: 'invalid_json',
        category: 'log_byte',
        quantity: bad.payload.length,
        scoping,
      },
    ]);
  });

  it('records the accepted outcomes of a batch per project and key, each with its own scoping', async () => {
    const { outcomes, rows, logs } = setup();
    logs.handle(accepted(3, 1), item('log', [log('a'), log('bb')]));
    logs.handle(accepted(4, 7), item('log', [log('ccc')]));
    logs.handle(accepted(3, 1), item('log', [log('dddd'), log('bad', { level: 'loud' })]));
    await logs.flush();
    expect(rows).toHaveLength(4);
    const other = { organizationId: 1, projectId: 4, keyId: 7 };
    expect(outcomes).toEqual([
      { outcome: 'invalid', reason: 'invalid_log', category: 'log_item', quantity: 1, scoping },
      { outcome: 'invalid', reason: 'invalid_log', category: 'log_byte', quantity: 3, scoping },
      { outcome: 'accepted', reason: null, category: 'log_item', quantity: 3, scoping },
      { outcome: 'accepted', reason: null, category: 'log_byte', quantity: 1 + 2 + 4, scoping },
      { outcome: 'accepted', reason: null, category: 'log_item', quantity: 1, scoping: other },
      { outcome: 'accepted', reason: null, category: 'log_byte', quantity: 3, scoping: other },
    ]);
  });
});

describe('inbound filters on trace items (Relay filter::filter of logs and trace metrics)', () => {
  /** An envelope of a project that filters `*-beta` releases, legacy IE and web crawlers. */
  const filtering = (userAgent?: string): AcceptedEnvelope => {
    const parsed = parseProjectConfig({
      filterSettings: {
        releases: { releases: ['*-beta'] },
        legacyBrowsers: { isEnabled: true, options: ['ie9'] },
        webCrawlers: { isEnabled: true },
      },
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    return acceptedEnvelope({
      projectId: 3,
      config: parsed.config,
      meta: { receivedAt: NOW, ...(userAgent ? { userAgent } : {}) },
    });
  };
  const beta = { 'sentry.release': { type: 'string', value: 'app@2.0.0-beta' } };

  it('drops filtered logs with the stat key before the quotas, counting only what is left', async () => {
    const { outcomes, rows, logs } = setup();
    const prepared = logs.prepare(filtering(), item('log', [log('kept'), log('gone', { attributes: beta })]));
    expect(prepared).toMatchObject({
      kept: true,
      quantities: [
        ['log_item', 1],
        ['log_byte', 4],
      ],
    });
    expect(outcomes).toEqual([
      { outcome: 'filtered', reason: 'release-version', category: 'log_item', quantity: 1, scoping },
      // The canonical size of the entry: its body and attributes as sent.
      {
        outcome: 'filtered',
        reason: 'release-version',
        category: 'log_byte',
        quantity: 4 + 14 + 14,
        scoping,
      },
    ]);
    await logs.flush();
    expect(rows).toEqual([]); // nothing before commit
    if (prepared.kept) prepared.commit();
    await logs.flush();
    expect(rows.map((r) => (JSON.parse(r) as { body: string }).body)).toEqual(['kept']);
  });

  it('filters on the browser derived from the request and on a crawler user agent; a wholly filtered container is dropped', () => {
    const { outcomes, logs, metrics } = setup();
    const ie9 = 'Mozilla/4.0 (compatible; MSIE 9.0; Windows NT 6.0; Trident/5.0)';
    // A container without a version: the browser is inferred from the request's user agent.
    const unversioned: EnvelopeItem = {
      ...item('log', []),
      payload: Buffer.from(JSON.stringify({ items: [log('old browser')] })),
    };
    unversioned.headers.item_count = 1;
    expect(logs.prepare(filtering(ie9), unversioned)).toEqual({ kept: false });
    const bot =
      'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)';
    const metric = { timestamp: NOW, trace_id: TRACE, name: 'jobs', type: 'counter', value: 1 };
    const sentUa = { attributes: { 'user_agent.original': { type: 'string', value: bot } } };
    expect(metrics.prepare(filtering(), item('trace_metric', [{ ...metric, ...sentUa }]))).toEqual({
      kept: false,
    });
    expect(outcomes.map((o) => [o.reason, o.category, o.quantity])).toEqual([
      ['legacy-browsers', 'log_item', 1],
      ['legacy-browsers', 'log_byte', 11],
      ['web-crawlers', 'trace_metric', 1],
    ]);
  });
});

describe('TraceMetricItemHandler', () => {
  it('stores metrics with trace_metric outcomes and ignores other item types', async () => {
    const { outcomes, rows, metrics } = setup();
    const metric = { timestamp: NOW, trace_id: TRACE, name: 'jobs', type: 'counter', value: 1 };
    metrics.handle(accepted(), item('trace_metric', [metric, { ...metric, type: 'set' }]));
    metrics.handle(accepted(), item('log', [log('not mine')]));
    await metrics.flush();
    expect(rows.map((r) => (JSON.parse(r) as { name: string }).name)).toEqual(['jobs']);
    expect(outcomes).toEqual([
      { outcome: 'invalid', reason: 'invalid_trace_metric', category: 'trace_metric', quantity: 1, scoping },
      { outcome: 'accepted', reason: null, category: 'trace_metric', quantity: 1, scoping },
    ]);
  });
});
