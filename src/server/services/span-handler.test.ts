import { describe, expect, it } from 'vitest';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { Outcome } from '../../protocol/outcome.js';
import type { AcceptedEnvelope } from '../ingest/index.js';
import { acceptedEnvelope } from './test-envelope.js';
import { parseProjectConfig, type ProjectConfig } from '../../processing/project-config/index.js';
import { SpanItemHandler } from './span-handler.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const NOW = Date.now() / 1000;

const accepted = (projectId = 3, organizationId = 1): AcceptedEnvelope =>
  acceptedEnvelope({ projectId, organizationId, meta: { receivedAt: NOW } });
/** The scoping of {@link accepted}'s default envelope. */
const SCOPING = { organizationId: 1, projectId: 3, keyId: 1 };

const child = (id: string) => ({
  trace_id: TRACE,
  span_id: id.repeat(16),
  parent_span_id: '1'.repeat(16),
  op: 'db',
  start_timestamp: NOW - 2,
  timestamp: NOW - 1.5,
});

function transaction(over: Record<string, unknown> = {}): EnvelopeItem {
  const event = {
    type: 'transaction',
    transaction: 'GET /',
    start_timestamp: NOW - 2,
    timestamp: NOW - 1,
    contexts: { trace: { trace_id: TRACE, span_id: '1'.repeat(16), op: 'http.server' } },
    spans: [child('2'), child('3')],
    ...over,
  };
  return { headers: { type: 'transaction' }, payload: Buffer.from(JSON.stringify(event)) };
}

function v2(items: unknown[], itemCount = items.length): EnvelopeItem {
  return {
    headers: {
      type: 'span',
      content_type: 'application/vnd.sentry.items.span.v2+json',
      item_count: itemCount,
    },
    payload: Buffer.from(JSON.stringify({ version: 2, items })),
  };
}

const v2Span = (id: string, over: Record<string, unknown> = {}) => ({
  trace_id: TRACE,
  span_id: id.repeat(16),
  name: 'work',
  status: 'ok',
  is_segment: false,
  start_timestamp: NOW - 1,
  end_timestamp: NOW,
  ...over,
});

function setup() {
  const outcomes: Outcome[] = [];
  const rows: string[] = [];
  const handler = new SpanItemHandler({
    sink: { push: (lines: string[]) => (rows.push(...lines), true) },
    outcomes: { record: (o: Outcome) => outcomes.push(o) },
  });
  return { outcomes, rows, handler };
}

const counts = (
  outcome: string,
  reason: string | null,
  quantities: Record<string, number>,
  scoping = SCOPING,
) =>
  Object.entries(quantities).map(([category, quantity]) => ({
    outcome,
    reason,
    category,
    quantity,
    scoping,
  }));

describe('SpanItemHandler', () => {
  it('stores a transaction as 1 + child spans and counts Relay categories', async () => {
    const { outcomes, rows, handler } = setup();
    handler.handle(accepted(), transaction());
    expect(outcomes).toEqual([]);
    await handler.flush();
    expect(rows).toHaveLength(3);
    expect(outcomes).toEqual([
      ...counts('accepted', null, { transaction: 1, transaction_indexed: 1 }),
      ...counts('accepted', null, { span: 3, span_indexed: 3 }),
    ]);
  });

  it('rejects malformed transactions with Relay reasons, leaving the other items alone', async () => {
    const { outcomes, rows, handler } = setup();
    const envelope = accepted();
    handler.handle(envelope, transaction({ timestamp: NOW - 10 }));
    handler.handle(envelope, { headers: { type: 'transaction' }, payload: Buffer.from('{"oops"') });
    handler.handle(envelope, v2([v2Span('4')]));
    await handler.flush();
    expect(rows).toHaveLength(1);
    expect(outcomes).toEqual([
      ...counts('invalid', 'invalid_transaction', { transaction: 1, transaction_indexed: 1 }),
      ...counts('invalid', 'invalid_transaction', { span: 3, span_indexed: 3 }),
      ...counts('invalid', 'invalid_json', { transaction: 1, transaction_indexed: 1 }),
      ...counts('invalid', 'invalid_json', { span: 1, span_indexed: 1 }),
      ...counts('accepted', null, { span: 1, span_indexed: 1 }),
    ]);
  });

  it('counts span v2 entries, invalid entries and rejected containers', async () => {
    const { outcomes, rows, handler } = setup();
    const envelope = accepted();
    handler.handle(
      envelope,
      v2([v2Span('4'), v2Span('5', { end_timestamp: 'never' }), v2Span('6', { span_id: 'x' })]),
    );
    // Only one span container per envelope.
    handler.handle(envelope, v2([v2Span('7'), v2Span('8')]));
    handler.handle(accepted(), v2([v2Span('6')], 3));
    await handler.flush();
    expect(rows).toHaveLength(1);
    expect(outcomes).toEqual([
      ...counts('invalid', 'timestamp', { span: 1, span_indexed: 1 }),
      ...counts('invalid', 'invalid_span', { span: 1, span_indexed: 1 }),
      ...counts('invalid', 'duplicate_item', { span: 2, span_indexed: 2 }),
      ...counts('invalid', 'invalid_json', { span: 3, span_indexed: 3 }),
      ...counts('accepted', null, { span: 1, span_indexed: 1 }),
    ]);
  });

  it('records the accepted outcomes of a batch per project, each with its own scoping', async () => {
    const { outcomes, rows, handler } = setup();
    handler.handle(accepted(3), transaction());
    handler.handle(accepted(5, 2), transaction({ spans: [] }));
    handler.handle(accepted(5, 2), v2([v2Span('4'), v2Span('5')]));
    handler.handle(accepted(3), v2([v2Span('6')]));
    await handler.flush();
    expect(rows).toHaveLength(7);
    const other = { organizationId: 2, projectId: 5, keyId: 1 };
    expect(outcomes).toEqual([
      ...counts('accepted', null, { transaction: 1, transaction_indexed: 1 }),
      ...counts('accepted', null, { span: 4, span_indexed: 4 }),
      ...counts('accepted', null, { transaction: 1, transaction_indexed: 1 }, other),
      ...counts('accepted', null, { span: 3, span_indexed: 3 }, other),
    ]);
  });
});

/** A project config with the given sampling rules. */
function sampled(...rules: Array<Record<string, unknown>>): ProjectConfig {
  const parsed = parseProjectConfig({ sampling: { version: 2, rules } });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

const ALL = { op: 'and', inner: [] };
const rate = (id: number, type: string, value: number, condition: unknown = ALL) => ({
  id,
  type,
  condition,
  samplingValue: { type: 'sampleRate', value },
});
/** The envelope's own public key (see `acceptedEnvelope`) and another project's. */
const OWN_KEY = 'a'.repeat(32);
const ROOT_KEY = 'b'.repeat(32);

/** An envelope of project 3 with `config` and a DSC (`trace` header) with `dsc` fields. */
const withDsc = (config: ProjectConfig, dsc: Record<string, unknown> | undefined) =>
  acceptedEnvelope({
    projectId: 3,
    config,
    meta: { receivedAt: NOW },
    headers: dsc === undefined ? {} : { trace: { trace_id: TRACE, public_key: OWN_KEY, ...dsc } },
  });

/**
 * The outcomes of one sampled-out transaction with `spans` spans (Relay's categories): the indexed
 * ones `filtered` when it is prepared, the totals `accepted` once it passed its quotas (commit).
 */
const sampledOut = (reason: string, spans: number) => [
  ...counts('filtered', reason, { transaction_indexed: 1 }),
  ...counts('filtered', reason, { span_indexed: spans }),
  ...counts('accepted', null, { transaction: 1 }),
  ...counts('accepted', null, { span: spans }),
];

describe('SpanItemHandler inbound filters', () => {
  const filtering = (): AcceptedEnvelope => {
    const parsed = parseProjectConfig({
      filterSettings: {
        releases: { releases: ['*-beta'] },
        generic: {
          version: 1,
          filters: [
            { id: 'noisy', isEnabled: true, condition: { op: 'eq', name: 'span.name', value: 'noise' } },
          ],
        },
      },
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    return acceptedEnvelope({ projectId: 3, config: parsed.config, meta: { receivedAt: NOW } });
  };
  const beta = { 'sentry.release': { type: 'string', value: 'app@2.0.0-beta' } };

  it('drops a filtered transaction in all four categories and hands back its drop for what belongs to it', () => {
    const { outcomes, handler } = setup();
    const prepared = handler.prepare(filtering(), transaction({ release: 'app@2.0.0-beta' }));
    expect(prepared).toEqual({ kept: false, drop: { outcome: 'filtered', reason: 'release-version' } });
    expect(outcomes).toEqual([
      ...counts('filtered', 'release-version', { transaction: 1, transaction_indexed: 1 }),
      ...counts('filtered', 'release-version', { span: 3, span_indexed: 3 }),
    ]);
  });

  it('drops filtered v2 spans and legacy spans per stat key, counting only the spans left', async () => {
    const { outcomes, rows, handler } = setup();
    const container = v2([v2Span('4'), v2Span('5', { attributes: beta }), v2Span('6', { name: 'noise' })]);
    const prepared = handler.prepare(filtering(), container);
    expect(prepared).toMatchObject({ kept: true, quantities: [['span', 1]] });
    const legacy: EnvelopeItem = {
      headers: { type: 'span' },
      payload: Buffer.from(JSON.stringify({ ...child('7'), data: { 'sentry.release': 'app@2.0.0-beta' } })),
    };
    expect(handler.prepare(filtering(), legacy)).toEqual({ kept: false });
    if (prepared.kept) prepared.commit();
    await handler.flush();
    expect(rows).toHaveLength(1);
    expect(outcomes).toEqual([
      ...counts('filtered', 'release-version', { span: 1, span_indexed: 1 }),
      ...counts('filtered', 'noisy', { span: 1, span_indexed: 1 }),
      ...counts('filtered', 'release-version', { span: 1, span_indexed: 1 }),
      ...counts('accepted', null, { span: 1, span_indexed: 1 }),
    ]);
  });
});

describe('SpanItemHandler dynamic sampling', () => {
  it('drops transactions a transaction rule samples out, recording Sampled:<id> for the indexed categories', async () => {
    const { outcomes, rows, handler } = setup();
    const config = sampled(
      rate(7, 'transaction', 0, { op: 'eq', name: 'event.transaction', value: 'GET /health' }),
    );
    handler.handle(withDsc(config, undefined), transaction({ transaction: 'GET /health' }));
    handler.handle(withDsc(config, undefined), transaction());
    expect(outcomes).toEqual(sampledOut('Sampled:7', 3));
    await handler.flush();
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => (JSON.parse(row) as { segment_name: string }).segment_name === 'GET /')).toBe(
      true,
    );
    expect(outcomes.slice(4)).toEqual([
      ...counts('accepted', null, { transaction: 1, transaction_indexed: 1 }),
      ...counts('accepted', null, { span: 3, span_indexed: 3 }),
    ]);
  });

  it('gives the transaction and the spans of one trace the same decision from the DSC', async () => {
    const { outcomes, rows, handler } = setup();
    const config = sampled(
      {
        id: 1,
        type: 'trace',
        condition: { op: 'glob', name: 'trace.release', value: ['1.*'] },
        samplingValue: { type: 'factor', value: 0.5 },
      },
      rate(2, 'trace', 1),
    );
    // Rate 0.5: sample_rand 0.7 drops every item of the trace, 0.3 keeps them.
    const dropped = withDsc(config, { release: '1.0', sample_rand: '0.7' });
    handler.handle(dropped, transaction());
    handler.handle(dropped, v2([v2Span('4'), v2Span('5')]));
    const kept = withDsc(config, { release: '1.0', sample_rand: '0.3' });
    handler.handle(kept, transaction({ spans: [] }));
    handler.handle(kept, v2([v2Span('6')]));
    await handler.flush();
    expect(rows).toHaveLength(2);
    expect(outcomes).toEqual([
      ...sampledOut('Sampled:1,2', 3),
      ...counts('filtered', 'Sampled:1,2', { span_indexed: 2 }),
      ...counts('accepted', null, { span: 2 }),
      ...counts('accepted', null, { transaction: 1, transaction_indexed: 1 }),
      ...counts('accepted', null, { span: 2, span_indexed: 2 }),
    ]);
  });

  it('samples legacy standalone spans by trace rules and leaves envelopes without a DSC alone', async () => {
    const { outcomes, rows, handler } = setup();
    const config = sampled(rate(9, 'trace', 0));
    const legacy = (id: string): EnvelopeItem => ({
      headers: { type: 'span' },
      payload: Buffer.from(JSON.stringify(child(id))),
    });
    handler.handle(withDsc(config, {}), legacy('4'));
    handler.handle(withDsc(config, undefined), legacy('5'));
    handler.handle(withDsc(config, undefined), v2([v2Span('6')]));
    await handler.flush();
    expect(rows).toHaveLength(2);
    expect(outcomes).toEqual([
      ...counts('filtered', 'Sampled:9', { span_indexed: 1 }),
      ...counts('accepted', null, { span: 1 }),
      ...counts('accepted', null, { span: 2, span_indexed: 2 }),
    ]);
  });

  it('reads trace rules from the project of the DSC’s public key, in the same organization only', async () => {
    const rootProject = { organizationId: 1, isActive: true, config: sampled(rate(4, 'trace', 0)) };
    const lookups: string[] = [];
    const outcomes: Outcome[] = [];
    const rows: string[] = [];
    const projects: Record<string, typeof rootProject> = {
      [ROOT_KEY]: rootProject,
      ['c'.repeat(32)]: { ...rootProject, organizationId: 2 },
      ['d'.repeat(32)]: { ...rootProject, isActive: false },
    };
    const handler = new SpanItemHandler({
      sink: { push: (lines: string[]) => (rows.push(...lines), true) },
      outcomes: { record: (o: Outcome) => outcomes.push(o) },
      samplingProject: (key) => (lookups.push(key), projects[key]),
    });
    // The item's own project keeps everything; the root project drops everything.
    const own = sampled();
    handler.handle(withDsc(own, { public_key: ROOT_KEY }), transaction({ spans: [] }));
    for (const key of ['c'.repeat(32), 'd'.repeat(32), 'e'.repeat(32)]) {
      handler.handle(withDsc(own, { public_key: key }), transaction({ spans: [] }));
    }
    await handler.flush();
    expect(lookups).toEqual([ROOT_KEY, 'c'.repeat(32), 'd'.repeat(32), 'e'.repeat(32)]);
    expect(rows).toHaveLength(3);
    expect(outcomes.slice(0, 4)).toEqual(sampledOut('Sampled:4', 1));

    // Unresolved roots fall back to the item's project, whose rules then read the event's DSC.
    outcomes.length = 0;
    const ownRules = sampled(rate(5, 'trace', 0, { op: 'eq', name: 'trace.transaction', value: 'GET /' }));
    handler.handle(
      withDsc(ownRules, { public_key: 'e'.repeat(32), transaction: 'other' }),
      transaction({ spans: [] }),
    );
    expect(outcomes).toEqual(sampledOut('Sampled:5', 1));
  });

  it('keeps invalid items invalid: sampling runs after validation', async () => {
    const { outcomes, rows, handler } = setup();
    handler.handle(withDsc(sampled(rate(1, 'trace', 0)), {}), transaction({ timestamp: NOW - 10 }));
    await handler.flush();
    expect(rows).toHaveLength(0);
    expect(outcomes).toEqual([
      ...counts('invalid', 'invalid_transaction', { transaction: 1, transaction_indexed: 1 }),
      ...counts('invalid', 'invalid_transaction', { span: 3, span_indexed: 3 }),
    ]);
  });
});
